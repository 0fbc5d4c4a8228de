"""Ours beside optimize-images 2.2.0 and jpegoptim on folders of photos: bytes, quality, time.

Each tool optimizes fresh copies of each folder in place, in one run: the peer
(optimize-images 2.2.0 from PyPI, in its own virtual environment, made on first
use), ours at the default settings and at each --preset, and `jpegoptim
--max=80` over the JPEGs when it is installed. The tools take turns, run after
run, so a change in the machine's load falls on all of them alike; wall time is
the median of --runs (copying not timed). The outputs of the last run are judged
against the originals by two judges the search does not optimize
(benchmarks/judge.py): full-image SSIM (scikit-image with Wang et al.'s
settings) and butteraugli, on the whole image up to 3.2 MP and above that on
four fixed 1024² crops (`judge.crop_boxes`: a 2×2 grid, or 1×4 along a long
strip), the largest of the four being the photo's distance. Unchanged files
count 0, and files whose pixels did not change (a losslessly recompressed PNG)
are counted 0 without calling it.

Each folder gets its table, then one per size band. --oracle B adds, per
bound, the butteraugli oracle from benchmarks/visibility_grid.py's cache: for
each JPEG, the smallest of our encodings at qualities 30-95 in steps of 5 whose
butteraugli is at most B (below the source's own quality, kept only when at
least 1% smaller, else left as it is); other files as our default left them.

Outputs are compared upright. A tool that drops the EXIF orientation without
turning the pixels is judged in the orientation it wrote, and listed.

    apt-get install butteraugli jpegoptim    # the judge and a peer
    python benchmarks/stress_photos.py       # the stress set, once
    python benchmarks/versus.py [FOLDER...] [--runs 3] [--jobs 2] [--oracle 1.8,2.0]

Targets (issue "the quality search keeps its promise on any photo"), for our
default against the peer, per folder: bytes saved at least 5 points more,
butteraugli mean at most 0.85x and max at most the peer's, wall time at most
0.95x.
"""

import argparse
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageChops, ImageOps

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import judge  # noqa: E402
from throughput import (DEFAULT_FOLDER, DEFAULT_VENV, compare_folders, fresh_copy,  # noqa: E402
                        ours_command, ours_environment, peer_console_script)

PRESETS = ("low", "medium", "high", "veryhigh")
TARGETS = {"points": 5.0, "butteraugli_mean_ratio": 0.85, "time_ratio": 0.95}
SIZE_BANDS = ((0.5e6, "< 0.5 MP"), (3.2e6, "0.5-3.2 MP"), (12e6, "3.2-12 MP"),
              (float("inf"), ">= 12 MP"))
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp")


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT_FOLDER])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool")
    parser.add_argument("--jobs", type=int, default=2, help="worker count for both tools")
    parser.add_argument("--presets", default=",".join(PRESETS),
                        help="our presets to run besides the default ('' for none)")
    parser.add_argument("--metric", help="run our presets with this --metric (e.g. ms-ssim)")
    parser.add_argument("--ours-args", default="",
                        help="extra arguments for every run of ours, as one string")
    parser.add_argument("--oracle", default="",
                        help="butteraugli bounds of the oracle rows, e.g. 1.8,2.0 (needs "
                             "benchmarks/visibility_grid.py run on the folder)")
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_VENV)
    return parser.parse_args(argv)


def tools(arguments):
    """name → (command before the folder, environment)."""
    jobs = ["-jobs", str(arguments.jobs)]
    found = {}
    peer = peer_console_script(arguments.peer_venv)
    if peer:
        found["2.2.0"] = ([str(peer), *jobs], None)
    ours = ours_command(arguments.ours_args) + jobs
    found["ours"] = (ours, ours_environment())
    metric = ["--metric", arguments.metric] if arguments.metric else []
    for preset in filter(None, arguments.presets.split(",")):
        found[shlex.join(["ours", *metric, "--preset", preset])] = (
            ours + metric + ["--preset", preset], ours_environment())
    if shutil.which("jpegoptim"):
        found["jpegoptim --max=80"] = (["jpegoptim", "--max=80", "--quiet"], None)
    return found


