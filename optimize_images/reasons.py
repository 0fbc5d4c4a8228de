"""What went wrong, in plain words, for the one line a file or a run gets."""

import errno

_SYSTEM_WORDS = {
    errno.ENOSPC: "no space left on the device",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
    errno.EEXIST: "it already exists",
    errno.EIO: "input/output error (a failing disk or connection?)",
    errno.ENAMETOOLONG: "the name is too long",
}
if hasattr(errno, "EDQUOT"):
    _SYSTEM_WORDS[errno.EDQUOT] = "disk quota exceeded"


def system_words(error):
    """An OSError from the system as a short phrase, e.g. 'no space left on the device'."""
    return _SYSTEM_WORDS.get(error.errno) or (error.strerror or str(error)).lower()
