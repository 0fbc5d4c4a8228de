"""--dask: the same per-file work on a Dask cluster's workers.

The tests that need Dask use real clusters: one `distributed.LocalCluster` for
the module (configured as `--dask local:N` starts its own: a dead worker's
files are not retried), `--dask local:2` itself in a subprocess, and a
`dask scheduler` with a `dask worker` started as commands. They are skipped
when Dask is not installed; every process they start is ended whatever
happens.
"""

import concurrent.futures
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optimize_images.run import cluster, runner
from optimize_images.api import optimize, optimize_with
from optimize_images.run.discovery import Candidate
from optimize_images.image.formats import jpeg, png
from optimize_images.common.results import FAILED, OPTIMIZED
from optimize_images.common.settings import Settings
from optimize_images.common.writer import is_temporary

from helpers import opened, photo, process_groups, run_cli, write

try:
    import distributed
except ImportError:
    distributed = None

REPO = Path(__file__).resolve().parents[1]
needs_dask = pytest.mark.skipif(distributed is None, reason='needs pip install "optimize-images[dask]"')
# How long a started scheduler may take to write its address; a liveness check, not a speed test.
START_DEADLINE = 60
NOT_DONE_DIED = f"not done: {cluster.WORKER_DIED}"
NOT_DONE_LOST = f"not done: {cluster.SCHEDULER_LOST}"


def make_folder(folder, count=6, size=(640, 480)):
    """JPEGs and a PNG that each take a worker a little while."""
    paths = []
    for index in range(count):
        suffix = ".png" if index % 3 == 2 else ".jpg"
        params = {"compress_level": 1} if suffix == ".png" else {"quality": 97}
        paths.append(write(folder / f"{index:02}{suffix}", photo(size, seed=index), **params))
    return paths


def check_every_file(originals):
    """Each file is its original bytes or a complete result of ours; how many are results."""
    rewritten = 0
    for path, data in originals.items():
        if path.read_bytes() == data:
            continue
        module = jpeg if path.suffix == ".jpg" else png
        assert module.is_marked(opened(path)), f"{path.name} changed but is not our result"
        rewritten += 1
    return rewritten


def leftovers(folder):
    return [name for name in os.listdir(folder) if is_temporary(name) or name.startswith(".optimize")]


def without_time(results):
    return [dataclasses.replace(result, seconds=0.0) for result in results]


@pytest.fixture(scope="module")
def dask_cluster():
    """A local cluster of two single-threaded worker processes, and a client of it."""
    if distributed is None:
        pytest.skip('needs pip install "optimize-images[dask]"')
    local = cluster.local_cluster(distributed, 2)
    try:
        with distributed.Client(local, set_as_default=False) as client:
            yield local.scheduler_address, client
    finally:
        local.close()


@pytest.fixture
def started():
    """Start commands in their own process groups; every group is killed at the end."""
    with process_groups() as start:
        yield start


# Without Dask ----------------------------------------------------------------------

@pytest.mark.parametrize("address, words", [
    ("local:0", "local:N, N worker processes (at least 1)"),
    ("local:x", "local:N"),
    ("local", "local:N"),
    ("", "expects a scheduler address"),
])
def test_a_bad_address_is_a_usage_error(tmp_path, address, words):
    done = run_cli("--dask", address, tmp_path)
    assert done.code == 2 and "--dask: expects" in done.err and words in done.err


def test_watch_mode_is_not_run_on_a_cluster(tmp_path):
    done = run_cli("--dask", "local:1", "-wd", tmp_path)
    assert done.code == 2
    assert "--dask: cannot be combined with -wd/--watch-directory" in done.err


def test_the_address_forms():
    assert cluster.local_workers("local:3") == 3
    assert cluster.local_workers("tcp://10.0.0.5:8786") is None
    assert cluster.local_workers("scheduler:8786") is None


