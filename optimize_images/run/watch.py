"""Watch mode: keep looking at the folders and optimize what arrives.

A file is taken once it has stopped changing: two looks, one interval apart,
must see the same size and modification time. Files we wrote are remembered
with their new size and time, so our own writes never trigger work (and the
marker in them would make the pipeline skip them anyway). Polling uses only
the standard library; when the `watchdog` package is installed, its events
wake the loop early instead of waiting for the next look.
"""

import os
import threading
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..common.settings import Settings
from .discovery import Candidate, find
from .runner import OnResult, optimize_candidates

Signature = Tuple[int, int]  # a file's size and modification time (ns)


def watch(settings: Settings, on_result: OnResult, *,
          stop: Optional[threading.Event] = None) -> None:
    """Optimize new or changed files until `stop` is set (or Ctrl-C)."""
    stop = stop or threading.Event()
    wake = threading.Event()
    observer = _start_observer(settings.paths, wake)
    try:
        last_seen: Dict[str, Signature] = {}
        handled: Dict[str, Optional[Signature]] = {}
        while not stop.is_set():
            ready = _settled(find(settings), last_seen, handled)
            if ready:
                optimize_candidates(ready, settings, on_result)
                for candidate in ready:
                    handled[candidate.path] = _signature(candidate.path)
            wake.wait(settings.watch_interval)
            wake.clear()
    finally:
        if observer is not None:
            observer.stop()


def _settled(candidates: Iterable[Candidate], last_seen: Dict[str, Signature],
             handled: Dict[str, Optional[Signature]]) -> List[Candidate]:
    """Candidates unchanged since the previous look and not already handled."""
    ready = []
    for candidate in candidates:
        signature = _signature(candidate.path)
        if signature is None or handled.get(candidate.path) == signature:
            continue
        if last_seen.get(candidate.path) == signature:
            ready.append(candidate)
        last_seen[candidate.path] = signature
    return ready


def _signature(path: str) -> Optional[Signature]:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def _start_observer(paths: Iterable[str], wake: threading.Event) -> Any:
    """A watchdog observer that sets `wake` on any event, or None without watchdog."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:
        return None

    class Wake(FileSystemEventHandler):
        def on_any_event(self, event: Any) -> None:
            wake.set()

    observer = Observer()
    for path in paths:
        if os.path.isdir(path):
            observer.schedule(Wake(), path, recursive=True)
    observer.daemon = True
    observer.start()
    return observer
