"""The Python API: the CLI's work without printing.

    >>> from optimize_images.api import optimize, optimize_bytes
    >>> outcome = optimize("photos/", quality=80, dry_run=True)   # doctest: +SKIP
    >>> outcome.summary.saved_percent                             # doctest: +SKIP
    >>> data, result = optimize_bytes(upload, max_width=2048)     # doctest: +SKIP
"""

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, List, Optional, Sequence, Tuple, Union

from .common.errors import CannotStart, Locked, OptionError
from .common.options import check_keywords
from .common.reasons import system_words
from .common.results import Result, Summary
from .common.settings import FILE_OPTIONS, Settings, flag_of
from .image.pipeline import optimize_data, optimize_file
from .run.cluster import connected
from .run.discovery import Candidate, find, find_stale_temporaries, output_dir_holding, roots
from .run.lock import TreeLock
from .run.runner import optimize_candidates
from .run.watch import watch

__all__ = ["Outcome", "optimize", "optimize_bytes", "optimize_with", "watch_with", "find",
           "optimize_file", "CannotStart", "Locked"]

Collect = Callable[[Result], None]  # called with each result as its file finishes
OnResult = Optional[Collect]


@dataclass
class Outcome:
    """What a run did: each file's `Result`, in order, and the run's `Summary`.

    The results keep no `Preview` (the HTML report's pictures, which would add up in
    a long run): `on_result` is given each result with its preview.
    """
    results: List[Result] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)


def optimize(*paths: Union[str, os.PathLike], on_result: OnResult = None,
             **options: Any) -> Outcome:
    """Optimize files and folders; options are the `Settings` fields (e.g. quality=80)."""
    check_keywords("optimize", Settings, options)
    return optimize_with(Settings(paths=tuple(str(path) for path in paths), **options),
                         on_result=on_result)


def optimize_bytes(data: bytes, *, name: str = "<bytes>",
                   **options: Any) -> Tuple[bytes, Result]:
    """Optimize an image held in memory: (the bytes to keep, its `Result`).

    Options are the `Settings` fields about images (quality=80, max_width=2048,
    convert_to="webp", ...); those about files, folders, workers and printing
    (output_dir, force_delete, dry_run, jobs, ...) raise `OptionError`, as an
    invalid value does. The image gets the checks, the quality search and the
    verification a file gets, and the file system is never touched. A bad
    input raises nothing: what a file would be refused for (not an image, too
    large, not smaller, already optimized) comes back as the Result's status
    and reason, with `data` itself as the bytes to keep. `name` stands for the
    path in the Result. A conversion's Result says e.g. format 'PNG->JPEG'.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"optimize_bytes takes bytes, not {type(data).__name__}")
    check_keywords("optimize_bytes", Settings, options)
    about_files = sorted(set(options) & set(FILE_OPTIONS))
    if about_files:
        raise OptionError(flag_of(about_files[0]),
                          "is about files: optimize_bytes reads and writes none")
    settings = Settings(**options)
    return optimize_data(data if isinstance(data, bytes) else bytes(data), settings, name=name)


def optimize_with(settings: Settings, *, candidates: Optional[Sequence[Candidate]] = None,
                  on_result: OnResult = None) -> Outcome:
    """Run `settings`; `on_result(result)` is called for each file as it finishes, in order.

    Raises `CannotStart` before touching any file when the run cannot begin (a
    missing path, an --output-dir that cannot be made, a lock that cannot be
    created, a --dask cluster that cannot be used) and `Locked` when another
    run works on the same tree. Ctrl-C ends the run early: the outcome then
    has `summary.interrupted` set. `summary.seconds` is the time the caller
    waited: a --dask local:N cluster's start and end included.
    """
    started = time.perf_counter()
    check_can_start(settings)
    with run_lock(settings), connected(settings.dask) as remote:
        remove_stale_temporaries(settings)
        outcome = _optimize_all(settings, candidates, on_result, remote)
    outcome.summary.seconds = time.perf_counter() - started
    return outcome


def check_can_start(settings: Settings) -> None:
    """Raise `CannotStart` for what would stop the run before any file is touched."""
    for given in settings.paths:
        if not os.path.lexists(os.path.expanduser(given)):
            raise CannotStart(given, "no such file or folder")
    output_dir = settings.output_dir
    if output_dir and os.path.lexists(output_dir) and not os.path.isdir(output_dir):
        raise CannotStart(output_dir, "--output-dir names a file, not a folder")
    inside = output_dir and output_dir_holding(settings.paths, output_dir)
    if output_dir and inside:
        raise CannotStart(output_dir, f"--output-dir is the input {inside} or a folder above "
                                      "it: the run would read what it writes; choose an output "
                                      "folder outside the input")


def run_lock(settings: Settings) -> ContextManager[object]:
    """The lock of the trees this run writes to (none for a dry run)."""
    if not settings.writes_files:
        return contextlib.nullcontext()
    if settings.output_dir:
        _make_output_dir(settings.output_dir)
        return TreeLock([settings.output_dir])
    return TreeLock(roots(settings.paths))


def _make_output_dir(folder: str) -> None:
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise CannotStart(folder, f"cannot create the output folder: {system_words(error)}") from None


def remove_stale_temporaries(settings: Settings) -> None:
    """Delete the temporary files a killed run left; safe because we hold the lock."""
    if not settings.writes_files:
        return
    folders = [settings.output_dir] if settings.output_dir else settings.paths
    for path in list(find_stale_temporaries(folders, recursive=not settings.no_recursion)):
        with contextlib.suppress(OSError):  # gone already, or in a folder we may not write
            os.unlink(path)


def watch_with(settings: Settings, *, on_result: OnResult = None,
               stop: Optional[threading.Event] = None) -> Outcome:
    """Watch mode: optimize new or changed files until `stop` (an Event) is set or Ctrl-C."""
    started = time.perf_counter()
    check_can_start(settings)
    with run_lock(settings):
        remove_stale_temporaries(settings)
        outcome = _collecting(on_result, lambda collect: watch(settings, collect, stop=stop))
    outcome.summary.interrupted = False  # Ctrl-C is how watch mode is meant to end
    outcome.summary.seconds = time.perf_counter() - started
    return outcome


def _optimize_all(settings, candidates, on_result, remote):
    candidates = find(settings) if candidates is None else candidates
    return _collecting(on_result, lambda collect: optimize_candidates(
        candidates, settings, collect, remote=remote))


def _collecting(on_result: OnResult, work: Callable[[Collect], object]) -> Outcome:
    """Run `work(collect)`, gathering each result into an Outcome; Ctrl-C ends it."""
    outcome = Outcome()

    def collect(result: Result) -> None:
        outcome.results.append(result.without_preview())  # on_result alone sees its pictures
        outcome.summary.add(result)
        if on_result is not None:
            on_result(result)

    try:
        work(collect)
    except KeyboardInterrupt:
        outcome.summary.interrupted = True
    return outcome
