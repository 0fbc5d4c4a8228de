"""The only code that writes image files: sibling temporary file, fsync, atomic rename."""

import os
import stat
import tempfile
from typing import Optional

TEMP_PREFIX = ".optimize-images-"
TEMP_SUFFIX = ".tmp"
PROBE_BYTES = 4096  # one page: a full disk refuses it


def is_temporary(name: str) -> bool:
    """True for the temporary files this module creates (discovery skips them)."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def replace_file(path: str, data: bytes, *, like: Optional[os.stat_result] = None,
                 keep_times: bool = True) -> None:
    """Atomically replace `path` with `data`.

    `like` is an os.stat_result whose permission bits (and, with `keep_times`,
    access and modification times) the new file takes. The original is
    untouched until the rename, and the rename happens only after the bytes
    were written, flushed to disk and read back equal.
    """
    temp = _write_temporary(path, data, like, keep_times)
    try:
        os.replace(temp, path)
    except BaseException:
        remove_if_present(temp)
        raise
    _sync_folder(os.path.dirname(path))


def create_file(path: str, data: bytes, *, like: Optional[os.stat_result] = None,
                keep_times: bool = True) -> None:
    """Write a new file at `path`; FileExistsError if something is already there.

    Never overwrites: the temporary file is hard-linked to its final name,
    which fails atomically when the name is taken. Where the file system has
    no hard links, an existence check followed by a rename is the fallback.
    """
    temp = _write_temporary(path, data, like, keep_times)
    try:
        try:
            os.link(temp, path)
        except FileExistsError:
            raise
        except (AttributeError, OSError):  # no hard links here
            if os.path.lexists(path):
                raise FileExistsError(path) from None
            os.replace(temp, path)
    finally:
        remove_if_present(temp)
    _sync_folder(os.path.dirname(path))


def check_can_write(path: str) -> None:
    """Raise OSError unless a file can be written, flushed and read back beside `path`.

    A missing or read-only folder and a full disk show up here, before any work.
    """
    remove_if_present(_write_temporary(path, bytes(PROBE_BYTES), None, False))


def _write_temporary(path: str, data: bytes, like: Optional[os.stat_result],
                     keep_times: bool) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _check_written(temp, data)
        if like is None:
            os.chmod(temp, 0o666 & ~_umask())  # as open() would have made it
        else:
            os.chmod(temp, stat.S_IMODE(like.st_mode))
            if keep_times:
                os.utime(temp, ns=(like.st_atime_ns, like.st_mtime_ns))
    except BaseException:
        remove_if_present(temp)
        raise
    return temp


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _check_written(temp: str, data: bytes) -> None:
    with open(temp, "rb") as handle:
        if handle.read() != data:
            raise OSError(f"the temporary file {temp} does not hold what was written")


def remove_if_present(path: str) -> None:
    """Delete a file; one already gone is no error."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable; not every platform can open a folder."""
    try:
        descriptor = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