def run_tool(command, environment, copy):
    if command[0] == "jpegoptim":  # it takes files, not folders
        files = sorted(str(path) for path in copy.rglob("*")
                       if path.suffix.lower() in (".jpg", ".jpeg"))
        return subprocess.run([*command, *files], capture_output=True, text=True)
    return subprocess.run([*command, str(copy)], env=environment, cwd=copy.parent,
                          capture_output=True, text=True)


def measure(tools_found, folder, runs, scratch):
    """name → the tool's median wall time, last run's outcome and its folder compared.

    The tools take turns within each run (interleaved, not one tool's runs in a row).
    """
    times = {name: [] for name in tools_found}
    last = {}
    for run in range(runs):
        for index, (name, (command, environment)) in enumerate(tools_found.items()):
            if name in last:
                shutil.rmtree(last[name][1].parent)
            copy = fresh_copy(folder, scratch / f"tool{index}-run{run}" / folder.name)
            started = time.perf_counter()
            completed = run_tool(command, environment, copy)
            times[name].append(time.perf_counter() - started)
            last[name] = (completed, copy)
    return {name: {"time": statistics.median(times[name]), "returncode": completed.returncode,
                   "stderr": completed.stderr, "copy": copy, **compare_folders(folder, copy)}
            for name, (completed, copy) in last.items()}


def judged(folder, result):
    """SSIM and butteraugli of every changed file; notes on what could not be judged."""
    ssims, distances, notes = {}, {}, []
    for relative in result["changed"]:
        before_path, after_path = folder / relative, result["copy"] / relative
        try:
            before, after, note = comparable(before_path, after_path)
        except OSError as error:
            notes.append(f"{relative}: unreadable output ({error})")
            continue
        if note:
            notes.append(f"{relative}: {note}")
        if before is None:
            continue
        ssims[relative] = judge.full_ssim(before, after)
        distances[relative] = distance(before, after)
    return ssims, distances, notes


def distance(before, after):
    """butteraugli on the whole image or on its fixed crops (the largest of them)."""
    if ImageChops.difference(before, after).getbbox() is None:
        return 0.0
    return max(judge.butteraugli(before.crop(box), after.crop(box), upright=False)
               for box in judge.crop_boxes(before.size))


def comparable(before_path, after_path):
    """(original, output, note): both RGB, upright, or as the output was stored."""
    with Image.open(before_path) as original:
        original.load()
        raw = original.convert("RGB")
        upright = ImageOps.exif_transpose(original).convert("RGB")
    with Image.open(after_path) as output:
        output.load()
        result = ImageOps.exif_transpose(output).convert("RGB")
    if result.size == upright.size:
        return upright, result, None
    if result.size == raw.size:
        return raw, result, "orientation dropped without turning the pixels (judged as stored)"
    return None, None, f"size changed from {upright.size} to {result.size}: not judged"