def test_a_run_without_dask_imports_nothing_of_it(tmp_path):
    make_folder(tmp_path, count=2, size=(64, 48))
    code = ("import sys\n"
            "from optimize_images.cli import main\n"
            f"status = main(['-jobs', '2', {str(tmp_path)!r}])\n"
            "loaded = sorted(n for n in sys.modules if n.split('.')[0] in ('dask', 'distributed'))\n"
            "assert not loaded, loaded\n"
            "sys.exit(status)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert done.returncode == 0, done.stderr


def test_without_dask_installed_the_run_does_not_start(tmp_path, monkeypatch):
    paths = make_folder(tmp_path, count=2, size=(64, 48))
    originals = [path.read_bytes() for path in paths]
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    done = run_cli("--dask", "local:2", tmp_path)
    assert done.code == 2 and done.out == ""
    assert done.err == ('optimize-images: error: --dask: Dask is not installed: '
                        'pip install "optimize-images[dask]"\n')
    assert [path.read_bytes() for path in paths] == originals
    assert leftovers(tmp_path) == []


# The runner's hand-out, with a stand-in cluster -----------------------------------

class StandIn:
    """What the runner uses of a `cluster.Remote`, over a thread pool."""

    def __init__(self, executor, window=2):
        self.executor = executor
        self.window = window
        self.connected = True

    def failure(self, error=None):
        return "lost" if not self.connected else f"failed: {error}"


def test_results_come_in_order_with_at_most_the_window_handed_out(tmp_path, monkeypatch):
    sizes = {"a.jpg": (64, 48), "b.jpg": (640, 480), "c.jpg": (60, 40), "d.jpg": (64, 40),
             "e.jpg": (50, 40)}
    for name, size in sizes.items():
        write(tmp_path / name, photo(size), quality=95)
    sent, in_hand = [], []
    real = runner._remote_work

    def recording(candidate, settings):
        in_hand.append(candidate)
        try:
            time.sleep(0.01)
            return real(candidate, settings)
        finally:
            in_hand.remove(candidate)

    monkeypatch.setattr(runner, "_remote_work", recording)
    monkeypatch.chdir(tmp_path)
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        original_submit = executor.submit

        def submit(work, candidate):
            sent.append((Path(candidate.path).name, len(in_hand)))
            assert os.path.isabs(candidate.path)
            return original_submit(work, candidate)

        executor.submit = submit
        candidates = [Candidate(name, ".") for name in sizes]
        results = runner.optimize_candidates(candidates, Settings(dry_run=True), remote=StandIn(executor))
    assert [name for name, _ in sent] == ["b.jpg", "a.jpg", "c.jpg", "d.jpg", "e.jpg"]
    assert max(count for _, count in sent) < 2  # never more than the window of 2 at once
    assert [result.path for result in results] == list(sizes)  # as given: relative
    assert [result.status for result in results] == [OPTIMIZED] * 5


def test_after_the_connection_is_lost_the_rest_is_not_done(tmp_path):
    make_folder(tmp_path, count=5, size=(64, 48))
    with concurrent.futures.ThreadPoolExecutor(1) as executor:
        remote = StandIn(executor)

        def lose_after_first(result):
            remote.connected = False

        candidates = [Candidate(str(path), str(tmp_path)) for path in sorted(tmp_path.iterdir())]
        results = runner.optimize_candidates(candidates, Settings(dry_run=True), lose_after_first, remote=remote)
    assert results[0].status == OPTIMIZED
    # The first two were handed out together; the others were never sent.
    assert [(r.status, r.reason) for r in results[2:]] == [(FAILED, "not done: lost")] * 3


def test_a_file_the_cluster_failed_is_not_done_and_the_others_go_on(tmp_path):
    make_folder(tmp_path, count=3, size=(64, 48))

    class Failing(concurrent.futures.ThreadPoolExecutor):
        def submit(self, work, candidate):
            if candidate.path.endswith("01.jpg"):
                future = concurrent.futures.Future()
                future.set_exception(RuntimeError("gone"))
                return future
            return super().submit(work, candidate)

    with Failing(2) as executor:
        candidates = [Candidate(str(path), str(tmp_path)) for path in sorted(tmp_path.iterdir())]
        results = runner.optimize_candidates(candidates, Settings(dry_run=True), remote=StandIn(executor))
    assert [(r.status, r.reason) for r in results] == [
        (OPTIMIZED, ""), (FAILED, "not done: failed: gone"), (OPTIMIZED, "")]
    assert results[1].detail == "gone"


def test_the_choice_of_executor_with_a_cluster():
    assert runner.executor_kinds(0, 1, remote=True) == [runner.DASK]
    assert runner.executor_kinds(1, 10, remote=True) == [runner.DASK]


# On real clusters -------------------------------------------------------------------

@needs_dask
def test_an_unreachable_scheduler_is_one_line_and_status_2(tmp_path, monkeypatch):
    make_folder(tmp_path, count=1, size=(64, 48))
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{unused.getsockname()[1]}"
    done = run_cli("--dask", address, tmp_path)
    assert done.code == 2
    assert done.err == f"optimize-images: error: {address}: no Dask scheduler answered there within 1 s\n"
    done = run_cli("--dask", "foo://host:1", tmp_path)
    assert done.code == 2 and done.err.startswith(
        "optimize-images: error: foo://host:1: not a Dask scheduler address (unknown address scheme")
    assert leftovers(tmp_path) == []


@needs_dask
@pytest.mark.parametrize("options", [(), ("--output-dir", "out", "-cf", "webp")])
def test_the_same_bytes_and_results_as_a_local_run(tmp_path, monkeypatch, dask_cluster, options):
    address, _ = dask_cluster
    runs = {}
    for where in ("local", "dask"):
        (tmp_path / where).mkdir()
        make_folder(tmp_path / where / "photos", count=4, size=(160, 120))
        monkeypatch.chdir(tmp_path / where)  # relative paths, resolved by the workers too
        extra = ("--dask", address) if where == "dask" else ("-jobs", "1")
        done = run_cli(*options, *extra, "photos")
        results = optimize("photos", dry_run=True, **({"dask": address} if where == "dask" else {}))
        files = {str(path.relative_to(tmp_path / where)): path.read_bytes()
                 for path in sorted((tmp_path / where).rglob("*")) if path.is_file()}
        runs[where] = (done.code, done.out.splitlines()[:-1], without_time(results.results), files)
    assert runs["dask"] == runs["local"]
    assert runs["dask"][0] == 0 and sum(line.startswith("photos") for line in runs["dask"][1]) == 4


@needs_dask
def test_the_lock_refuses_a_local_run_during_a_dask_run(tmp_path, dask_cluster):
    address, _ = dask_cluster
    make_folder(tmp_path, count=3, size=(64, 48))
    statuses = []

    def local_run_meanwhile(result):
        if not statuses:
            local = subprocess.run([sys.executable, "-m", "optimize_images", str(tmp_path)],
                                   capture_output=True, text=True, timeout=120,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
            statuses.append((local.returncode, local.stderr))

    outcome = optimize_with(Settings(paths=(str(tmp_path),), dask=address),
                            on_result=local_run_meanwhile)
    assert outcome.summary.exit_status == 0 and outcome.summary.optimized == 3
    code, err = statuses[0]
    assert code == 75 and f"process {os.getpid()}" in err


def executing(client):
    """How many tasks each worker is running at this moment."""
    return list(client.run(lambda dask_worker: len(dask_worker.state.executing)).values())


@needs_dask
def test_ctrl_c_finishes_the_files_handed_out_and_starts_no_more(tmp_path, dask_cluster):
    address, client = dask_cluster
    paths = make_folder(tmp_path, count=10)
    originals = {path: path.read_bytes() for path in paths}

    def interrupt(result):
        raise KeyboardInterrupt

    outcome = optimize_with(Settings(paths=(str(tmp_path),), dask=address), on_result=interrupt)
    assert executing(client) == [0, 0]  # nothing of the run still at work once it returned
    assert outcome.summary.interrupted and outcome.summary.exit_status == 130
    assert len(outcome.results) == 1
    # The files handed out (at most two per worker thread) were finished; no more were started.
    assert 1 <= check_every_file(originals) <= 1 + 2 * 2
    assert leftovers(tmp_path) == []


@needs_dask
def test_a_killed_worker_leaves_every_file_whole_and_its_files_not_done(tmp_path, dask_cluster):
    address, client = dask_cluster
    client.wait_for_workers(2, timeout=START_DEADLINE)
    paths = make_folder(tmp_path, count=10)
    originals = {path: path.read_bytes() for path in paths}
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker(result):
        busy = [worker for worker, keys in client.processing().items() if keys]
        if busy and not killed:
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(busy[0])

    outcome = optimize_with(Settings(paths=(str(tmp_path),), dask=address),
                            on_result=kill_a_busy_worker)
    failed = [result for result in outcome.results if result.status == FAILED]
    assert failed and {result.reason for result in failed} == {NOT_DONE_DIED}
    assert outcome.summary.exit_status == 1 and len(outcome.results) == len(paths)
    check_every_file(originals)

    client.wait_for_workers(2, timeout=START_DEADLINE)  # the nanny started a new one
    again = optimize_with(Settings(paths=(str(tmp_path),), dask=address))
    assert again.summary.exit_status == 0
    assert check_every_file(originals) == len(paths)
    assert leftovers(tmp_path) == []  # the killed worker's temporary file is gone too


@needs_dask
def test_local_clusters_do_not_retry_and_their_workers_ignore_ctrl_c():
    with cluster.connected("local:1") as remote:
        client = remote.client
        assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures) == 0
        assert list(client.run(signal.getsignal, signal.SIGINT).values()) == [signal.SIG_IGN]
        assert remote.window == 2


@needs_dask
@pytest.mark.skipif("MALLOC_TRIM_THRESHOLD_" in os.environ, reason="set in this environment")
def test_local_workers_keep_glibcs_own_malloc_tuning():
    with cluster.connected("local:1") as remote:
        environment = remote.client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_")
    assert list(environment.values()) == [None]  # Dask's default sets it: 1.5x slower work


def dask_command():
    command = Path(sys.executable).with_name("dask")
    if not command.exists():
        pytest.skip(f"no dask command beside {sys.executable}")
    return str(command)


@needs_dask
def test_workers_without_our_version_are_found_before_any_work(tmp_path, monkeypatch,
                                                               dask_cluster):
    address, _ = dask_cluster
    paths = make_folder(tmp_path, count=2, size=(64, 48))
    originals = [path.read_bytes() for path in paths]
    monkeypatch.setattr(cluster, "__version__", "9.9")  # ours, not the workers'
    done = run_cli("--dask", address, tmp_path)
    assert done.code == 2 and done.out == ""
    assert done.err.startswith(f"optimize-images: error: {address}: the worker tcp://")
    assert done.err.endswith(" runs optimize-images 3.0.0.dev0, not 9.9: install the same "
                             "version on every worker\n")
    assert [path.read_bytes() for path in paths] == originals


@needs_dask
def test_a_lost_scheduler_leaves_every_file_whole_and_the_rest_not_done(tmp_path, monkeypatch,
                                                                       started):
    """A scheduler and a worker started as the docs say; no worker at first, then one."""
    paths = make_folder(tmp_path / "photos", count=8)
    originals = {path: path.read_bytes() for path in paths}
    address_file = tmp_path / "scheduler.json"
    scheduler = started(dask_command(), "scheduler", "--host", "127.0.0.1", "--port", "0",
                        "--no-dashboard", "--scheduler-file", str(address_file),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + START_DEADLINE
    while not address_file.exists() or not address_file.read_text().endswith("}"):
        assert scheduler.poll() is None and time.monotonic() < deadline, "no scheduler started"
        time.sleep(0.1)
    address = json.loads(address_file.read_text())["address"]

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    done = run_cli("--dask", address, tmp_path / "photos")
    assert (done.code, done.err) == (2, f"optimize-images: error: {address}: no Dask worker "
                                        "joined that scheduler within 1 s\n")
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", START_DEADLINE)
    started(dask_command(), "worker", address, "--nthreads", "1", "--no-dashboard",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(REPO)})

    run = started(sys.executable, "-m", "optimize_images", "--dask", address,
                  str(tmp_path / "photos"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                  text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    first = run.stdout.readline()  # a file is done: the others are in the worker's hands
    os.killpg(scheduler.pid, signal.SIGKILL)
    rest, err = run.communicate(timeout=120)
    done_lines, failed_lines = (first + rest).splitlines(), err.splitlines()
    assert run.returncode == 1 and "FAILED" not in done_lines[0]
    # Results on stdout, failures on stderr, and nothing else there: Dask's own logs are kept off.
    assert failed_lines and failed_lines[-1].startswith(str(paths[-1]))
    assert {line.split("  ", 1)[1] for line in failed_lines} == {f"FAILED: {NOT_DONE_LOST}"}
    check_every_file(originals)


def interruptible():
    """In the child: SIGINT at its default, as a terminal's shell starts a command (a test run
    started in the background by a script inherits SIGINT ignored, and so would the command)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@needs_dask
def test_ctrl_c_on_a_local_cluster_run_ends_it_with_every_file_whole(tmp_path, started):
    """SIGINT to the whole process group, as a terminal sends it."""
    paths = make_folder(tmp_path, count=12)
    originals = {path: path.read_bytes() for path in paths}
    run = started(sys.executable, "-m", "optimize_images", "--dask", "local:2", str(tmp_path),
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                  env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=interruptible)
    first = run.stdout.readline()  # the first file's line: the workers are at work
    os.killpg(run.pid, signal.SIGINT)
    rest, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert "Traceback" not in err
    assert str(tmp_path) in first and "(interrupted)" in rest
    assert check_every_file(originals) >= 1
    assert leftovers(tmp_path) == []


# The bytes recipe of docs/scale-out.md ------------------------------------------------

RECIPE_MARK = "<!-- tests/test_cluster.py runs the code block below"


def recipe():
    """The docs' recipe, run as written: its code block's names."""
    text = (REPO / "docs" / "scale-out.md").read_text(encoding="utf-8")
    block = text[text.index(RECIPE_MARK):].split("```python\n", 1)[1].split("```", 1)[0]
    names = {"__name__": "scale_out_recipe"}  # not importable: the workers get its code by value
    exec(compile(block, "docs/scale-out.md", "exec"), names)
    return names


@needs_dask
def test_the_bytes_recipe_optimizes_a_store_on_the_cluster(tmp_path, dask_cluster):
    from optimize_images import optimize_bytes

    _, client = dask_cluster
    store_root = tmp_path / "store"
    make_folder(store_root / "albums", count=3, size=(320, 240))
    (store_root / "notes.jpg").write_bytes(b"not an image at all")
    originals = {path: path.read_bytes() for path in sorted(store_root.rglob("*"))
                 if path.is_file()}
    names = recipe()
    store = names["Folder"](store_root)
    keys = store.keys()

    results = names["optimize_store"](keys, store, client, max_width=200)

    assert [result.path for result in results] == keys
    by_key = dict(zip(keys, results))
    assert by_key["notes.jpg"].status == FAILED
    assert (store_root / "notes.jpg").read_bytes() == b"not an image at all"
    for path, data in originals.items():
        key = str(path.relative_to(store_root))
        expected, _ = optimize_bytes(data, name=key, max_width=200)
        assert path.read_bytes() == expected  # what the bytes API gives here, on the workers
        if by_key[key].status == OPTIMIZED:
            assert len(expected) < len(data) and opened(path).width <= 200
    assert sum(result.status == OPTIMIZED for result in results) == 3
    assert not [path for path in store_root.rglob("*.partial")]

    again = names["optimize_store"](store.keys(), store, client, max_width=200)
    assert [result.status for result in again if result.status == OPTIMIZED] == []
