"""SIGKILL at many moments: every file stays its original bytes or a complete result,
and no worker outlives the run it belonged to."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from optimize_images.run import _parent_watch as parent_watch
from optimize_images.image.formats import jpeg, png
from optimize_images.run.lock import LOCK_NAME
from optimize_images.common.writer import is_temporary

from helpers import opened, photo, process_groups, write

REPO = Path(__file__).resolve().parents[1]
# The kills must include this many that landed while a run was writing its results: after
# it had rewritten a file and with files left to do. The moment of each kill adapts to the
# machine, from 50 ms after the start: later after a kill that came before any write,
# sooner (and from the originals again) after a run that finished first.
MID_WRITE_KILLS = 6
FIRST_KILL_AFTER = 0.05
KILLS_DEADLINE = 150  # seconds for all the kills, on a loaded machine
# How long orphaned workers may take to notice; their watch looks every 0.5 s.
# Generous, for a loaded machine: this is a liveness check, not a speed test
# (benchmarks/orphans.py measures how soon they go).
ORPHAN_DEADLINE = 15

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


@pytest.fixture
def start_run():
    """Start `python -m optimize_images -jobs 2 FOLDER` in its own process group.

    Whatever the test does, every process of every group it started is killed
    at the end: a worker keeps its group when its parent dies.
    """
    with process_groups() as start_group:
        def start(folder):
            return start_group(sys.executable, "-m", "optimize_images", "-jobs", "2", str(folder),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": str(REPO)})

        yield start


def group_members(group):
    """Live (not zombie) processes of a process group, from `ps` (Linux and macOS)."""
    listing = subprocess.run(["ps", "-A", "-o", "pid=,pgid=,stat="], capture_output=True,
                             text=True, check=True).stdout
    members = []
    for line in listing.splitlines():
        pid, pgid, state = line.split()[:3]
        if int(pgid) == group and not state.startswith("Z"):
            members.append(int(pid))
    return members


def make_folder(folder, count=16):
    paths = []
    for index in range(count):
        if index % 4 == 3:
            paths.append(write(folder / f"{index:02}.png", photo((400, 300), seed=index),
                               compress_level=1))
        else:
            paths.append(write(folder / f"{index:02}.jpg", photo((900, 700), seed=index),
                               quality=97))
    return paths


def check_every_file(paths, originals):
    """How many files are our complete results; every other file is its original bytes."""
    rewritten = 0
    for path in paths:
        data = path.read_bytes()
        if data == originals[path]:
            continue
        image = opened(path)  # raises if it is not a complete, valid image
        module = jpeg if path.suffix == ".jpg" else png
        assert module.is_marked(image), f"{path.name} changed but is not our result"
        rewritten += 1
    return rewritten


def changed(paths, originals):
    """How many files differ from their originals (each is replaced in one rename)."""
    return sum(path.read_bytes() != originals[path] for path in paths)


def wait_until_gone(group):
    """Wait for the workers a killed run left behind to notice and end."""
    deadline = time.monotonic() + ORPHAN_DEADLINE
    while group_members(group):
        assert time.monotonic() < deadline, f"workers outlived their run: {group_members(group)}"
        time.sleep(0.05)


def test_sigkill_at_any_moment_loses_nothing(tmp_path, start_run):
    paths = make_folder(tmp_path)
    originals = {p: p.read_bytes() for p in paths}
    delay, kills, mid_write = FIRST_KILL_AFTER, [], 0
    deadline = time.monotonic() + KILLS_DEADLINE
    while mid_write < MID_WRITE_KILLS:
        assert time.monotonic() < deadline, (
            f"{mid_write} of {MID_WRITE_KILLS} kills landed mid-write; "
            f"(seconds, files done before the run, at the kill, after it): {kills}")
        before = check_every_file(paths, originals)
        run = start_run(tmp_path)
        time.sleep(delay)
        at_kill = changed(paths, originals)
        running = run.poll() is None
        run.send_signal(signal.SIGKILL)
        run.wait()
        wait_until_gone(run.pid)
        after = check_every_file(paths, originals)
        kills.append((round(delay, 3), before, at_kill, after))
        if after == len(paths) or not running:  # too late: again from the originals, sooner
            for path, data in originals.items():
                path.write_bytes(data)
            delay *= 0.7
        elif at_kill == before:  # too soon: nothing written yet
            delay *= 1.5
        else:
            mid_write += 1
    finishing = start_run(tmp_path)
    assert finishing.wait(timeout=120) == 0
    assert check_every_file(paths, originals) == len(paths)
    leftovers = [n for n in os.listdir(tmp_path) if is_temporary(n) or n == LOCK_NAME]
    assert leftovers == []


def test_no_worker_outlives_a_run_killed_with_sigkill(tmp_path, start_run):
    make_folder(tmp_path)
    run = start_run(tmp_path)
    deadline = time.monotonic() + 60
    while len(group_members(run.pid)) < 3:  # the run and its two workers
        assert run.poll() is None, "the run ended before its workers were seen"
        assert time.monotonic() < deadline, "no workers appeared"
        time.sleep(0.05)
    workers = [pid for pid in group_members(run.pid) if pid != run.pid]

    run.send_signal(signal.SIGKILL)  # the run only, as the OOM killer would
    run.wait()

    deadline = time.monotonic() + ORPHAN_DEADLINE
    while group_members(run.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert group_members(run.pid) == [], f"still alive after the run was killed: {workers}"


def test_the_watch_ends_a_worker_whose_run_is_gone():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    ended = threading.Event()
    parent_watch.exit_when_orphaned(gone.pid, poll_seconds=0.01,
                                    end=lambda status: ended.set())
    assert ended.wait(timeout=30)


def test_the_watch_leaves_a_worker_alone_while_its_run_lives():
    assert not parent_watch.orphaned(os.getpid(), os.getppid())
    assert parent_watch.orphaned(os.getpid(), parent=os.getppid() + 1)
