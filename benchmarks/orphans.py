"""How soon pool workers end after their run is killed with SIGKILL.

A `-jobs 2` run is started on a folder, killed (the main process only, as the
OOM killer or `timeout -s KILL` would) at a random moment once its workers
exist, and the time until no process of its process group is left is measured,
--kills times. Two folders: small photos (workers switch files often) and big
ones (24 MP, so a worker is usually inside a long decode, encode or SSIM in C).

    python benchmarks/orphans.py [--kills 20] [--seed 1]

Goal: every worker gone within 2 s.
"""

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from helpers import photo, write  # noqa: E402  (tests/helpers.py, after the path is set)

GIVE_UP_SECONDS = 30
GOAL_SECONDS = 2.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="kills per folder (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="orphans-") as work:
        for label, size, count in (("small photos (640x480)", (640, 480), 40),
                                   ("big photos (6000x4000)", (6000, 4000), 4)):
            folder = Path(work) / label.split()[0]
            for index in range(count):
                write(folder / f"{index:02}.jpg", photo(size, seed=index), quality=97)
            times = [kill_once(folder, rng) for _ in range(args.kills)]
            worst = max(worst, max(times))
            print(f"{label:24} workers gone after SIGKILL: min {min(times):.2f} s, "
                  f"median {statistics.median(times):.2f} s, max {max(times):.2f} s "
                  f"({args.kills} kills)")
    print(f"goal: all gone within {GOAL_SECONDS:.0f} s: {'met' if worst <= GOAL_SECONDS else 'NOT met'}")
    return 0 if worst <= GOAL_SECONDS else 1


def kill_once(folder, rng):
    """Seconds from the SIGKILL until no process of the run's group is alive."""
    run = subprocess.Popen(
        [sys.executable, "-m", "optimize_images", "-jobs", "2", "--force", "--dry-run", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        while len(group_members(run.pid)) < 3:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 1.0))
        run.send_signal(signal.SIGKILL)
        killed = time.perf_counter()
        run.wait()
        while group_members(run.pid):
            if time.perf_counter() - killed > GIVE_UP_SECONDS:
                break
            time.sleep(0.02)
        return time.perf_counter() - killed
    finally:
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        run.wait()


def group_members(group):
    listing = subprocess.run(["ps", "-A", "-o", "pid=,pgid=,stat="], capture_output=True,
                             text=True, check=True).stdout
    return [int(pid) for pid, pgid, state in (line.split()[:3] for line in listing.splitlines())
            if int(pgid) == group and not state.startswith("Z")]


if __name__ == "__main__":
    sys.exit(main())
