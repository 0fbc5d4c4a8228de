"""The default's per-photo SSIM target: fit on one half of the photos, judged on the other.

From the grid of benchmarks/visibility_grid.py (every photo encoded as ours at
qualities 30-95 in steps of 5, each encoding judged by butteraugli and
full-image SSIM), for each photo and each preset's butteraugli distance B
(`settings.BUTTERAUGLI`): the full-image SSIM s*(B) where its butteraugli
curve comes down to B (between grid qualities, by linear interpolation in the
quality). The photos are split in two halves, alternately by name; on the
first half

    log((1 − s*(B)) / (1 − still)) = intercept(B) + slope · flat

is fit by least squares (one slope for all presets), `still` and `flat` being
what `targets.features` reads off the photo's search sample. Then on the
other half it reports, per preset:

- the rank correlation (Spearman) of the predicted target with s*(B);
- the butteraugli of the encodings each policy would choose (the lowest
  quality whose full-image SSIM reaches its target, within 50-95 and below the
  source's own quality, interpolated on the grid; a photo whose answer is not
  below its source's quality is left as it is and counts 0): mean, standard
  deviation, 10th-90th percentiles, max, and bytes saved on the JPEG sources
  (a run does not turn a PNG into a JPEG unless asked), for the fixed SSIM
  target the preset had before (0.965 / 0.975 / 0.98 / 0.985) and for the fit.

It prints the coefficients in the form `optimize_images/targets.py` keeps them;
--check says whether the module's coefficients are the first half's fit.

    python benchmarks/visibility_grid.py FOLDER...      # the grid, once
    python benchmarks/visible_quality.py FOLDER... [--check]
"""

import argparse
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import visibility_grid  # noqa: E402
from optimize_images.common import settings  # noqa: E402
from optimize_images.measure import sampling, targets  # noqa: E402

FIXED_TARGETS = {"low": 0.965, "medium": 0.975, "high": 0.98, "veryhigh": 0.985}
LOW, HIGH = 50, 95  # the grid's top; the search's range goes on to 100


def features_of(path):
    image, _ = visibility_grid.upright(path)
    sample, _ = sampling.take(image, "tiles")
    return targets.features(sample.convert("L"))


def curve(entry, measure):
    levels = sorted(entry["levels"])
    return levels, [measure(entry["levels"][level]) for level in levels]


def interpolate(levels, values, at):
    for (q0, v0), (q1, v1) in zip(zip(levels, values), zip(levels[1:], values[1:])):
        if q0 <= at <= q1:
            return v0 + (v1 - v0) * (at - q0) / (q1 - q0)
    return values[0] if at < levels[0] else values[-1]


def butteraugli_crossing(entry, bound):
    """The lowest quality (interpolated) from which no higher one is over `bound`, or None."""
    levels, distances = curve(entry, visibility_grid.distance)
    envelope = [max(distances[index:]) for index in range(len(distances))]
    if envelope[-1] > bound:
        return None
    index = next(index for index, value in enumerate(envelope) if value <= bound)
    if index == 0:
        return levels[0]
    q0, q1, d0, d1 = levels[index - 1], levels[index], envelope[index - 1], envelope[index]
    return q0 + (q1 - q0) * (d0 - bound) / (d0 - d1)


def ssim_crossing(entry, target):
    """The lowest quality (interpolated) whose full-image SSIM reaches `target`, or None."""
    levels, values = curve(entry, lambda cell: cell["ssim"])
    if values[-1] < target:
        return None
    index = len(levels) - 1
    while index > 0 and values[index - 1] >= target:
        index -= 1
    if index == 0:
        return levels[0]
    q0, q1, v0, v1 = levels[index - 1], levels[index], values[index - 1], values[index]
    return q0 + (q1 - q0) * (target - v0) / (v1 - v0)


def outcome(entry, target):
    """(bytes, butteraugli) of the encoding a run would keep for this SSIM target."""
    facts = entry["facts"]
    chosen = ssim_crossing(entry, target)
    chosen = HIGH if chosen is None else min(HIGH, max(LOW, chosen))
    if facts["quality"] is not None and chosen >= facts["quality"]:
        return facts["bytes"], 0.0
    levels, sizes = curve(entry, lambda cell: cell["bytes"])
    size = interpolate(levels, sizes, chosen)
    if size > 0.99 * facts["bytes"]:
        return facts["bytes"], 0.0
    return size, interpolate(*curve(entry, visibility_grid.distance), chosen)


