"""Running the per-file work: a process pool, a thread pool, or a plain loop.

Where a process pool cannot be made (Pythonista on iOS, some sandboxes: no
`_multiprocessing`, no semaphores) we fall back to threads, then to serial
work, silently. Results come back in the order the files were found.
"""

import concurrent.futures
import os
import signal
from functools import partial

from . import parent_watch
from .errors import OptimizeImagesError
from .pipeline import optimize_file, raise_pillow_limit

PROCESS, THREAD, SERIAL = "process", "thread", "serial"
# A file this many times the median size of a run starts before the others.
OUTSIZED = 4


def worker_count(jobs, cpu_count=None):
    """-jobs 0 means one worker per core."""
    return jobs if jobs > 0 else max(1, cpu_count or os.cpu_count() or 1)


def executor_kinds(jobs, file_count):
    """The executors to try, best first; a pure function of the request."""
    if jobs == 1 or file_count <= 1:
        return [SERIAL]
    return [PROCESS, THREAD, SERIAL]


def run(candidates, settings, on_result=lambda result: None):
    """Optimize every candidate; call `on_result` for each result, in order; return them all.

    If the pool breaks (a worker killed by the system, say), the files not
    yet done go on with the next kind of executor. Ctrl-C stops cleanly:
    files being written finish (every write is an atomic rename), pending
    files are not started, and the KeyboardInterrupt propagates with
    `.results` holding what was finished.
    """
    pending = list(candidates)
    results = []
    try:
        for kind in executor_kinds(settings.jobs, len(pending)):
            done = _collect(kind, pending, settings, results, on_result)
            if done == len(pending):
                return results
            pending = pending[done:]
    except KeyboardInterrupt as interrupt:
        interrupt.results = results
        raise


def _collect(kind, candidates, settings, results, on_result):
    """Append results as they come; return how many were done when the executor stopped."""
    done = 0
    iterator = _results(kind, candidates, settings)
    try:
        while True:
            try:
                result = next(iterator)
            except StopIteration:
                return done
            except _EXECUTOR_FAILURES:  # work() never raises: the executor itself failed
                if kind == SERIAL:
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


def _results(kind, candidates, settings):
    work = partial(_work, settings=settings)
    if kind == SERIAL:
        raise_pillow_limit(settings.max_pixels)
        yield from map(work, candidates)
        return
    executor = _make_executor(kind, worker_count(settings.jobs), settings)
    with executor:
        try:
            yield from _largest_first(executor, work, candidates)
        except BaseException:
            executor.shutdown(wait=True, cancel_futures=True)
            raise


def _largest_first(executor, work, candidates):
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


def start_order(sizes, outsized=OUTSIZED):
    """Indexes of `sizes`: those over `outsized` times the median first, biggest first."""
    median = sorted(sizes)[len(sizes) // 2] if sizes else 0
    big = sorted((index for index, size in enumerate(sizes) if size > outsized * median),
                 key=lambda index: -sizes[index])
    chosen = set(big)
    return big + [index for index in range(len(sizes)) if index not in chosen]


def _size(path):
    try:
        return os.stat(path).st_size
    except OSError:  # missing or unreadable: the work reports it
        return 0


def _work(candidate, settings):
    return optimize_file(candidate.path, settings, root=candidate.root)


def _make_executor(kind, workers, settings):
    try:
        if kind == PROCESS:
            return concurrent.futures.ProcessPoolExecutor(
                workers, initializer=_init_process_worker,
                initargs=(settings.max_pixels, os.getpid()))
        raise_pillow_limit(settings.max_pixels)
        return concurrent.futures.ThreadPoolExecutor(workers)
    except (ImportError, NotImplementedError, OSError, RuntimeError) as error:
        raise _Unavailable(kind) from error


def _init_process_worker(max_pixels, run_pid):
    # Ctrl-C goes to the whole process group: let the parent decide, so a
    # worker finishes its file instead of dying half-way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.name == "posix":  # elsewhere os.kill(pid, 0) is no liveness test
        parent_watch.exit_when_orphaned(run_pid)
    raise_pillow_limit(max_pixels)
