"""Files per second on a local Dask cluster beside the process pool, and Dask's cost per file.

The same folder is optimized, each run on a fresh copy (the copying not
timed), through the API in this process: serially (-jobs 1) and by the
process pool (-jobs 2), then with --dask on a local cluster of 1 and of 2
worker processes (one thread each, as `--dask local:N` starts them). The
clusters are started before the runs and their start is timed apart; a run's
time includes connecting to the scheduler and checking the workers, as a
run against a standing cluster does.

Dask's cost per file is measured on --tiny small files (64x48 JPEGs), whose
own work is a few milliseconds: the time a 1-worker cluster takes beyond the
serial run over the same files, per file. The folder's serial time per byte
then gives the break-even size: the file size whose own work takes as long as
that cost, below which scheduling costs more than the work.

With --as-waited, the command itself is timed instead, as a user waits
for it: `optimize-images FOLDER` (the process pool) against `--dask local:1`
and `local:2`, each starting and stopping its cluster, in a subprocess; the
table gives the wall time and the time the run's summary states.

    python benchmarks/scale.py [FOLDER] [--runs 3] [--tiny 200] [--as-waited]

On a machine whose cores are shared, take the best of more runs.
"""

import argparse
import contextlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import distributed

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from helpers import photo, write  # noqa: E402  (tests/helpers.py, after the path is set)
from throughput import fresh_copy  # noqa: E402
from optimize_images.run import cluster  # noqa: E402
from optimize_images.api import optimize_with  # noqa: E402
from optimize_images.common.settings import Settings  # noqa: E402

DEFAULT_FOLDER = REPO.parent / "shared" / "corpus" / "photos"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER,
                        help="the images to optimize (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each (default: %(default)s)")
    parser.add_argument("--tiny", type=int, default=200,
                        help="small files for the cost per file (default: %(default)s)")
    parser.add_argument("--as-waited", action="store_true",
                        help="time the command, cluster start included, against the pool")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    files = [path for path in folder.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    print(f"{folder}: {len(files)} files, {size / 1e6:.1f} MB (median "
          f"{statistics.median(p.stat().st_size for p in files) / 1e3:.0f} kB); "
          f"best of {args.runs} runs; Python {sys.version.split()[0]}, Dask {distributed.__version__}")
    if args.as_waited:
        return print_waited(folder, args.runs)
    with tempfile.TemporaryDirectory(prefix="scale-") as scratch:
        scratch = Path(scratch)
        tiny = make_tiny(scratch / "tiny", args.tiny)
        with local_clusters((1, 2)) as addresses:
            best = {name: measure(folder, scratch, args.runs, settings)
                    for name, settings in runs(addresses).items()}
            cost = cost_per_file(tiny, scratch, args.runs, addresses[1])
    print_table(best, len(files))
    print_cost(cost, args.tiny, best["serial (-jobs 1)"] / size)


def runs(addresses):
    return {"serial (-jobs 1)": {"jobs": 1}, "process pool (-jobs 2)": {"jobs": 2},
            "Dask, 1 worker": {"dask": addresses[1]}, "Dask, 2 workers": {"dask": addresses[2]}}


@contextlib.contextmanager
def local_clusters(counts):
    """{N: address} of local clusters of N workers, configured as `--dask local:N` starts them."""
    with contextlib.ExitStack() as stack:
        addresses = {}
        for count in counts:
            started = time.perf_counter()
            local = stack.enter_context(cluster.local_cluster(distributed, count))
            print(f"a local cluster of {count} worker(s) started in "
                  f"{time.perf_counter() - started:.2f} s")
            addresses[count] = local.scheduler_address
        yield addresses


def make_tiny(folder, count):
    for index in range(count):
        write(folder / f"{index:04}.jpg", photo((64, 48), seed=index), quality=95)
    return folder


def measure(folder, scratch, runs, options):
    """The best wall time of `runs` runs, each on a fresh copy of `folder`."""
    times = []
    for run in range(runs):
        copy = scratch / "copy"
        shutil.rmtree(copy, ignore_errors=True)
        fresh_copy(folder, copy)
        started = time.perf_counter()
        outcome = optimize_with(Settings(paths=(str(copy),), **options))
        times.append(time.perf_counter() - started)
        assert outcome.summary.failed == 0 and outcome.summary.optimized, outcome.summary
    return min(times)


def cost_per_file(tiny, scratch, runs, address):
    serial = measure(tiny, scratch, runs, {"jobs": 1})
    on_dask = measure(tiny, scratch, runs, {"dask": address})
    return serial, on_dask


COMMANDS = {"process pool (the default)": [], "--dask local:1": ["--dask", "local:1"],
            "--dask local:2": ["--dask", "local:2"]}


def print_waited(folder, runs):
    """The command as a user waits for it: (best wall time, the summary's time) of each."""
    best = {name: (float("inf"), None) for name in COMMANDS}
    with tempfile.TemporaryDirectory(prefix="scale-") as scratch:
        copy = Path(scratch) / "copy"
        for _ in range(runs):
            for name, flags in COMMANDS.items():  # interleaved: the machine's load falls on all
                shutil.rmtree(copy, ignore_errors=True)
                fresh_copy(folder, copy)
                best[name] = min(best[name], waited(flags, copy))
    print()
    print("| command | best wall s | the summary says |")
    print("|---|---|---|")
    for name, (wall, stated) in best.items():
        print(f"| {name} | {wall:.2f} | {stated} |")


def waited(flags, folder):
    """(wall seconds, the summary's time line) of one `optimize-images` run in a subprocess."""
    command = [sys.executable, "-m", "optimize_images", "--only-summary", *flags, str(folder)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=True)
    wall = time.perf_counter() - started
    return wall, re.findall(r"^[\d.]+ s.*$", done.stdout, re.M)[-1]


def print_table(best, count):
    print()
    print("| run | best s | files/s | ratio to -jobs 1 |")
    print("|---|---|---|---|")
    serial = best["serial (-jobs 1)"]
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.2f} | {count / seconds:.1f} | {serial / seconds:.2f} |")
    print(f"Dask with 2 workers against the process pool: "
          f"{best['process pool (-jobs 2)'] / best['Dask, 2 workers']:.2f}x its files/s; "
          f"2 workers against 1: {best['Dask, 1 worker'] / best['Dask, 2 workers']:.2f}x")


def print_cost(cost, count, seconds_per_byte):
    serial, on_dask = cost
    per_file = (on_dask - serial) / count
    print()
    print(f"{count} small files (64x48 JPEG): serial {serial:.2f} s ({1000 * serial / count:.1f} ms "
          f"a file), on a 1-worker cluster {on_dask:.2f} s")
    print(f"Dask's cost per file: {1000 * per_file:.1f} ms")
    print(f"The folder's serial work: {1e6 * seconds_per_byte * 1000:.1f} ms per MB; break-even "
          f"file size (work = Dask's cost): {per_file / seconds_per_byte / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
