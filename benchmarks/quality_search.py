"""Does the quality search keep its promise? Its results judged on the full image, in one run.

For each photo of the folders and each --target, our JPEG encode (the search on
its sample, then the full encode) is judged by the full-image metric of the
result against the upright original. The promise: at least 95% of photos reach
target − 0.003, and none falls below target − 0.006. It prints the hit rate and
the worst miss per target, per size band and per kind of photo (a stress
photo's kind is its name up to the first '-', see benchmarks/stress_photos.py;
other photos are "photo"), and the sample's error: the sample's score at the
chosen quality minus the full image's.

With --oracle it also finds, by bisection over full-size encodes, the smallest
encoding whose full-image metric reaches the target, and prints our bytes
saved beside the oracle's; with --classic, the search + encode time beside
the classic method's (--metric sad --sample thumbnail).

    python benchmarks/quality_search.py [FOLDER...] [--metric ssim]
        [--targets 0.95,0.96,0.97,0.98,0.99] [--oracle] [--classic]

For MS-SSIM, --targets defaults to the presets' targets.
"""

import argparse
import io
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from optimize_images.measure import metrics, quality, sampling, scoring
from optimize_images.image import transforms  # noqa: E402
from optimize_images.image.formats import jpeg  # noqa: E402
from optimize_images.image.formats.base import Job, NoGain, save_to_bytes  # noqa: E402
from optimize_images.image.formats.jpeg_tables import estimate_quality, subsampling_of  # noqa: E402
from optimize_images.common.settings import Settings  # noqa: E402

FULL_METRICS = {"ssim": metrics.ssim, "ms-ssim": metrics.ms_ssim}
TOLERANCE, WORST = 0.003, 0.006
SHARE = 0.95
SIZE_BANDS = ((0.5e6, "< 0.5 MP"), (3.2e6, "0.5-3.2 MP"), (12e6, "3.2-12 MP"),
              (float("inf"), ">= 12 MP"))
SUFFIXES = (".jpg", ".jpeg", ".png")


def load(path):
    """(upright decoded image ready for JPEG, source image, file size)."""
    data = path.read_bytes()
    source = Image.open(io.BytesIO(data))
    source.load()
    image = transforms.upright(source, transforms.orientation_of(source))
    return jpeg.prepare(image, Settings()), source, len(data)


def our_result(image, source, size, settings, *, capped=True):
    """(bytes, chosen quality, seconds); (None, None, seconds) when the tool would leave
    the file. `capped=False` leaves out the source-quality cap, to judge the search alone."""
    own = capped and source.format == "JPEG"
    job = Job(settings=settings, source_format=source.format, source_size=size,
              source_quality=estimate_quality(source) if own else None,
              source_subsampling=subsampling_of(source) if source.format == "JPEG" else None)
    started = time.perf_counter()
    encoded = jpeg.encode(image, job)
    if isinstance(encoded, NoGain):
        return None, None, time.perf_counter() - started
    return encoded.data, encoded.quality, time.perf_counter() - started


def sample_score(image, settings, level):
    """The search's own score of `level`: its sample, probed as the search probes it."""
    plan = quality.plan_for(settings)
    sample, tile = sampling.take(image, plan.sampler)
    sample = sample.convert("L")
    data = save_to_bytes(sample, "JPEG", qtables=jpeg.tables_for("L", settings, level))
    with Image.open(io.BytesIO(data)) as probe:
        return scoring.scorer(plan.metric, sample, tile=tile)(probe.convert("L"))


def full_encode(image, source, level, size):
    """The full image encoded as ours would be at `level`: same tables and subsampling."""
    settings = Settings()
    subsampling = subsampling_of(source) if source.format == "JPEG" else None
    return save_to_bytes(image, "JPEG", qtables=jpeg.tables_for(image.mode, settings, level),
                         subsampling=jpeg.subsampling_for(image.mode, settings, subsampling),
                         optimize=True, progressive=size > jpeg.PROGRESSIVE_ABOVE)


