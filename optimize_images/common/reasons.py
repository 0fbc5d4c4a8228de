"""What went wrong, in plain words, for the one line a file or a run gets.

Pillow says what failed in its own terms ("OSError: Truncated File Read",
"could not create decoder object", an IndexError from a GIF); people get
"truncated PNG data" or "corrupt GIF frame", and the JSON report keeps
Pillow's words as the failure's `detail`.
"""

import errno
import os
import re
from typing import Dict, Optional, Tuple

import PIL

from .errors import Fail

# Keyed by OSError.errno, which is None for an error that no system call raised.
_SYSTEM_WORDS: Dict[Optional[int], str] = {
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

# Pieces of Pillow's messages (lower case) → our words; {what} is e.g. "PNG data".
_PILLOW_WORDS = (
    # Pillow 9.5 says "Decompressed Data Too Large", later ones add "for ...MAX_TEXT_CHUNK".
    ("decompressed data too large", "a {format} text chunk too large to read "
                                    "(a possible decompression bomb)"),
    ("too much memory used in text chunks", "{format} text chunks too large to read "
                                            "(a possible decompression bomb)"),
    ("truncated", "truncated {what}"),
    ("not enough data", "truncated {what}"),
    ("premature end", "truncated {what}"),
    ("requires a buffer", "truncated {what}"),  # struct.error on a short read
    # Decoders: "broken data stream when reading image file", "decoder error -2 when reading
    # image file", "failed to read next frame", "broken PNG file (chunk ...)"...
    ("when reading", "corrupt {what}"),
    ("decoder", "corrupt {what}"),
    ("read next frame", "corrupt {what}"),
    ("broken", "corrupt {what}"),
)
# Exceptions a reader raises on frames it cannot find or decode.
_FRAME_ERRORS = (IndexError, EOFError, KeyError)

# Signatures, so that a file Pillow cannot open is told apart from one that only looks like an image.
_SIGNATURES = ((0, b"\xff\xd8\xff", "JPEG"), (0, b"\x89PNG\r\n\x1a\n", "PNG"), (0, b"GIF8", "GIF"),
               (8, b"WEBP", "WEBP"), (0, b"II*\x00", "TIFF"), (0, b"MM\x00*", "TIFF"),
               (0, b"BM", "BMP"))

_PILLOW_FOLDER = os.path.dirname(PIL.__file__)


def system_words(error: OSError) -> str:
    """An OSError from the system as a short phrase, e.g. 'no space left on the device'."""
    return _SYSTEM_WORDS.get(error.errno) or (error.strerror or str(error)).lower()


def claimed_format(data: bytes) -> Optional[str]:
    """The format a file's first bytes announce (e.g. 'PNG'), or None."""
    for offset, signature, name in _SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            return name
    return None


def not_an_image(data: bytes) -> str:
    """The reason for bytes Pillow cannot identify as any image."""
    claimed = claimed_format(data)
    if claimed:
        return f"not an image: a {claimed} signature without a valid {claimed} header"
    return "not an image, or a format Pillow cannot read"


def too_large(limit: int, *, size: Optional[Tuple[int, int]] = None,
              error: Optional[BaseException] = None) -> Fail:
    """The `Fail` for an image over the --max-pixels `limit`.

    Either its `size` is known, or Pillow refused it first (`error`, a
    DecompressionBombError quoting Pillow's own limit): we say ours.
    """
    if size:
        count = f"{size[0]}x{size[1]} is {size[0] * size[1]:,} pixels"
    else:
        claimed = re.search(r"\((\d+) pixels\)", str(error))
        count = f"{int(claimed.group(1)):,} pixels" if claimed else "more pixels than allowed"
    return Fail(f"too large: {count}, over the limit of {limit:,} (raise it with --max-pixels)",
                detail=detail_of(error) if error else "")


def failure(error: BaseException, format_name: Optional[str] = None, *,
            part: Optional[str] = None) -> Fail:
    """A `Fail` for an exception: plain words, with what Python said as its detail.

    `format_name` is the image's format as far as it is known; `part` says
    what was being read when it happened: "header" while opening, "data"
    while decoding. Without it (later: transforming, encoding), an error
    Pillow raises is not taken for a broken file unless its words say so.
    """
    return Fail(_words(error, format_name or "image", part), detail=detail_of(error))


def detail_of(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _words(error: BaseException, format_name: str, part: Optional[str]) -> str:
    if isinstance(error, MemoryError):
        return "out of memory"
    if isinstance(error, OSError) and error.errno is not None:
        return _system_failure(error)
    if not _raised_by_pillow(error):
        return f"internal error ({detail_of(error)}); please report it"
    message = str(error).lower()
    for piece, words in _PILLOW_WORDS:
        if piece in message:
            return words.format(format=format_name, what=f"{format_name} {part or 'data'}")
    if isinstance(error, _FRAME_ERRORS) and format_name == "GIF":
        return "corrupt GIF frame"
    if part is None:
        return f"Pillow cannot process this {format_name} image"
    return f"corrupt {format_name} {part}"


def _system_failure(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "the file vanished while it was being optimized"
    if isinstance(error, PermissionError):
        return f"permission denied ({error.filename or 'file'})"
    if error.errno == errno.ENOSPC:
        return "no space left on the device: nothing was written"
    return system_words(error)


def _raised_by_pillow(error: BaseException) -> bool:
    """True when the innermost Python frame of the error is Pillow's own code."""
    traceback = error.__traceback__
    if traceback is None:
        return False
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return os.path.dirname(traceback.tb_frame.f_code.co_filename) == _PILLOW_FOLDER
