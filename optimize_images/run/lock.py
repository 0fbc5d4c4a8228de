"""One run at a time per tree: a lock file holding the owner's process id."""

import errno
import os
from typing import Iterable, List, Optional

from ..common.errors import CannotStart, Locked
from ..common.reasons import system_words
from ..common.writer import remove_if_present

LOCK_NAME = ".optimize-images.lock"


class TreeLock:
    """Lock files in a set of folders, taken in a stable order and released together.

    A lock whose process is gone (a run killed with SIGKILL, a reboot) is
    stale and taken over. A lock that cannot be created at all (a full disk,
    a folder we may not write to) is a `CannotStart` naming the folder.
    """

    def __init__(self, folders: Iterable[str]) -> None:
        self.paths = sorted({os.path.join(os.path.abspath(f), LOCK_NAME) for f in folders})
        self.held: List[str] = []

    def __enter__(self) -> "TreeLock":
        try:
            for path in self.paths:
                _acquire(path)
                self.held.append(path)
                _remove_stale_pid_files(path)
        except BaseException:
            self.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        while self.held:
            path = self.held.pop()
            if _holder(path) == os.getpid():
                remove_if_present(path)


def _acquire(path: str) -> None:
    for _ in range(2):
        try:
            _create_with_pid(path)
            return
        except FileExistsError:
            holder = _holder(path)
            if holder is not None and _alive(holder):
                raise Locked(f"another optimize-images run (process {holder}) holds {path}")
            remove_if_present(path)  # stale: its process is gone, or the file is unreadable
        except OSError as error:
            raise CannotStart(os.path.dirname(path), f"cannot create the lock file {LOCK_NAME} "
                              f"there: {system_words(error)}") from None
    raise Locked(f"could not take {path}: another run keeps taking it")


def _create_with_pid(path: str) -> None:
    """Create `path` already holding our pid, so no reader ever sees it empty.

    The pid is written to `<path>.<pid>` first, which is then hard-linked to
    `path`; whatever fails, nothing of ours is left behind.
    """
    temp = f"{path}.{os.getpid()}"
    try:
        _write_pid(temp, os.O_TRUNC)
        try:
            os.link(temp, path)
        except FileExistsError:
            raise
        except (AttributeError, OSError):  # no hard links: exclusive create, then write
            _write_pid(path, os.O_EXCL)
    finally:
        remove_if_present(temp)


def _write_pid(path: str, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o644)
    try:
        try:
            os.write(descriptor, f"{os.getpid()}\n".encode())
        finally:
            os.close(descriptor)
    except BaseException:
        remove_if_present(path)  # ours: created just now (O_EXCL) or our own pid file
        raise


def _remove_stale_pid_files(path: str) -> None:
    """Remove the `<lock>.<pid>` files of dead runs (killed between creating and removing one)."""
    folder, prefix = os.path.dirname(path), LOCK_NAME + "."
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        pid = name[len(prefix):]
        if name.startswith(prefix) and pid.isdigit() and not _alive(int(pid)):
            try:
                remove_if_present(os.path.join(folder, name))
            except OSError:  # someone else's, in a sticky folder: not ours to clean
                pass


def _holder(path: str) -> Optional[int]:
    try:
        with open(path) as handle:
            return int(handle.read().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
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
