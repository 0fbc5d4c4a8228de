"""Wall time and savings of our CLI beside optimize-images 2.2.0, in one run.

Each tool optimizes a fresh copy of the folder in place, run as a subprocess:
ours as `python -m optimize_images COPY` from this working tree, the peer as
the `optimize-images COPY` console script of optimize-images 2.2.0 from PyPI,
installed on demand into its own virtual environment (--peer-venv). When that
environment cannot be made (no network, say), ours is still measured.

Wall time is the best and the median of --runs runs, each on a fresh copy (the
copying is not timed); bytes are the sum of the sizes of all the files in the
copy before and after the last run. --quality-check adds the full-image SSIM
of every changed JPEG against its original (both turned upright first).

    python benchmarks/throughput.py [FOLDER] [--runs 3] [--quality-check]
        [--ours-args="-jobs 1"] [--peer-args="-jobs 1"]

(Write `=` before extra arguments that begin with a dash, as above.)

Targets, on ../shared/corpus/photos: savings at least the peer's (within 2
points), at no more than 1.2x its wall time.
"""

import argparse
import filecmp
import os
import shlex
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = REPO.parent / "shared" / "corpus" / "photos"
DEFAULT_VENV = REPO / "benchmarks" / ".peer-venv"
PEER_VERSION = "2.2.0"
PEER_REQUIREMENT = f"optimize-images=={PEER_VERSION}"
SAVINGS_TOLERANCE_POINTS = 2.0
MAX_TIME_RATIO = 1.2
JPEG_SUFFIXES = (".jpg", ".jpeg")


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER,
                        help="the images to optimize (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs per tool, each on a fresh copy (default: %(default)s)")
    parser.add_argument("--ours-args", default="",
                        help="extra arguments for our CLI, as one string: --ours-args=\"-q 80\"")
    parser.add_argument("--peer-args", default="",
                        help="extra arguments for the peer's CLI, as one string")
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_VENV,
                        help="where the peer's virtual environment lives or is made "
                             "(default: %(default)s)")
    parser.add_argument("--quality-check", action="store_true",
                        help="full-image SSIM of every changed JPEG against its original")
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    folder = arguments.folder.resolve()
    if not folder.is_dir() or not any(path.is_file() for path in folder.rglob("*")):
        sys.exit(f"not a folder with files in it: {folder}")
    ssim = find_ssim() if arguments.quality_check else None
    tools = {"ours": (ours_command(arguments.ours_args), ours_environment())}
    peer = peer_console_script(arguments.peer_venv)
    if peer:
        tools["peer"] = ([str(peer), *shlex.split(arguments.peer_args)], None)
    print(f"folder: {folder}; best of {arguments.runs} runs; Python {sys.version.split()[0]}")
    results = {}
    for name, (command, environment) in tools.items():
        print(f"{name}: {shlex.join(command)} COPY")
        results[name] = measure(command, environment, folder, arguments.runs, ssim)
    print()
    print_table(results)
    print_anomalies(results)
    if "peer" in results:
        print_comparison(results["ours"], results["peer"])


def ours_command(extra):
    return [sys.executable, "-m", "optimize_images", *shlex.split(extra)]


