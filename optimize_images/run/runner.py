"""Running the per-file work: a process pool, a thread pool, a plain loop, or a Dask cluster.

Where a process pool cannot be made (Pythonista on iOS, some sandboxes: no
`_multiprocessing`, no semaphores) we fall back to threads, then to serial
work, silently. With a cluster (`--dask`, see `cluster`) the files go to its
workers and nowhere else. Results come back in the order the files were found.
"""

import concurrent.futures
import dataclasses
import os
import signal
from functools import partial
from typing import (TYPE_CHECKING, Callable, Dict, Generator, Iterable, Iterator, List, Optional,
                    Sequence)

from ..common.errors import OptimizeImagesError
from ..common.results import FAILED, Result
from ..common.settings import Settings
from ..image.pipeline import optimize_file
from . import _parent_watch
from .discovery import Candidate

if TYPE_CHECKING:
    from .cluster import Remote

PROCESS, THREAD, SERIAL, DASK = "process", "thread", "serial", "dask"
# A file this many times the median size of a run starts before the others.
OUTSIZED = 4

OnResult = Callable[[Result], None]
Work = Callable[[Candidate], Result]


def worker_count(jobs: int, cpu_count: Optional[int] = None) -> int:
    """-jobs 0 means one worker per core."""
    return jobs if jobs > 0 else max(1, cpu_count or os.cpu_count() or 1)


def executor_kinds(jobs: int, file_count: int, *, remote: bool = False) -> List[str]:
    """The executors to try, best first; a pure function of the request."""
    if remote:
        return [DASK]
    if jobs == 1 or file_count <= 1:
        return [SERIAL]
    return [PROCESS, THREAD, SERIAL]


def optimize_candidates(candidates: Iterable[Candidate], settings: Settings,
                        on_result: OnResult = lambda result: None, *,
                        remote: Optional["Remote"] = None) -> List[Result]:
    """Optimize every candidate; call `on_result` for each result, in order; return them all.

    If the pool breaks (a worker killed by the system, say), the files not
    yet done go on with the next kind of executor. Ctrl-C stops cleanly:
    files being written finish (every write is an atomic rename), pending
    files are not started, and the KeyboardInterrupt propagates with
    `.results` holding what was finished. With `remote` (a `cluster.Remote`)
    the files go to the cluster's workers only.
    """
    pending = list(candidates)
    results: List[Result] = []
    try:
        for kind in executor_kinds(settings.jobs, len(pending), remote=remote is not None):
            done = _collect(kind, pending, settings, results, on_result, remote)
            if done == len(pending):
                return results
            pending = pending[done:]
        # Unreachable: the last kind (serial, or the cluster) does every file it is given.
        raise AssertionError("no executor finished the run")
    except KeyboardInterrupt as interrupt:
        interrupt.results = results  # type: ignore[attr-defined]
        raise


def _collect(kind: str, candidates: Sequence[Candidate], settings: Settings,
             results: List[Result], on_result: OnResult, remote: Optional["Remote"]) -> int:
    """Append results as they come; return how many were done when the executor stopped."""
    done = 0
    iterator = _results(kind, candidates, settings, remote)
    try:
        while True:
            try:
                result = next(iterator)
            except StopIteration:
                return done
            except _EXECUTOR_FAILURES:  # work() never raises: the executor itself failed
                if kind not in (PROCESS, THREAD):  # nothing to fall back to
                    raise
                return done
            results.append(result)
            done += 1
            on_result(result)
    finally:
        # Whatever stops us (on_result's output pipe closed, say), the pool is
        # shut down here, after the files being written are finished, and not
        # later, when the caller may have released the lock already.
        iterator.close()


class _Unavailable(OptimizeImagesError):
    """This platform cannot provide that kind of executor."""


_EXECUTOR_FAILURES = (_Unavailable, concurrent.futures.BrokenExecutor,
                      ImportError, NotImplementedError, OSError)


def _results(kind: str, candidates: Sequence[Candidate], settings: Settings,
             remote: Optional["Remote"]) -> Generator[Result, None, None]:
    if kind == DASK:
        assert remote is not None  # executor_kinds gives DASK only with a cluster
        yield from _remote_results(remote, candidates, settings)
        return
    work = partial(_work, settings=settings)
    if kind == SERIAL:
        yield from map(work, candidates)
        return
    executor = _make_executor(kind, worker_count(settings.jobs))
    with executor:
        try:
            yield from _largest_first(executor, work, candidates)
        except BaseException:
            executor.shutdown(wait=True, cancel_futures=True)
            raise


def _largest_first(executor: concurrent.futures.Executor, work: Work,
                   candidates: Sequence[Candidate]) -> Iterator[Result]:
    """Results in the candidates' order, the outsized files started first.

    A big photo started last would finish alone while the other workers
    idle; started first, the small files fill in around it. Only files well
    above the median size move ahead: the others keep their order, so the
    first lines of output (which come in the candidates' order) are not held
    back until the end of the run.
    """
    futures = {index: executor.submit(work, candidates[index])
               for index in start_order([_size(candidate.path) for candidate in candidates])}
    for index in range(len(candidates)):
        yield futures[index].result()