def images_of(folder):
    """relative path → (pixels, bytes) of every image file in the folder."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                with Image.open(path) as image:
                    found[path.relative_to(folder)] = (image.width * image.height,
                                                       path.stat().st_size)
            except OSError:
                pass
    return found


def band_of(pixels):
    return next(label for limit, label in SIZE_BANDS if pixels < limit)


def summary_row(name, files, sizes_after, ssims, distances, seconds, reference_time):
    """A table row over `files` (relative path → (pixels, bytes before))."""
    before = sum(size for _, size in files.values())
    after = sum(sizes_after.get(path, size) for path, (_, size) in files.items())
    all_distances = [distances.get(path, 0.0) for path in files]
    ssim_values = [ssims.get(path, 1.0) for path in files]
    judged_distances = {path: distances[path] for path in files if path in distances}
    judged_ssims = {path: ssims[path] for path in files if path in ssims}
    return {
        "name": name, "files": len(files), "saved": 100 * (before - after) / before,
        "ssim_mean": judge.mean(ssim_values), "ssim_worst": min(ssim_values),
        "ssim_worst_file": (min(judged_ssims, key=judged_ssims.get).name
                            if judged_ssims else "-"),
        "b_mean": judge.mean(all_distances), "b_max": max(all_distances),
        "b_max_file": (max(judged_distances, key=judged_distances.get).name
                       if judged_distances else "-"),
        "time": seconds,
        "ratio": seconds / reference_time if seconds and reference_time else float("nan"),
    }


def sizes_after(result, files):
    copy = result["copy"]
    return {path: (copy / path).stat().st_size for path in files if (copy / path).exists()}


def print_table(rows, title):
    print(f"\n{title}")
    print("| tool | saved | SSIM mean / worst | butteraugli mean / max | wall | vs 2.2.0 |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        wall = f"{row['time']:.2f} s" if row["time"] else "-"
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] == row["ratio"] else "-"
        print(f"| {row['name']} | {row['saved']:.1f}% | {row['ssim_mean']:.4f} / "
              f"{row['ssim_worst']:.4f} | {row['b_mean']:.2f} / {row['b_max']:.2f} | "
              f"{wall} | {ratio} |")


def print_bands(results, files, tools_order):
    print("\nper size band (saved; butteraugli mean / max):")
    bands = {}
    for path, (pixels, size) in files.items():
        bands.setdefault(band_of(pixels), {})[path] = (pixels, size)
    labels = [label for _, label in SIZE_BANDS if label in bands]
    print("| tool | " + " | ".join(f"{label} ({len(bands[label])})" for label in labels) + " |")
    print("|---" * (len(labels) + 1) + "|")
    for name in tools_order:
        result = results[name]
        cells = []
        for label in labels:
            row = summary_row(name, bands[label], result["sizes_after"], result["ssim"],
                              result["butteraugli"], None, None)
            cells.append(f"{row['saved']:.1f}%; {row['b_mean']:.2f} / {row['b_max']:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def print_targets(rows):
    by_name = {row["name"]: row for row in rows}
    if "2.2.0" not in by_name:
        return
    ours, peer = by_name["ours"], by_name["2.2.0"]
    checks = [
        (f"bytes saved >= peer + {TARGETS['points']:g} points",
         f"{ours['saved'] - peer['saved']:+.1f} points",
         ours["saved"] >= peer["saved"] + TARGETS["points"]),
        (f"butteraugli mean <= {TARGETS['butteraugli_mean_ratio']:g}x peer",
         f"{ours['b_mean'] / peer['b_mean']:.2f}x",
         ours["b_mean"] <= TARGETS["butteraugli_mean_ratio"] * peer["b_mean"]),
        ("butteraugli max <= peer", f"{ours['b_max']:.2f} vs {peer['b_max']:.2f}",
         ours["b_max"] <= peer["b_max"]),
        (f"wall time <= {TARGETS['time_ratio']:g}x peer", f"{ours['ratio']:.2f}x",
         ours["ratio"] <= TARGETS["time_ratio"]),
    ]
    print("\nour default against 2.2.0:")
    for label, value, met in checks:
        print(f"  {label}: {value} ({'met' if met else 'NOT met'})")


def oracle_rows(folder, files, bounds, ours):
    """One row per butteraugli bound: for each JPEG, the smallest grid encoding within it;
    every other file as our default left it (a run does not turn a PNG into a JPEG)."""
    import visibility_grid
    rows = []
    paths = [folder / path for path in files]
    cached = {path: entry for path, entry in visibility_grid.grid_from_cache(paths).items()
              if entry["facts"]["format"] == "JPEG"}
    others = [path for path in files if folder / path not in cached]
    print(f"oracle: {len(cached)} JPEGs from the grid's cache; {len(others)} other files "
          "as our default left them")
    for bound in bounds:
        after = {path: ours["sizes_after"][path] for path in others if path in ours["sizes_after"]}
        distances = {path: ours["butteraugli"][path] for path in others
                     if path in ours["butteraugli"]}
        for path in files:
            entry = cached.get(folder / path)
            choice = entry and visibility_grid.smallest_within(entry, bound)
            if choice:
                after[path], distances[path] = choice
        rows.append(summary_row(f"oracle, butteraugli <= {bound:g}", files, after, {},
                                distances, None, None))
    return rows


def best_allocation_row(folder, files, ours, peer):
    """The most any choice of our grid encodings saves within the quality targets.

    Each JPEG takes one of its grid encodings (or stays as it is) so that the
    folder's butteraugli mean is at most TARGETS' share of the peer's and no
    file is over the peer's max; the other files stay as our default left
    them. The best such choice, found by pricing butteraugli in bytes
    (a Lagrange multiplier), says whether the bytes target can be met at all
    at that quality, and how: it need not be one visible quality per photo.
    """
    import visibility_grid
    cached = {path: entry for path, entry in
              visibility_grid.grid_from_cache([folder / path for path in files]).items()
              if entry["facts"]["format"] == "JPEG"}
    fixed_after = {path: ours["sizes_after"].get(path, size) for path, (_, size) in files.items()
                   if folder / path not in cached}
    fixed_distance = [ours["butteraugli"].get(path, 0.0) for path in fixed_after]
    options = {path: [(entry["facts"]["bytes"], 0.0)] + [
        (cell["bytes"], visibility_grid.distance(cell)) for level, cell in entry["levels"].items()
        if level < (entry["facts"]["quality"] or 101)
        and cell["bytes"] <= 0.99 * entry["facts"]["bytes"]
        and visibility_grid.distance(cell) <= peer["b_max"]]
        for path, entry in ((path.relative_to(folder), entry) for path, entry in cached.items())}
    bound = TARGETS["butteraugli_mean_ratio"] * peer["b_mean"]

    def choose(price):
        return {path: min(choices, key=lambda choice: choice[0] + price * choice[1])
                for path, choices in options.items()}

    def mean_of(chosen):
        return judge.mean([distance for _, distance in chosen.values()] + fixed_distance)

    low, high = 0.0, 1e9
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if mean_of(choose(middle)) > bound else (low, middle)
    chosen = choose(high)
    after = {**fixed_after, **{path: size for path, (size, _) in chosen.items()}}
    distances = {**{path: distance for path, (_, distance) in chosen.items()},
                 **dict(zip(fixed_after, fixed_distance))}
    return summary_row(f"best allocation, mean <= {bound:.2f}, max <= {peer['b_max']:.2f}",
                       files, after, {}, distances, None, None)


def measure_folder(folder, found, arguments):
    files = images_of(folder)
    with tempfile.TemporaryDirectory(prefix="versus-") as scratch:
        results = measure(found, folder, arguments.runs, Path(scratch))
        for name, result in results.items():
            result["ssim"], result["butteraugli"], notes = judged(folder, result)
            result["sizes_after"] = sizes_after(result, files)
            for note in [*notes, *anomalies(result)]:
                print(f"  {name}: {note}")
    reference = results.get("2.2.0", {}).get("time")
    rows = [summary_row(name, files, result["sizes_after"], result["ssim"],
                        result["butteraugli"], result["time"], reference)
            for name, result in results.items()]
    bounds = [float(value) for value in filter(None, arguments.oracle.split(","))]
    if bounds:
        rows += oracle_rows(folder, files, bounds, results["ours"])
        peer = next((row for row in rows if row["name"] == "2.2.0"), None)
        if peer:
            rows.append(best_allocation_row(folder, files, results["ours"], peer))
    print_table(rows, f"{folder}: {len(files)} images, "
                      f"{sum(size for _, size in files.values()) / 1e6:.1f} MB")
    for row in rows:
        print(f"  {row['name']}: worst SSIM {row['ssim_worst_file']}, "
              f"largest butteraugli {row['b_max_file']}")
    print_bands(results, files, list(results))
    print_targets(rows)


def main(argv=None):
    arguments = parse_arguments(argv)
    print(f"median of {arguments.runs} interleaved runs; {arguments.jobs} jobs; "
          f"SSIM by {judge.ssim_function()[0]}; butteraugli "
          f"{'installed' if judge.have_butteraugli() else 'NOT installed'}")
    if not judge.have_butteraugli():
        sys.exit("butteraugli is needed (apt-get install butteraugli)")
    found = tools(arguments)
    for name, (command, _) in found.items():
        print(f"{name}: {shlex.join(command)} COPY", flush=True)
    for folder in arguments.folders:
        measure_folder(folder.resolve(), found, arguments)


def anomalies(result):
    notes = []
    if result["returncode"] != 0:
        notes.append(f"exit status {result['returncode']}: {result['stderr'].strip()[-300:]}")
    for key, label in (("grown", "grew"), ("missing", "disappeared"), ("added", "appeared")):
        if result[key]:
            notes.append(f"{label}: {', '.join(map(str, result[key]))}")
    return notes


if __name__ == "__main__":
    main()
