"""One run at a time per tree: a lock file holding the owner's process id."""

import errno
import os

LOCK_NAME = ".optimize-images.lock"


class Locked(Exception):
    """Another live run holds the lock; str(self) names it."""


class TreeLock:
    """Lock files in a set of folders, taken in a stable order and released together.

    A lock whose process is gone (a run killed with SIGKILL, a reboot) is
    stale and taken over.
    """

    def __init__(self, folders):
        self.paths = sorted({os.path.join(os.path.abspath(f), LOCK_NAME) for f in folders})
        self.held = []

    def __enter__(self):
        try:
            for path in self.paths:
                _acquire(path)
                self.held.append(path)
        except BaseException:
            self.release()
            raise
        return self

    def __exit__(self, *exc):
        self.release()

    def release(self):
        while self.held:
            path = self.held.pop()
            if _holder(path) == os.getpid():
                _remove(path)


def _acquire(path):
    for _ in range(2):
        try:
            _create_with_pid(path)
            return
        except FileExistsError:
            holder = _holder(path)
            if holder is not None and _alive(holder):
                raise Locked(f"another optimize-images run (process {holder}) holds {path}")
            _remove(path)  # stale: its process is gone, or the file is unreadable
    raise Locked(f"could not take {path}: another run keeps taking it")


def _create_with_pid(path):
    """Create `path` already holding our pid, so no reader ever sees it empty."""
    temp = f"{path}.{os.getpid()}"
    with open(temp, "w") as handle:
        handle.write(f"{os.getpid()}\n")
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except (AttributeError, OSError):  # no hard links: exclusive create, then write
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"{os.getpid()}\n")
    finally:
        _remove(temp)


def _holder(path):
    try:
        with open(path) as handle:
            return int(handle.read().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    except OSError as error:
        return error.errno != errno.ESRCH
    return True


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
