"""Ours beside optimize-images 2.2.0 and jpegoptim on one folder: bytes, quality, time.

Each tool optimizes fresh copies of the folder in place, in one run: the peer
(optimize-images 2.2.0 from PyPI, in its own virtual environment, made on first
use), ours at the default settings and at each --preset, and `jpegoptim
--max=80` over the JPEGs when it is installed. The tools take turns, run after
run, so a change in the machine's load falls on all of them alike; wall time is
the median of --runs (copying not timed). The outputs of the last run are judged
against the
originals by two judges the search does not optimize (benchmarks/judge.py):
full-image SSIM (scikit-image with Wang et al.'s settings) and butteraugli
(on images up to --butteraugli-max-mp megapixels; unchanged files count 0, and
files whose pixels did not change, such as losslessly recompressed PNGs, are
counted 0 without calling it).

Outputs are compared upright. A tool that drops the EXIF orientation without
turning the pixels is judged in the orientation it wrote, and listed.

    apt-get install butteraugli jpegoptim    # optional judges and peer
    python benchmarks/versus.py [FOLDER] [--runs 3] [--jobs 2]

Targets (issue "beat 2.2.0 at the default"), for our default against the peer:
bytes saved at least 3 points more, butteraugli mean at most 0.9x, butteraugli
max at most the peer's, full-image SSIM worst at least 0.967, wall time at most
1.0x.
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
TARGETS = {"points": 3.0, "butteraugli_mean_ratio": 0.9, "ssim_worst": 0.967, "time_ratio": 1.0}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool")
    parser.add_argument("--jobs", type=int, default=2, help="worker count for both tools")
    parser.add_argument("--presets", default=",".join(PRESETS),
                        help="our presets to run besides the default ('' for none)")
    parser.add_argument("--metric", help="run our presets with this --metric (e.g. ms-ssim)")
    parser.add_argument("--butteraugli-max-mp", type=float, default=3.2)
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_VENV)
    return parser.parse_args(argv)


def tools(arguments):
    """name → (command before the folder, environment, how the folder is given)."""
    jobs = ["-jobs", str(arguments.jobs)]
    found = {}
    peer = peer_console_script(arguments.peer_venv)
    if peer:
        found["2.2.0"] = ([str(peer), *jobs], None)
    ours = ours_command("") + jobs
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


def judged(folder, result, max_pixels):
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
        if ImageChops.difference(before, after).getbbox() is None:
            distances[relative] = 0.0
        elif before.width * before.height <= max_pixels:
            distances[relative] = judge.butteraugli(before, after)
    return ssims, distances, notes


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


def summary_row(name, result, photos_judged, reference_time):
    before, after = result["before"], result["after"]
    ssims, distances = result["ssim"], result["butteraugli"]
    unchanged_zero = [0.0] * (photos_judged - len(distances))
    all_distances = list(distances.values()) + unchanged_zero
    ssim_values = list(ssims.values()) + [1.0] * (result["files"] - len(ssims))
    return {
        "name": name, "saved": 100 * (before - after) / before,
        "ssim_mean": judge.mean(ssim_values), "ssim_worst": min(ssim_values),
        "ssim_worst_file": min(ssims, key=ssims.get).name if ssims else "-",
        "b_mean": judge.mean(all_distances) if all_distances else float("nan"),
        "b_max": max(all_distances) if all_distances else float("nan"),
        "b_max_file": max(distances, key=distances.get).name if distances else "-",
        "time": result["time"],
        "ratio": result["time"] / reference_time if reference_time else float("nan"),
    }


def print_table(rows, judged_count, arguments):
    print(f"\nbutteraugli on the {judged_count} files of at most "
          f"{arguments.butteraugli_max_mp:g} MP (unchanged files count 0); "
          "SSIM over all files (unchanged count 1)")
    print("| tool | saved | SSIM mean / worst | butteraugli mean / max | wall | vs 2.2.0 |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['name']} | {row['saved']:.1f}% | {row['ssim_mean']:.4f} / "
              f"{row['ssim_worst']:.4f} | {row['b_mean']:.2f} / {row['b_max']:.2f} | "
              f"{row['time']:.2f} s | {row['ratio']:.2f}x |")
    print()
    for row in rows:
        print(f"{row['name']}: worst SSIM {row['ssim_worst_file']}, "
              f"largest butteraugli {row['b_max_file']}")


def print_targets(rows):
    by_name = {row["name"]: row for row in rows}
    if "2.2.0" not in by_name:
        return
    ours, peer = by_name["ours"], by_name["2.2.0"]
    checks = [
        ("bytes saved >= peer + 3 points", f"{ours['saved'] - peer['saved']:+.1f} points",
         ours["saved"] >= peer["saved"] + TARGETS["points"]),
        ("butteraugli mean <= 0.9x peer", f"{ours['b_mean'] / peer['b_mean']:.2f}x",
         ours["b_mean"] <= TARGETS["butteraugli_mean_ratio"] * peer["b_mean"]),
        ("butteraugli max <= peer", f"{ours['b_max']:.2f} vs {peer['b_max']:.2f}",
         ours["b_max"] <= peer["b_max"]),
        ("SSIM worst >= 0.967", f"{ours['ssim_worst']:.4f}",
         ours["ssim_worst"] >= TARGETS["ssim_worst"]),
        ("wall time <= 1.0x peer", f"{ours['ratio']:.2f}x",
         ours["ratio"] <= TARGETS["time_ratio"]),
    ]
    print("\nour default against 2.2.0:")
    for label, value, met in checks:
        print(f"  {label}: {value} ({'met' if met else 'NOT met'})")


def main(argv=None):
    arguments = parse_arguments(argv)
    folder = arguments.folder.resolve()
    print(f"folder: {folder}; median of {arguments.runs} interleaved runs; "
          f"{arguments.jobs} jobs; "
          f"SSIM by {judge.ssim_function()[0]}; butteraugli "
          f"{'installed' if judge.have_butteraugli() else 'NOT installed: not judged'}")
    max_pixels = arguments.butteraugli_max_mp * 1e6
    photos_judged = sum(1 for path in folder.rglob("*") if path.is_file() and small_image(
        path, max_pixels))
    found = tools(arguments)
    for name, (command, _) in found.items():
        print(f"{name}: {shlex.join(command)} COPY", flush=True)
    with tempfile.TemporaryDirectory(prefix="versus-") as scratch:
        results = measure(found, folder, arguments.runs, Path(scratch))
        for name, result in results.items():
            result["ssim"], result["butteraugli"], notes = judged(folder, result, max_pixels)
            for note in [*notes, *anomalies(result)]:
                print(f"  {name}: {note}")
    reference = results.get("2.2.0", {}).get("time")
    rows = [summary_row(name, result, photos_judged, reference)
            for name, result in results.items()]
    print_table(rows, photos_judged, arguments)
    print_targets(rows)


def small_image(path, max_pixels):
    try:
        with Image.open(path) as image:
            return image.width * image.height <= max_pixels
    except OSError:
        return False


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
