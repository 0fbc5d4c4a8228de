"""optimize-images: a portable image optimizer built on Pillow alone.

The public API, re-exported here (see `api` for the details):

    >>> import optimize_images
    >>> outcome = optimize_images.optimize("photos/", quality=80, dry_run=True)  # doctest: +SKIP

- `optimize(*paths, **options)`, `optimize_with(settings)`, `watch_with(settings)`
  run like the command line, without printing, and return an `Outcome`;
  `optimize_bytes(data, **options)` optimizes an image held in memory and
  returns (bytes, `Result`), never touching the file system;
  `find(settings)` lists the files a run would look at; `optimize_file(path,
  settings)` does one file and returns its `Result`.
- `Settings` holds every option (keyword-only, as the long flags name them).
- Every exception raised on purpose is an `OptimizeImagesError`.

The metrics (`optimize_images.measure.metrics`) and diff maps (`optimize_images.draw.diffmap`)
are public modules of their own.
"""

from .api import Outcome, find, optimize, optimize_bytes, optimize_file, optimize_with, watch_with
from .version import __version__
from .common.errors import (CannotStart, Fail, Locked, OptimizeImagesError, OptionError, Skip,
                            UsageError)
from .common.results import Result, Summary
from .common.settings import Settings

__all__ = [
    "__version__", "optimize", "optimize_bytes", "optimize_with", "watch_with", "find",
    "optimize_file", "Outcome", "Result", "Summary", "Settings",
    "OptimizeImagesError", "OptionError", "UsageError", "CannotStart", "Locked", "Skip", "Fail",
]
