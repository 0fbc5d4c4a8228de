"""The WebP effort (-wm 0-6) on a folder of photos: bytes, butteraugli, SSIM and time.

For each method the whole folder is converted with `-cf webp -wm M` into a
fresh --output-dir, as a user would run it (one worker per core), the run
each timed run under `flock /tmp/timing.lock` (so that no other timing runs
beside it; -nc, so that every photo gets its WebP even where it is not smaller).
Each method runs --runs times, interleaved, and its best time is kept. Then
every result is judged against its source (turned upright, as the run turns
it): butteraugli and full-image SSIM (see judge.py), which the quality search
never measures. The table is given for all photos and for each half (the
even- and odd-numbered files by name), so that a method chosen on one half can
be checked on the other.

    python benchmarks/webp_method.py [FOLDER] [--runs 2]
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from judge import butteraugli, full_ssim, mean

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = REPO.parent / "shared" / "corpus" / "photos"
METHODS = range(7)
SUFFIXES = (".jpg", ".jpeg", ".png")
LOCK = "/tmp/timing.lock"
# Times the command once the lock is held: waiting for the lock is not the run's time.
TIMED = ("import subprocess, sys, time; started = time.perf_counter(); "
         "subprocess.run(sys.argv[1:], check=True); print(time.perf_counter() - started)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--runs", type=int, default=2, help="timed runs per method")
    args = parser.parse_args(argv)
    sources = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in SUFFIXES)
    with tempfile.TemporaryDirectory(prefix="webp-method-") as work:
        work = Path(work)
        folder = work / "in"
        folder.mkdir()
        for path in sources:
            shutil.copy(path, folder / path.name)
        seconds = {method: float("inf") for method in METHODS}
        for _ in range(args.runs):
            for method in METHODS:
                seconds[method] = min(seconds[method], convert(folder, work / f"wm{method}",
                                                               method))
        judged = {method: judge(sources, work / f"wm{method}") for method in METHODS}
    print(f"{len(sources)} photos, {sum(p.stat().st_size for p in sources):,} bytes; "
          f"-cf webp -wm M, best of {args.runs} runs; butteraugli and SSIM of each result "
          "against its source")
    halves = {"all photos": lambda index: True, "even half": lambda index: index % 2 == 0,
              "odd half": lambda index: index % 2 == 1}
    for name, chosen in halves.items():
        print(f"\n{name}:")
        print("| -wm | bytes | vs -wm 6 | butteraugli mean | worst | SSIM mean | worst | seconds |")
        print("|---|---|---|---|---|---|---|---|")
        reference = sum(size for index, (size, _, _) in enumerate(judged[6]) if chosen(index))
        for method in METHODS:
            rows = [row for index, row in enumerate(judged[method]) if chosen(index)]
            total = sum(size for size, _, _ in rows)
            butter = [value for _, value, _ in rows]
            ssims = [value for _, _, value in rows]
            timing = f"{seconds[method]:.1f}" if name == "all photos" else "-"
            print(f"| {method} | {total:,} | {total / reference:.3f} | {mean(butter):.2f} | "
                  f"{max(butter):.2f} | {mean(ssims):.4f} | {min(ssims):.4f} | {timing} |")


def convert(folder, output, method):
    """Seconds to convert the folder into `output` at this method (a fresh folder)."""
    shutil.rmtree(output, ignore_errors=True)
    command = [sys.executable, "-m", "optimize_images", "-cf", "webp", "-wm", str(method), "-nc",
               "--quiet", "--output-dir", str(output), str(folder)]
    timer = [sys.executable, "-c", TIMED, *command]
    if shutil.which("flock"):
        timer = ["flock", LOCK, *timer]
    done = subprocess.run(timer, check=True, cwd=REPO, capture_output=True, text=True)
    return float(done.stdout.split()[-1])


def judge(sources, output):
    """[(bytes, butteraugli, SSIM)] of each source's WebP, in the sources' order."""
    rows = []
    for source in sources:
        result = output / (source.stem + ".webp")
        rows.append((result.stat().st_size, butteraugli(source, result), full_ssim(source, result)))
    return rows


if __name__ == "__main__":
    sys.exit(main())
