"""The table of formats: one small module per format we write.

Each format module has the same few names:
- NAME: Pillow's format name; EXTENSION: the suffix a converted file gets;
- prepare(image, settings): the image in a mode this format can store;
- encode(image, job): an `Encoded` result (bytes plus what was chosen);
- is_marked(image): whether we wrote this file (see base.MARKER).
A format that can keep animations also has encode_animation(source, job).
"""

import io
import warnings

from PIL import Image, features

from . import avif, gif, jpeg, png, webp
from .base import Encoded, Job, save_to_bytes  # noqa: F401  (the table's API)

HANDLERS = {module.NAME: module for module in (jpeg, png, webp, gif, avif)}
# Optimized where they are; the other formats we read are only converted.
IN_PLACE = ("JPEG", "PNG", "WEBP", "GIF")
CONVERT_ONLY = ("TIFF", "BMP", "AVIF", "HEIF")
# Sources stored without loss (a lossless WebP is told apart by its bytes).
LOSSLESS_SOURCES = ("PNG", "GIF", "BMP", "TIFF")

# Suffixes that make discovery look at a file; its content decides what it is.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".webp", ".gif", ".tif",
                    ".tiff", ".bmp", ".avif", ".heic", ".heif", ".mpo")

# The Pillow feature each writer needs; None: always built in.
_CODEC_FEATURES = {"JPEG": "jpg", "PNG": "zlib", "WEBP": "webp", "GIF": None, "AVIF": "avif"}


def handler_for(format_name):
    return HANDLERS.get(format_name)


def can_write(format_name):
    """True when this Pillow build has the codec to write `format_name`."""
    if format_name not in _CODEC_FEATURES:
        return False
    feature = _CODEC_FEATURES[format_name]
    return feature is None or _has_feature(feature)


def _has_feature(feature):
    with warnings.catch_warnings():  # a Pillow too old to know the name warns
        warnings.simplefilter("ignore")
        return bool(features.check(feature))


def writable_formats():
    return [name for name in HANDLERS if can_write(name)]


def decode_check(data, expected_size):
    """Re-open encoded bytes and decode them; raise ValueError if they are not sound.

    Where the format can decode at a reduced scale (JPEG, to 1/8) it does:
    every entropy-coded bit is still read and decoded, so truncation and
    corruption are caught, but the inverse transforms and colour conversion
    of a full-size decode are skipped.
    """
    with Image.open(io.BytesIO(data)) as image:
        if image.size != expected_size:
            raise ValueError(f"decoded size {image.size} differs from {expected_size}")
        image.draft(image.mode, (1, 1))
        image.load()
