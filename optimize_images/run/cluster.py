"""Dask: the cluster whose workers do a run's files (--dask), imported only when asked for.

`--dask ADDRESS` hands each file to the workers of the Dask scheduler at
ADDRESS; `--dask local:N` starts a cluster of N worker processes on this
machine for the length of the run. The files live on a filesystem every
worker sees at the same path. Nothing of Dask is imported until `connected`
is entered with an address, so the core stays Pillow and piexif.

Everything that would stop the run is found before any file is handed out
and raised as `CannotStart` naming the address: Dask not installed, an
address that is not one, a scheduler that does not answer, no worker, or
workers without the same optimize-images.

The clusters we start report a file whose worker died as not done instead of
running it again (`allowed_failures=0`), and their workers ignore Ctrl-C: it
reaches the whole process group, and the run decides (as the pool's workers
do), so a worker finishes the file it is writing. Dask's own log lines are
kept off stderr for the length of a run: each file's line says what
happened to it.
"""

import concurrent.futures
import contextlib
import logging
import signal
from typing import Any, ContextManager, Iterator, Optional

from ..common.errors import CannotStart
from ..common.settings import local_workers
from ..version import __version__

INSTALL = 'pip install "optimize-images[dask]"'
CONNECT_SECONDS = 10  # to reach the scheduler, and for a first worker to join it
FILES_PER_THREAD = 2  # in the workers' hands at once: one being done, one waiting
SCHEDULER_LOST = "the connection to the Dask scheduler was lost"
WORKER_DIED = "the Dask worker working on it died"

# Dask's objects (its module, a Client, a LocalCluster) are typed Any: Dask is
# optional, and imported only inside the functions that use it.


class Remote:
    """A connected cluster as the runner drives it: an Executor and how much to give it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        # each call does its own work
        self.executor: concurrent.futures.Executor = client.get_executor(pure=False)
        self.window: int = FILES_PER_THREAD * sum(client.nthreads().values())

    @property
    def connected(self) -> bool:
        return self.client.status == "running"

    def failure(self, error: Optional[BaseException] = None) -> str:
        """Why a file got no result from the cluster (`error`, if it was sent), in plain words."""
        from distributed.scheduler import KilledWorker

        if isinstance(error, KilledWorker):
            return WORKER_DIED
        if not self.connected:
            return SCHEDULER_LOST
        return f"the Dask cluster could not run it ({type(error).__name__}: {error})"


@contextlib.contextmanager
def connected(address: Optional[str]) -> Iterator[Optional[Remote]]:
    """The `Remote` at `address` for the length of a run; None when `address` is None."""
    if address is None:
        yield None
        return
    distributed = _imported()
    workers = local_workers(address)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet(logging.getLogger("distributed")))
        scheduler = stack.enter_context(_local_cluster(distributed, address, workers)
                                        if workers else _checked(distributed, address))
        client = stack.enter_context(_client(distributed, scheduler, address))
        if workers:
            client.register_plugin(_ignoring_ctrl_c(distributed))
        _check_workers(client, address)
        yield Remote(client)


@contextlib.contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Dask's own stderr handlers show only critical records for the length of a run.

    Each file's line says in plain words what happened to it (a worker that
    died, the connection lost); Dask would add its tracebacks to stderr.
    Handlers of the application's own are left alone.
    """
    handlers = [handler for handler in logger.handlers
                if isinstance(handler, logging.StreamHandler)]
    levels = [handler.level for handler in handlers]
    for handler in handlers:
        handler.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels):
            handler.setLevel(level)


def _imported() -> Any:
    try:
        import distributed
    except ImportError:
        raise CannotStart("--dask", f"Dask is not installed: {INSTALL}") from None
    return distributed


def _checked(distributed: Any, address: str) -> ContextManager[str]:
    """`address` itself, once Dask can read it: a bad one would fail later, noisily."""
    try:
        distributed.comm.resolve_address(address)
    except (ValueError, OSError) as error:
        raise CannotStart(address, f"not a Dask scheduler address ({error})") from None
    return contextlib.nullcontext(address)


def _local_cluster(distributed: Any, address: str, workers: int) -> Any:
    try:
        return local_cluster(distributed, workers, silence_logs=logging.CRITICAL)
    except Exception as error:  # whatever stops Dask from starting processes here
        raise CannotStart(address, f"cannot start a local Dask cluster ({error})") from None


def local_cluster(distributed: Any, workers: int, **options: Any) -> Any:
    """A `LocalCluster` of `workers` single-threaded processes, as `--dask local:N` starts it.

    A dead worker's files are not run again, and the workers keep glibc's own
    malloc tuning: Dask sets MALLOC_TRIM_THRESHOLD_ in its workers' environment,
    which fixes glibc's mmap threshold too, so every image buffer is mapped and
    unmapped afresh; that made our per-file work about 1.5x slower.
    """
    import dask

    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
            scheduler_kwargs={"allowed_failures": 0}, **options)


def _client(distributed: Any, scheduler: Any, address: str) -> Any:
    try:
        return distributed.Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
    except OSError:
        raise CannotStart(address, f"no Dask scheduler answered there within "
                                   f"{CONNECT_SECONDS} s") from None


def _check_workers(client: Any, address: str) -> None:
    """At least one worker, and every worker runs our version."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except Exception:  # a TimeoutError, asyncio's before Python 3.11
        raise CannotStart(address, f"no Dask worker joined that scheduler within "
                                   f"{CONNECT_SECONDS} s") from None
    try:
        versions = client.run(_version)
    except Exception as error:  # the workers cannot import us, typically
        raise CannotStart(address, f"its workers cannot run optimize-images ({error}): install "
                                   f"optimize-images {__version__} on them") from None
    other = sorted((worker, version) for worker, version in versions.items()
                   if version != __version__)
    if other:
        worker, version = other[0]
        raise CannotStart(address, f"the worker {worker} runs optimize-images {version}, not "
                                   f"{__version__}: install the same version on every worker")


def _version() -> str:
    return __version__


def _ignoring_ctrl_c(distributed: Any) -> Any:
    """A worker plugin that makes a worker (and any restarted one) ignore SIGINT."""

    class IgnoreCtrlC(distributed.WorkerPlugin):
        name = "optimize-images-ignore-ctrl-c"

        def setup(self, worker: Any) -> None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    return IgnoreCtrlC()