def ours_environment():
    """This process's environment with the working tree first on the path.

    `python -m` puts the current folder before it: run ours from a folder that
    holds no `optimize_images` (the scratch folder), or that one is measured.
    """
    environment = dict(os.environ)
    paths = [str(REPO), environment.get("PYTHONPATH", "")]
    environment["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    return environment


def peer_console_script(venv):
    """The peer's `optimize-images`, installed into `venv` when missing; None if it can't be."""
    bin_folder = venv / ("Scripts" if os.name == "nt" else "bin")
    script, python = bin_folder / "optimize-images", bin_folder / "python"
    if script.exists() and installed_version(python) == PEER_VERSION:
        return script
    print(f"setting up the peer in {venv} ({PEER_REQUIREMENT})...")
    steps = ([sys.executable, "-m", "venv", str(venv)],
             [str(python), "-m", "pip", "install", "--quiet", PEER_REQUIREMENT])
    for step in steps:
        completed = subprocess.run(step, capture_output=True, text=True)
        if completed.returncode != 0:
            print(f"PEER UNAVAILABLE: `{shlex.join(step)}` failed (no network?); "
                  "measuring ours only.")
            print(indented(last_lines(completed.stderr or completed.stdout, 5)))
            return None
    return script


def installed_version(python):
    completed = subprocess.run(
        [os.path.abspath(python), "-c",
         "import importlib.metadata as m; print(m.version('optimize-images'))"],
        capture_output=True, text=True, cwd=python.parent)  # not here: our egg-info would answer
    return completed.stdout.strip() if completed.returncode == 0 else None


def measure(command, environment, folder, runs, ssim):
    """Times `command COPY` on `runs` fresh copies; sizes and quality come from the last."""
    times = []
    with tempfile.TemporaryDirectory(prefix="throughput-") as scratch:
        for run in range(runs):
            copy = fresh_copy(folder, Path(scratch) / f"run{run}" / folder.name)
            started = time.perf_counter()
            completed = subprocess.run([*command, str(copy)], env=environment, cwd=copy.parent,
                                       capture_output=True, text=True)
            times.append(time.perf_counter() - started)
        result = {"best": min(times), "median": statistics.median(times),
                  "returncode": completed.returncode, "stderr": completed.stderr,
                  **compare_folders(folder, copy)}
        if ssim:
            result["ssim"] = quality(folder, copy, result["changed"], ssim)
    return result


def fresh_copy(folder, copy):
    """Copies `folder` to `copy`, owner-writable throughout (a read-only corpus
    would otherwise be left alone by ours and overwritten by the peer)."""
    shutil.copytree(folder, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return copy


def compare_folders(original, copy):
    before, after = file_sizes(original), file_sizes(copy)
    common = before.keys() & after.keys()
    changed = sorted(path for path in common
                     if not filecmp.cmp(original / path, copy / path, shallow=False))
    return {"files": len(before), "before": sum(before.values()),
            "after": sum(after.values()), "changed": changed,
            "grown": sorted(path for path in changed if after[path] > before[path]),
            "missing": sorted(before.keys() - after.keys()),
            "added": sorted(after.keys() - before.keys())}


def file_sizes(folder):
    return {path.relative_to(folder): path.stat().st_size
            for path in folder.rglob("*") if path.is_file()}


def find_ssim():
    """A function ssim(luma_a, luma_b) on Pillow images, or None with a note."""
    sys.path.insert(0, str(REPO))
    try:
        from optimize_images.measure.metrics import ssim
        print("quality check: optimize_images.measure.metrics.ssim")
        return ssim
    except ImportError:
        pass
    try:
        import numpy
        from skimage.metrics import structural_similarity
    except ImportError:
        print("quality check skipped: neither optimize_images.measure.metrics nor scikit-image "
              "is importable")
        return None
    print("quality check: scikit-image (Wang et al.'s settings)")
    return lambda a, b: structural_similarity(
        numpy.asarray(a, dtype=numpy.float64), numpy.asarray(b, dtype=numpy.float64),
        gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)


def quality(original, copy, changed, ssim):
    """SSIM of each changed JPEG: mean, worst and which, and the files not compared."""
    scores, failures = {}, {}
    for path in changed:
        if path.suffix.lower() not in JPEG_SUFFIXES:
            continue
        before = upright_luma(original / path)
        try:
            after = upright_luma(copy / path)
        except OSError as error:
            failures[path] = f"unreadable output: {error}"
            continue
        if after.size == before.size:
            scores[path] = ssim(before, after)
        elif after.size == before.size[::-1]:
            failures[path] = (f"upright {before.size} became {after.size}: EXIF orientation "
                              "dropped without turning the pixels?")
        else:
            failures[path] = f"upright {before.size} became {after.size}"
    if not scores:
        return {"count": 0, "failures": failures}
    worst = min(scores, key=scores.get)
    return {"count": len(scores), "mean": statistics.fmean(scores.values()),
            "worst": scores[worst], "worst_file": worst, "failures": failures}


def upright_luma(path):
    from PIL import Image, ImageOps  # only the quality check needs Pillow

    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).convert("L")


def print_table(results):
    print(f"{'tool':<5} {'best s':>8} {'median s':>9} {'files/s':>8} {'MB/s':>6} "
          f"{'before':>10} {'after':>10} {'saved':>7} {'changed':>8}  SSIM mean/worst")
    for name, result in results.items():
        mb = result["before"] / 1e6
        print(f"{name:<5} {result['best']:8.2f} {result['median']:9.2f} "
              f"{result['files'] / result['best']:8.1f} {mb / result['best']:6.2f} "
              f"{result['before']:10,} {result['after']:10,} {saved_percent(result):6.1f}% "
              f"{len(result['changed']):>3}/{result['files']:<4}  {ssim_summary(result)}")


def ssim_summary(result):
    if "ssim" not in result:
        return "-"
    scores = result["ssim"]
    if not scores["count"]:
        return "no changed JPEG"
    return (f"{scores['mean']:.4f} / {scores['worst']:.4f} ({scores['worst_file']}, "
            f"{scores['count']} JPEGs)")


def print_anomalies(results):
    for name, result in results.items():
        notes = []
        if result["returncode"] != 0:
            notes.append(f"exit status {result['returncode']}")
        for key, label in (("grown", "grew"), ("missing", "disappeared"), ("added", "appeared")):
            if result[key]:
                notes.append(f"{label}: {', '.join(map(str, result[key]))}")
        for path, error in result.get("ssim", {}).get("failures", {}).items():
            notes.append(f"not compared, {path}: {error}")
        if result["stderr"].strip():
            notes.append("standard error (last lines):\n"
                         + indented(last_lines(result["stderr"], 10)))
        for note in notes:
            print(f"{name}: {note}")


def print_comparison(ours, peer):
    time_ratio = ours["best"] / peer["best"]
    median_ratio = ours["median"] / peer["median"]
    points = saved_percent(ours) - saved_percent(peer)
    print(f"\nours/peer wall time: {time_ratio:.2f}x best, {median_ratio:.2f}x median "
          f"(target <= {MAX_TIME_RATIO}x: {met(time_ratio <= MAX_TIME_RATIO)})")
    print(f"savings, ours - peer: {points:+.1f} points "
          f"(target >= -{SAVINGS_TOLERANCE_POINTS:g}: "
          f"{met(points >= -SAVINGS_TOLERANCE_POINTS)})")
    for name, result in (("ours", ours), ("peer", peer)):
        if result["returncode"] != 0:
            print(f"caution: {name} exited with status {result['returncode']}; "
                  "its figures may not be comparable")


def saved_percent(result):
    return 100 * (result["before"] - result["after"]) / result["before"]


def met(condition):
    return "met" if condition else "NOT met"


def last_lines(text, count):
    return "\n".join(text.strip().splitlines()[-count:])


def indented(text):
    return "\n".join("    " + line for line in text.splitlines())


if __name__ == "__main__":
    main()
