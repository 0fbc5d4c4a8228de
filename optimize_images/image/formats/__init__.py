"""The formats we read and write: one small module each, registered by its record.

Each format module ends with `FORMAT`, a `contract.Format` that names what
the format can do (see `contract` for every capability). `FORMATS` below
registers the records, by name; its order is the order in which tables and
messages list the formats. Everything here reads the records, never the
modules. Nothing is probed at import: whether this Pillow has a codec is
asked when a run needs to know.
"""

import io
import warnings
from typing import List, Optional, Tuple, cast

from PIL import Image, ImageSequence, features

from . import avif, bmp, gif, heif, jpeg, mpo, png, tiff, webp
from .base import Details, Encoded, Inspection, Job, NoGain, save_to_bytes  # noqa: F401  (the API)
from .contract import Format, Role  # noqa: F401  (the API)

FORMATS = {module.FORMAT.name: module.FORMAT
           for module in (jpeg, png, webp, gif, tiff, bmp, avif, heif, mpo)}
IN_PLACE = tuple(name for name, record in FORMATS.items() if record.role is Role.IN_PLACE)
CONVERT_ONLY = tuple(name for name, record in FORMATS.items()
                     if record.role is Role.CONVERT_ONLY)
WRITTEN = tuple(name for name, record in FORMATS.items() if record.writes)
# Suffixes that make discovery look at a file; its content decides what it is.
IMAGE_EXTENSIONS = tuple(suffix for record in FORMATS.values() for suffix in record.extensions)


def encoder_for(format_name: Optional[str]) -> Optional[Format]:
    """The `Format` of a format we write, or None."""
    record = _record(format_name)
    return record if record is not None and record.writes else None


def extension_for(format_name: str) -> str:
    """The suffix a file converted to this format gets."""
    return FORMATS[format_name].extensions[0]


def can_write(format_name: str) -> bool:
    """True when this Pillow build has the codec to write `format_name`."""
    record = encoder_for(format_name)
    if record is None:
        return False
    return record.codec is None or _has_feature(record.codec)


def _record(format_name: Optional[str]) -> Optional[Format]:
    """The record of a format by Pillow's name; None for one we do not handle, or for an
    image that has no format (made in memory, not opened)."""
    return FORMATS.get(format_name) if format_name is not None else None


def _has_feature(feature: str) -> bool:
    with warnings.catch_warnings():  # a Pillow too old to know the name warns
        warnings.simplefilter("ignore")
        return bool(features.check(feature))


def writable_formats() -> List[str]:
    return [name for name in WRITTEN if can_write(name)]


def inspect(image: Image.Image, data: bytes) -> Inspection:
    """The `Inspection` of a source file whose format we handle."""
    return FORMATS[cast(str, image.format)].inspect(image, data)


def details(image: Image.Image, data: bytes) -> Details:
    """What -i tells about a file besides what every image has: (label, value) pairs."""
    record = _record(image.format)
    return record.details(image, data) if record is not None and record.details else ()


def is_marked(image: Image.Image) -> bool:
    """True when we wrote this file (it carries our marker)."""
    record = encoder_for(image.format)
    if record is None:
        return False
    assert record.is_marked is not None  # a format we write has it (contract.WRITING)
    return record.is_marked(image)


def keeps_animations(format_name: Optional[str]) -> bool:
    """True when we can re-save the format's animations frame by frame."""
    record = encoder_for(format_name)
    return record is not None and record.encode_animation is not None


def converts_big_photos(format_name: Optional[str]) -> bool:
    """True when -cb converts the big photographic files of this format."""
    record = _record(format_name)
    return record is not None and record.converts_big_photos


def optional_opener(prefix: bytes) -> Optional[Format]:
    """The `Format` Pillow opens only through an optional package, when the file's first
    bytes are that format's; else None."""
    for record in FORMATS.values():
        if record.opener is not None and record.opener.accept(prefix):
            return record
    return None


def decode_check(data: bytes, expected_size: Tuple[int, int]) -> str:
    """Re-open encoded bytes and decode them; their mode, or ValueError if they are not sound.

    Where the format can decode at a reduced scale (JPEG, to 1/8) it does:
    every entropy-coded bit is still read and decoded, so truncation and
    corruption are caught, but the inverse transforms and colour conversion
    of a full-size decode are skipped.
    """
    with Image.open(io.BytesIO(data)) as image:
        if image.size != expected_size:
            raise ValueError(f"decoded size {image.size} differs from {expected_size}")
        mode = image.mode
        image.draft(image.mode, (1, 1))
        image.load()
    return mode


def same_animation(source: Image.Image, data: bytes) -> bool:
    """True when the animation re-saved as `data` renders every frame of `source` the same,
    with the same durations and loop count."""
    with Image.open(io.BytesIO(data)) as copy:
        if (copy.n_frames != source.n_frames  # type: ignore[attr-defined]  # animations have it
                or copy.info.get("loop") != source.info.get("loop")):
            return False
        for original, resaved in zip(ImageSequence.Iterator(source), ImageSequence.Iterator(copy)):
            if original.info.get("duration", 0) != resaved.info.get("duration", 0):
                return False
            if original.convert("RGBA").tobytes() != resaved.convert("RGBA").tobytes():
                return False
    source.seek(0)
    return True
