import os
import subprocess
import sys

import pytest

from optimize_images.run.lock import LOCK_NAME, Locked, TreeLock

from helpers import photo, run_cli, write


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_lock_is_taken_and_released(tmp_path):
    with TreeLock([tmp_path]):
        assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_live_holder_refuses_a_second_run(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / LOCK_NAME).write_text(f"{holder.pid}\n")
        with pytest.raises(Locked, match=str(holder.pid)):
            with TreeLock([tmp_path]):
                pass
        write(tmp_path / "a.jpg", photo(), quality=95)
        original = (tmp_path / "a.jpg").read_bytes()
        run = run_cli(tmp_path)
        assert run.code == 75
        assert str(holder.pid) in run.err and len(run.err.splitlines()) == 1
        assert (tmp_path / "a.jpg").read_bytes() == original
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_is_taken_over(tmp_path):
    (tmp_path / LOCK_NAME).write_text(f"{dead_pid()}\n")
    write(tmp_path / "a.jpg", photo(), quality=95)
    run = run_cli(tmp_path)
    assert run.code == 0 and "1 optimized" in run.out
    assert not (tmp_path / LOCK_NAME).exists()


def test_an_unreadable_lock_counts_as_stale(tmp_path):
    (tmp_path / LOCK_NAME).write_text("garbage")
    with TreeLock([tmp_path]):
        assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())  # taken over
    assert not (tmp_path / LOCK_NAME).exists()


def test_dry_runs_take_no_lock(tmp_path):
    holder_pid = os.getppid()  # alive for the whole test
    (tmp_path / LOCK_NAME).write_text(f"{holder_pid}\n")
    write(tmp_path / "a.jpg", photo(), quality=95)
    assert run_cli("--dry-run", tmp_path).code == 0


def test_pid_files_of_dead_runs_are_removed_and_live_ones_kept(tmp_path):
    """A run killed between writing `<lock>.<pid>` and removing it leaves that file behind."""
    dead = tmp_path / f"{LOCK_NAME}.{dead_pid()}"
    live = tmp_path / f"{LOCK_NAME}.{os.getppid()}"
    dead.write_text("")
    live.write_text("")
    with TreeLock([tmp_path]):
        pass
    assert not dead.exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]
