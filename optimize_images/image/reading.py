"""Reading a file and opening its image: every check made before decoding.

A file is read whole only once its first HEADER_BYTES show an image within
the pixel limit (`check_header`), so that what is no image, or too large,
costs no more than those bytes; the image is then opened (not decoded)
through Pillow, without a JPEG's EXIF block when that block stops Pillow,
or through an optional package (HEIF). What is refused raises `Fail` or
`Skip` with plain words.
"""

import io
import os
import stat
from dataclasses import dataclass
from typing import Optional, Tuple

from PIL import Image, UnidentifiedImageError

from ..common import reasons
from ..common.errors import Fail, Skip
from ..common.settings import Settings
from . import formats
from .metadata import without_jpeg_exif

# What is read of a file before the rest: past the EXIF, ICC and XMP segments of nearly every JPEG.
HEADER_BYTES = 1 << 18


def _raise_pillow_limit(max_pixels: int) -> None:
    """Let Pillow open images up to our own --max-pixels limit, in this process.

    We enforce --max-pixels ourselves before decoding (`check_dimensions`);
    Pillow's global guard would otherwise refuse images above twice its
    default first. This is the one Pillow global we touch, only ever to raise
    it to our limit, and only here: `check_header`, the first place where any
    run, `optimize_bytes` or -i opens a file's bytes, calls it, whatever
    process or thread the work runs in.
    """
    if Image.MAX_IMAGE_PIXELS is not None and max_pixels > Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = max_pixels


@dataclass(frozen=True)
class SourceFile:
    """A source's bytes, and the status of its file when they were read (None for bytes
    given in memory: no file to read, protect or write)."""
    path: str  # the path named, or the name bytes in memory go by
    data: bytes
    status: Optional[os.stat_result] = None

    @property
    def on_disk(self) -> bool:
        return self.status is not None

    @property
    def size(self) -> int:
        """The source's size in bytes (on disk, even when only its header was read)."""
        return self.status.st_size if self.status is not None else len(self.data)


def read_file(path: str, settings: Settings) -> SourceFile:
    """The `SourceFile` of `path`: all its bytes, or only the first HEADER_BYTES when those
    show no image we may decode (then `check_header` on them says why).

    Never opens what is not a regular file (a FIFO would block), and reads
    only the first HEADER_BYTES of what is no image or too large: a 1 GB
    file of zeros named .jpg costs nothing. A file refused from its header
    still has its size, so that it counts.
    """
    if not os.path.lexists(path):
        raise Fail("no such file or folder")
    if not os.path.exists(path):  # a symbolic link to nothing
        raise Fail(f"broken symbolic link: its target {_link_target(path)} does not exist")
    if not os.path.isfile(path):
        raise Fail("not a regular file")
    with open(path, "rb", opener=_open_without_blocking) as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):  # replaced by something else meanwhile
            raise Fail("not a regular file")
        if status.st_size == 0:
            raise Fail("empty file (0 bytes)")
        head = handle.read(HEADER_BYTES)
        if len(head) < HEADER_BYTES or not _passes_header_check(head, settings):
            return SourceFile(path, head, status)  # all of it, or all that is worth reading
        handle.seek(0)
        return SourceFile(path, handle.read(), status)


def _passes_header_check(head: bytes, settings: Settings) -> bool:
    try:
        check_header(head, settings)
    except (Fail, Skip):
        return False
    return True


def _open_without_blocking(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def check_header(head: bytes, settings: Settings) -> None:
    """Refuse from the first bytes what is too large, or no image at all."""
    _raise_pillow_limit(settings.max_pixels)
    try:
        size = Image.open(io.BytesIO(head)).size
    except UnidentifiedImageError:
        if reasons.claimed_format(head) or formats.optional_opener(head):
            return  # perhaps a longer header, a broken EXIF block, HEIF: read it all
        raise Fail(reasons.not_an_image(head)) from None
    except Image.DecompressionBombError as error:
        raise reasons.too_large(settings.max_pixels, error=error) from None
    except Exception:
        return  # reading the whole file tells precisely what is wrong
    check_dimensions(size, settings)


def open_image(data: bytes, settings: Settings) -> Tuple[Image.Image, bool]:
    """(image, whether its EXIF was unreadable): opened, not decoded, within our pixel limit.

    Comes after `check_header`, which let Pillow open images up to that limit.
    """
    try:
        image, exif_unreadable = _open_any(data)
    except UnidentifiedImageError:
        raise Fail(reasons.not_an_image(data)) from None
    except Image.DecompressionBombError as error:
        raise reasons.too_large(settings.max_pixels, error=error) from None
    except (Skip, Fail):
        raise
    except Exception as error:  # a plugin that recognised the file choked on its header
        raise reasons.failure(error, reasons.claimed_format(data), part="header") from None
    check_dimensions(image.size, settings)
    return image, exif_unreadable


def check_dimensions(size: Tuple[int, int], settings: Settings) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise Fail(f"invalid dimensions {width}x{height}")
    if width * height > settings.max_pixels:
        raise reasons.too_large(settings.max_pixels, size=size)


def _open_any(data):
    """(image, whether its EXIF was unreadable), through Pillow, else without the JPEG's EXIF
    block (which can stop Pillow from opening a sound photo), else through the optional
    package of a format Pillow cannot open by itself (HEIF)."""
    try:
        return Image.open(io.BytesIO(data)), False
    except Image.DecompressionBombError:
        raise
    except Exception as error:
        without_exif = _open_without_exif(data)
        if without_exif is not None:
            return without_exif, True
        record = formats.optional_opener(data)
        if not (isinstance(error, UnidentifiedImageError) and record):
            raise
    if not record.opener.register():
        raise Skip(record.opener.missing, problem=True)
    return Image.open(io.BytesIO(data)), False


def _open_without_exif(data: bytes) -> Optional[Image.Image]:
    stripped = without_jpeg_exif(data)
    if stripped is None:
        return None
    try:
        return Image.open(io.BytesIO(stripped))
    except Exception:
        return None


def _link_target(path: str) -> str:
    return os.path.join(os.path.dirname(path), os.readlink(path))
