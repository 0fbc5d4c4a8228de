"""A pool worker ends itself soon after the run that started it is gone.

A process-pool worker waits for work on a queue whose write end it holds
itself (it inherited it), so when the run is killed with SIGKILL (`timeout -s
KILL`, a container stop, the OOM killer) that wait never ends and the worker
lives on, adopted by init. Nothing the run does can prevent that, so each
worker watches for itself: a daemon thread looks twice a second whether its
parent changed (it was adopted) or the run's main process is gone, and then
ends the worker at once. Two signs, because under the "forkserver" start
method the parent is the fork server, not the run, and because the run may
die before the watch starts.

Polling is plain standard library and behaves the same on Linux and macOS.
Ending a worker this way is no worse than a SIGKILL, which the writer is
built to survive: an original is only ever replaced by an atomic rename.
"""

import os
import threading
import time
from typing import Callable

POLL_SECONDS = 0.5


def exit_when_orphaned(run_pid: int, *, poll_seconds: float = POLL_SECONDS,
                       end: Callable[[int], object] = os._exit) -> threading.Thread:
    """Start watching, in a worker process, for the end of the run `run_pid`.

    `end(status)` is called once the worker is orphaned; `os._exit` by default,
    which ends the process without waiting for anything (threads, queues).
    """
    parent = os.getppid()
    watch = threading.Thread(target=_watch, args=(run_pid, parent, poll_seconds, end),
                             name="optimize-images-parent-watch", daemon=True)
    watch.start()
    return watch


def orphaned(run_pid: int, parent: int) -> bool:
    """True once this process was adopted (its parent changed) or `run_pid` is gone."""
    return os.getppid() != parent or not _alive(run_pid)


def _watch(run_pid: int, parent: int, poll_seconds: float, end: Callable[[int], object]) -> None:
    while not orphaned(run_pid, parent):
        time.sleep(poll_seconds)
    end(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True
