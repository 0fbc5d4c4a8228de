"""The exceptions optimize-images raises on purpose: one family, each in plain words."""


class OptimizeImagesError(Exception):
    """Base of the exceptions this package raises; str(self) is the line to show."""


class Skip(OptimizeImagesError):
    """The file is deliberately left alone; str(self) says why."""


class Fail(OptimizeImagesError):
    """The file could not be processed; str(self) says why, in plain words.

    `detail` keeps what Python or Pillow said, for the JSON report.
    """

    def __init__(self, reason, detail=""):
        super().__init__(reason)
        self.detail = detail


class CannotStart(OptimizeImagesError):
    """The run cannot begin and no file was touched: a missing path, an output
    folder or report that cannot be written, a lock that cannot be created.
    `path` names what is wrong and `cause` says why."""

    def __init__(self, path, cause):
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause


class Locked(OptimizeImagesError):
    """Another live run holds the lock; str(self) names it."""
