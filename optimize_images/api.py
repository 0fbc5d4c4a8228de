"""The Python API: the CLI's work without printing.

    >>> from optimize_images.api import optimize
    >>> outcome = optimize("photos/", quality=80, dry_run=True)   # doctest: +SKIP
    >>> outcome.summary.saved_percent                             # doctest: +SKIP
"""

import time
from dataclasses import dataclass, field
from typing import List

from .discovery import find_images
from .pipeline import optimize_file  # noqa: F401  (one file, for scripts)
from .results import Result, Summary
from .runner import run
from .settings import Settings


@dataclass
class Outcome:
    results: List[Result] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)


def optimize(*paths, on_result=None, **options):
    """Optimize files and folders; options are the `Settings` fields (e.g. quality=80)."""
    return optimize_with(Settings(paths=paths, **options), on_result=on_result)


def find(settings):
    """The files a run with these settings would look at, in order."""
    return list(find_images(settings.paths, recursive=not settings.no_recursion))


def optimize_with(settings, *, candidates=None, on_result=None):
    """Run `settings`; `on_result(result)` is called for each file as it finishes, in order.

    Ctrl-C ends the run early: the outcome then has `summary.interrupted` set.
    """
    outcome = Outcome()
    started = time.perf_counter()

    def collect(result):
        outcome.results.append(result)
        outcome.summary.add(result)
        if on_result is not None:
            on_result(result)

    try:
        run(find(settings) if candidates is None else candidates, settings, collect)
    except KeyboardInterrupt:
        outcome.summary.interrupted = True
    outcome.summary.seconds = time.perf_counter() - started
    return outcome