def start_order(sizes: Sequence[int], outsized: float = OUTSIZED) -> List[int]:
    """Indexes of `sizes`: those over `outsized` times the median first, biggest first."""
    median = sorted(sizes)[len(sizes) // 2] if sizes else 0
    big = sorted((index for index, size in enumerate(sizes) if size > outsized * median),
                 key=lambda index: -sizes[index])
    chosen = set(big)
    return big + [index for index in range(len(sizes)) if index not in chosen]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # missing or unreadable: the work reports it
        return 0


def _work(candidate: Candidate, settings: Settings) -> Result:
    return optimize_file(candidate.path, settings, root=candidate.root)


def _remote_results(remote: "Remote", candidates: Sequence[Candidate],
                    settings: Settings) -> Iterator[Result]:
    """Results in the candidates' order from a cluster's workers (see `_Handout`)."""
    handout = _Handout(remote, candidates, settings)
    try:
        for index in range(len(candidates)):
            yield handout.result(index)
    finally:
        handout.finish()


class _Handout:
    """A run's files in a cluster's hands: sent in `start_order`, taken back as they finish.

    At most `remote.window` files are in the workers' hands at a time, and each
    result is taken as soon as it comes, so Dask forgets it at once (a worker
    lost later does not make it run the file again). `finish` waits for the
    files in the workers' hands: however the run stops (Ctrl-C, the output
    closed), it ends, and releases its lock, only once nothing of it is still
    writing. A file whose worker died, or that was in the workers' hands when
    the connection to the scheduler was lost, comes back as a failure "not
    done: ..."; once the connection is lost, no more files are sent. Paths go
    out absolute (each worker has its own working folder) and come back as
    the run was given them.
    """

    def __init__(self, remote: "Remote", candidates: Sequence[Candidate],
                 settings: Settings) -> None:
        self.remote = remote
        self.candidates = candidates
        self.settings = settings
        self.here = os.getcwd()
        self.work = partial(_remote_work, settings=_anchored_settings(settings, self.here))
        self.upcoming = iter(start_order([_size(candidate.path) for candidate in candidates]))
        self.in_hand: Dict["concurrent.futures.Future[Result]", int] = {}  # future -> index
        self.outcomes: Dict[int, Result] = {}

    def result(self, index: int) -> Result:
        while index not in self.outcomes:
            self._send()
            self._receive()
        return self.outcomes.pop(index)

    def finish(self) -> None:
        concurrent.futures.wait(self.in_hand)

    def _send(self) -> None:
        while len(self.in_hand) < self.remote.window:
            index = next(self.upcoming, None)
            if index is None:
                return
            candidate = self.candidates[index]
            if not self.remote.connected:
                self.outcomes[index] = _not_done(candidate, self.remote.failure())
                continue
            anchored = dataclasses.replace(candidate, path=os.path.join(self.here, candidate.path),
                                           root=os.path.join(self.here, candidate.root))
            try:
                self.in_hand[self.remote.executor.submit(self.work, anchored)] = index
            except Exception as error:  # the client closed since we looked
                self.outcomes[index] = _not_done(candidate, self.remote.failure(error), error)

    def _receive(self) -> None:
        if not self.in_hand:
            return
        done, _ = concurrent.futures.wait(self.in_hand,
                                          return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
            index = self.in_hand.pop(future)
            self.outcomes[index] = self._outcome(future, self.candidates[index])

    def _outcome(self, future: "concurrent.futures.Future[Result]",
                 candidate: Candidate) -> Result:
        try:
            result = future.result()
        except Exception as error:  # the work never raises: the cluster failed it
            return _not_done(candidate, self.remote.failure(error), error)
        return _as_given(result, candidate, self.settings, self.here)


def _remote_work(candidate: Candidate, settings: Settings) -> Result:
    """One file's work on a cluster's worker: what `_Handout` sends there."""
    return _work(candidate, settings)


def _anchored_settings(settings: Settings, here: str) -> Settings:
    """The settings with --output-dir absolute, as `here` resolves it."""
    if not settings.output_dir:
        return settings
    return dataclasses.replace(settings, output_dir=os.path.join(here, settings.output_dir))


def _as_given(result: Result, candidate: Candidate, settings: Settings, here: str) -> Result:
    """A worker's result with its paths as the run was given them (relative stays relative)."""
    output_path = result.output_path
    if output_path and not os.path.isabs(settings.output_dir or candidate.path):
        output_path = output_path[len(os.path.join(here, "")):]
    return dataclasses.replace(result, path=candidate.path, output_path=output_path)


def _not_done(candidate: Candidate, why: str, error: Optional[BaseException] = None) -> Result:
    return Result(path=candidate.path, status=FAILED, reason=f"not done: {why}",
                  detail=str(error or ""))


def _make_executor(kind: str, workers: int) -> concurrent.futures.Executor:
    try:
        if kind == PROCESS:
            return concurrent.futures.ProcessPoolExecutor(
                workers, initializer=_init_process_worker, initargs=(os.getpid(),))
        return concurrent.futures.ThreadPoolExecutor(workers)
    except (ImportError, NotImplementedError, OSError, RuntimeError) as error:
        raise _Unavailable(kind) from error


def _init_process_worker(run_pid: int) -> None:
    # Ctrl-C goes to the whole process group: let the parent decide, so a
    # worker finishes its file instead of dying half-way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.name == "posix":  # elsewhere os.kill(pid, 0) is no liveness test
        _parent_watch.exit_when_orphaned(run_pid)