def decoded(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def oracle(image, source, size, measure, target, low, high):
    """Smallest full-size encoding (ours: same tables and subsampling) reaching the target
    with the full-image metric, or None."""
    best = None
    while low <= high:
        middle = (low + high) // 2
        data = full_encode(image, source, middle, size)
        if measure(image, decoded(data)) >= target:
            best, high = data, middle - 1
        else:
            low = middle + 1
    return best


def kind_of(path):
    name = path.stem
    return name.split("-")[0] if "-" in name and name.split("-")[0].isalpha() else "photo"


def band_of(pixels):
    return next(label for limit, label in SIZE_BANDS if pixels < limit)


def run(paths, metric, targets, with_oracle, with_classic):
    measure = FULL_METRICS[metric]
    rows, seconds = [], {"ours": 0.0, "classic": 0.0}
    classic = Settings(metric="sad", sample="thumbnail")
    for path in paths:
        image, source, size = load(path)
        for target in targets:
            ours = Settings(metric=metric, target=target)
            data, chosen, spent = our_result(image, source, size, ours, capped=False)
            seconds["ours"] += spent
            row = {"name": path.name, "kind": kind_of(path), "size": size, "target": target,
                   "band": band_of(image.width * image.height), "quality": chosen,
                   "bytes": len(data), "value": measure(image, decoded(data))}
            row["sample"] = sample_score(image, ours, chosen) if metric == "ssim" else None
            if with_oracle:
                plan = quality.plan_for(ours)
                best = oracle(image, source, size, measure, target, plan.low, plan.high)
                row["oracle_bytes"] = len(best) if best else size
            rows.append(row)
            print(f"{path.name[:30]:30} {target:.3f} q{chosen} {row['value']:.4f}"
                  + (f" (sample {row['sample']:.4f})" if row["sample"] is not None else ""),
                  file=sys.stderr, flush=True)
        if with_classic:
            seconds["classic"] += our_result(image, source, size, classic)[2]
    return rows, seconds


def verdict(rows):
    """(hits, count, worst shortfall, its photo) of rows against their targets."""
    shortfalls = [(row["target"] - row["value"], row["name"]) for row in rows]
    hits = sum(short <= TOLERANCE for short, _ in shortfalls)
    worst = max(shortfalls)
    return hits, len(rows), worst[0], worst[1]


def print_groups(rows, key, title):
    print(f"\n| {title} | photos | hits (>= target - {TOLERANCE}) | worst shortfall |")
    print("|---|---|---|---|")
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    for name in sorted(groups):
        hits, count, worst, photo = verdict(groups[name])
        print(f"| {name} | {count // len({r['target'] for r in groups[name]})} | "
              f"{hits}/{count} | {worst:+.4f} ({photo}) |")


def report(rows, seconds, metric, with_oracle, with_classic):
    print(f"\n| target | hits (>= target - {TOLERANCE}) | share | worst | below "
          f"target - {WORST} | promise |")
    print("|---|---|---|---|---|---|")
    for target in sorted({row["target"] for row in rows}):
        group = [row for row in rows if row["target"] == target]
        hits, count, worst, photo = verdict(group)
        below = sum(target - row["value"] > WORST for row in group)
        kept = hits >= SHARE * count and below == 0
        print(f"| {target:g} | {hits}/{count} | {100 * hits / count:.0f}% | "
              f"{target - worst:.4f} ({photo}) | {below} | {'kept' if kept else 'BROKEN'} |")
    print_groups(rows, "band", "size band")
    print_groups(rows, "kind", "kind")
    errors = sorted(row["sample"] - row["value"] for row in rows if row["sample"] is not None)
    if errors:
        print(f"\nsample - full at the chosen quality: median {errors[len(errors) // 2]:+.4f}, "
              f"95th percentile {errors[int(0.95 * (len(errors) - 1))]:+.4f}, "
              f"largest {errors[-1]:+.4f}, smallest {errors[0]:+.4f}")
    if with_oracle:
        total = sum(row["size"] for row in rows)
        saved = total - sum(row["bytes"] for row in rows)
        oracle_saved = total - sum(row["oracle_bytes"] for row in rows)
        print(f"bytes saved: ours {100 * saved / total:.1f}%, oracle "
              f"{100 * oracle_saved / total:.1f}%, ratio {saved / oracle_saved:.3f}")
    if with_classic:
        print(f"search + encode time: ours {seconds['ours']:.2f} s over every target, "
              f"classic {seconds['classic']:.2f} s once per photo")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path,
                        default=[REPO.parent / "shared" / "corpus" / "photos"])
    parser.add_argument("--metric", choices=sorted(FULL_METRICS), default="ssim")
    parser.add_argument("--targets", help="comma-separated (default: 0.95-0.99 for SSIM, "
                                          "the presets' targets for MS-SSIM)")
    parser.add_argument("--oracle", action="store_true")
    parser.add_argument("--classic", action="store_true")
    args = parser.parse_args()
    targets = ([float(value) for value in args.targets.split(",")] if args.targets
               else [0.95, 0.96, 0.97, 0.98, 0.99] if args.metric == "ssim"
               else sorted(set(quality.PRESET_TARGETS[args.metric].values())))
    paths = sorted(path for folder in args.folders for path in folder.iterdir()
                   if path.suffix.lower() in SUFFIXES)
    rows, seconds = run(paths, args.metric, targets, args.oracle, args.classic)
    report(rows, seconds, args.metric, args.oracle, args.classic)


if __name__ == "__main__":
    main()