def fit(rows, presets):
    """(intercepts per preset, slope): least squares on log((1 − s*) / (1 − still)) over
    every preset."""
    points = [(preset, row["flat"], math.log((1 - row["s"][preset]) / (1 - row["still"])))
              for row in rows for preset in presets if row["s"][preset] is not None]
    means = {preset: [] for preset in presets}
    for preset, flat, value in points:
        means[preset].append((flat, value))
    centred = [(flat - _mean([f for f, _ in means[preset]]),
                value - _mean([v for _, v in means[preset]]))
               for preset in presets for flat, value in means[preset]]
    slope = sum(x * y for x, y in centred) / sum(x * x for x, _ in centred)
    intercepts = {preset: _mean([v for _, v in means[preset]])
                  - slope * _mean([f for f, _ in means[preset]]) for preset in presets}
    return intercepts, slope


def _mean(values):
    return sum(values) / len(values)


def spearman(first, second):
    def ranks(values):
        order = sorted(range(len(values)), key=values.__getitem__)
        result = [0.0] * len(values)
        for rank, index in enumerate(order):
            result[index] = rank
        return result
    a, b = ranks(first), ranks(second)
    ma, mb = _mean(a), _mean(b)
    covariance = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    return covariance / math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))


def spread(values):
    values = sorted(values)
    mean = _mean(values)
    deviation = math.sqrt(_mean([(value - mean) ** 2 for value in values]))
    return (f"{mean:.2f} | {deviation:.2f} | {values[len(values) // 10]:.2f}-"
            f"{values[(9 * len(values)) // 10]:.2f} | {values[-1]:.2f}")


def report(rows, intercepts, slope, presets):
    print(f"\nheld-out half: {len(rows)} photos")
    print("| preset (butteraugli) | policy | rank corr. with s* | butteraugli mean | sd | "
          "10th-90th pct | max | saved |")
    print("|---|---|---|---|---|---|---|---|")
    for preset in presets:
        usable = [row for row in rows if row["s"][preset] is not None]
        for name, target_of in (
                (f"SSIM {FIXED_TARGETS[preset]}", lambda row: FIXED_TARGETS[preset]),
                ("per-photo target", lambda row: targets.target(
                    row["still"], row["flat"], intercepts[preset], slope))):
            results = [outcome(row["entry"], target_of(row)) for row in rows]
            jpegs = [(row, result) for row, result in zip(rows, results)
                     if row["entry"]["facts"]["format"] == "JPEG"]
            before = sum(row["entry"]["facts"]["bytes"] for row, _ in jpegs)
            saved = 100 * (1 - sum(size for _, (size, _) in jpegs) / before)
            correlation = ("–" if name == f"SSIM {FIXED_TARGETS[preset]}" else
                           f"{spearman([target_of(row) for row in usable], [row['s'][preset] for row in usable]):.2f}")
            print(f"| {preset} ({settings.BUTTERAUGLI[preset]}) | {name} | {correlation} | "
                  f"{spread([distance for _, distance in results])} | {saved:.1f}% |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless targets.py holds the first half's fit")
    arguments = parser.parse_args(argv)
    paths = visibility_grid.photos(arguments.folders)
    grid = visibility_grid.grid_from_cache(paths)
    missing = [path.name for path in paths if path not in grid]
    if missing:
        sys.exit(f"not in the grid's cache (run benchmarks/visibility_grid.py): {missing}")
    presets = list(settings.BUTTERAUGLI)
    rows = []
    for path in paths:
        entry = grid[path]
        crossings = {preset: butteraugli_crossing(entry, settings.BUTTERAUGLI[preset])
                     for preset in presets}
        levels, values = curve(entry, lambda cell: cell["ssim"])
        still, flat = features_of(path)
        rows.append({"name": path.name, "entry": entry, "still": still, "flat": flat,
                     "s": {preset: (interpolate(levels, values, crossing)
                                    if crossing is not None else None)
                           for preset, crossing in crossings.items()}})
    first, second = rows[::2], rows[1::2]
    intercepts, slope = fit(first, presets)
    print(f"fit on {len(first)} photos ({', '.join(row['name'] for row in first)})")
    print("INTERCEPTS = {" + ", ".join(f'"{preset}": {value:.2f}'
                                       for preset, value in intercepts.items()) + "}")
    print(f"SLOPE = {slope:.2f}")
    report(second, intercepts, slope, presets)
    if arguments.check:
        shipped = all(abs(targets.INTERCEPTS[p] - round(intercepts[p], 2)) < 1e-9
                      for p in presets) and abs(targets.SLOPE - round(slope, 2)) < 1e-9
        print(f"\ntargets.py {'holds' if shipped else 'does NOT hold'} this fit")
        sys.exit(0 if shipped else 1)


if __name__ == "__main__":
    main()
