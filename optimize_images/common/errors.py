"""The exceptions optimize-images raises on purpose: one family, each in plain words.

Every one is an `OptimizeImagesError`, and str(error) is the line to show.
"""


class OptimizeImagesError(Exception):
    """Base of the exceptions this package raises; str(self) is the line to show."""


class Skip(OptimizeImagesError):
    """The file is deliberately left alone; str(self) says why.

    A `problem` is a skip the user may want to fix (an optional package or a
    codec this installation lacks, a name already taken): its line goes to
    stderr with the failures.
    """

    def __init__(self, reason: str, *, problem: bool = False) -> None:
        super().__init__(reason)
        self.problem = problem


class Fail(OptimizeImagesError):
    """The file could not be processed; str(self) says why, in plain words.

    `detail` keeps what Python or Pillow said, for the JSON report.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.detail = detail


class CannotStart(OptimizeImagesError):
    """The run cannot begin and no file was touched: a missing path, an output
    folder or report that cannot be written, a lock that cannot be created.
    `path` names what is wrong and `cause` says why."""

    def __init__(self, path: str, cause: str) -> None:
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause


class Locked(OptimizeImagesError):
    """Another live run holds the lock; str(self) names it."""


class UsageError(OptimizeImagesError):
    """A command line that cannot be run; str(self) is the one line to show."""


class OptionError(UsageError, ValueError):
    """An option has an invalid value, on the command line, in a config file or in a
    Python call; `flag` names it as the user types it (e.g. '-q/--quality').

    A ValueError too, as Python calls with a wrong value expect.
    """

    def __init__(self, flag: str, message: str) -> None:
        super().__init__(f"{flag}: {message}")
        self.flag = flag
