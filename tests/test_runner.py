import os
import subprocess
import sys
from pathlib import Path

import pytest

from optimize_images.run import runner
from optimize_images.common import writer
from optimize_images.api import optimize, optimize_with
from optimize_images.common.results import OPTIMIZED
from optimize_images.common.settings import Settings

from helpers import photo, run_cli, write

REPO = Path(__file__).resolve().parents[1]


def make_folder(folder, count=4):
    return [write(folder / f"{index}.jpg", photo(seed=index), quality=95) for index in range(count)]


def test_executor_choice_is_a_pure_function():
    assert runner.executor_kinds(1, 10) == [runner.SERIAL]
    assert runner.executor_kinds(0, 1) == [runner.SERIAL]
    assert runner.executor_kinds(0, 10) == [runner.PROCESS, runner.THREAD, runner.SERIAL]
    assert runner.worker_count(0, cpu_count=6) == 6
    assert runner.worker_count(3, cpu_count=6) == 3


def test_process_pool_and_serial_give_identical_results(tmp_path):
    serial_paths = make_folder(tmp_path / "serial")
    pool_paths = make_folder(tmp_path / "pool")
    serial = optimize(str(tmp_path / "serial"), jobs=1)
    pool = optimize(str(tmp_path / "pool"), jobs=2)
    assert [r.status for r in pool.results] == [OPTIMIZED] * 4
    assert [r.size_after for r in serial.results] == [r.size_after for r in pool.results]
    assert [p.read_bytes() for p in serial_paths] == [p.read_bytes() for p in pool_paths]


def refuse(kind):
    def unavailable(*args, **kwargs):
        raise ImportError(f"no {kind} here")
    return unavailable


def test_falls_back_to_threads_without_processes(tmp_path, monkeypatch):
    make_folder(tmp_path)
    monkeypatch.setattr(runner.concurrent.futures, "ProcessPoolExecutor", refuse("processes"))
    outcome = optimize(str(tmp_path), jobs=2)
    assert [r.status for r in outcome.results] == [OPTIMIZED] * 4


def test_falls_back_to_serial_without_threads(tmp_path, monkeypatch):
    make_folder(tmp_path)
    monkeypatch.setattr(runner.concurrent.futures, "ProcessPoolExecutor", refuse("processes"))

    def no_threads(*args, **kwargs):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(runner.concurrent.futures, "ThreadPoolExecutor", no_threads)
    outcome = optimize(str(tmp_path), jobs=2)
    assert [r.status for r in outcome.results] == [OPTIMIZED] * 4


def test_a_platform_without_multiprocessing_still_works(tmp_path):
    """As on Pythonista: the `_multiprocessing` extension cannot be imported at all."""
    make_folder(tmp_path)
    code = ("import sys; sys.modules['_multiprocessing'] = None\n"
            "from optimize_images.cli import main\n"
            f"sys.exit(main(['-jobs', '2', {str(tmp_path)!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "4 optimized" in done.stdout
    assert "Traceback" not in done.stderr


def test_ctrl_c_stops_cleanly_with_a_summary(tmp_path):
    paths = make_folder(tmp_path)
    originals = [p.read_bytes() for p in paths]
    seen = []

    def interrupt_after_first(result):
        seen.append(result)
        raise KeyboardInterrupt

    outcome = optimize_with(Settings(paths=(str(tmp_path),), jobs=1),
                            on_result=interrupt_after_first)
    assert outcome.summary.interrupted and outcome.summary.exit_status == 130
    assert len(outcome.results) == 1
    assert [p.read_bytes() for p in paths[1:]] == originals[1:]
    assert not [n for n in os.listdir(tmp_path) if writer.is_temporary(n)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_results_are_reported_in_a_stable_order(tmp_path, jobs):
    make_folder(tmp_path, count=5)
    lines = run_cli("-jobs", jobs, tmp_path).out.splitlines()[:5]
    assert [Path(line.split()[0]).name for line in lines] == [f"{i}.jpg" for i in range(5)]


def test_start_order_moves_only_outsized_files_ahead():
    assert runner.start_order([10, 12, 11, 9]) == [0, 1, 2, 3]  # similar sizes keep their order
    assert runner.start_order([10, 100, 12, 500, 11]) == [3, 1, 0, 2, 4]
    assert runner.start_order([]) == []


def test_the_outsized_files_start_first_and_results_keep_their_order(tmp_path, monkeypatch):
    sizes = {"a.jpg": (64, 48), "b.jpg": (640, 480), "c.jpg": (60, 40)}
    for name, size in sizes.items():
        write(tmp_path / name, photo(size), quality=95)
    started = []
    real_submit = runner.concurrent.futures.ThreadPoolExecutor.submit

    def recording_submit(executor, function, candidate, *args, **kwargs):
        started.append(Path(candidate.path).name)
        return real_submit(executor, function, candidate, *args, **kwargs)

    monkeypatch.setattr(runner.concurrent.futures, "ProcessPoolExecutor", refuse("processes"))
    monkeypatch.setattr(runner.concurrent.futures.ThreadPoolExecutor, "submit", recording_submit)
    outcome = optimize(str(tmp_path), jobs=2)
    assert started == ["b.jpg", "a.jpg", "c.jpg"]
    assert [Path(result.path).name for result in outcome.results] == ["a.jpg", "b.jpg", "c.jpg"]
