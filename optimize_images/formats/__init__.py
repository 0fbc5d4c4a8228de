"""The table of formats we optimize: one small module per format.

Each format module has the same few names:
- NAME: Pillow's format name; EXTENSION: the suffix a converted file gets;
- prepare(image, settings): the image in a mode this format can store;
- encode(image, job): an `Encoded` result (bytes plus what was chosen).
"""

import io

from PIL import Image, features

from . import jpeg, png, webp
from .base import Encoded, Job, save_to_bytes  # noqa: F401  (the table's API)

HANDLERS = {module.NAME: module for module in (jpeg, png, webp)}

# Suffixes that make discovery look at a file; its content decides what it is.
OPTIMIZED_EXTENSIONS = (".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp")
OTHER_IMAGE_EXTENSIONS = (".gif", ".tif", ".tiff", ".bmp", ".heic", ".heif", ".avif", ".mpo")
IMAGE_EXTENSIONS = OPTIMIZED_EXTENSIONS + OTHER_IMAGE_EXTENSIONS

_CODEC_FEATURES = {"JPEG": "jpg", "PNG": "zlib", "WEBP": "webp"}


def handler_for(format_name):
    return HANDLERS.get(format_name)


def can_write(format_name):
    """True when this Pillow build has the codec to write `format_name`."""
    feature = _CODEC_FEATURES.get(format_name)
    return feature is not None and bool(features.check(feature))


def writable_formats():
    return [name for name in HANDLERS if can_write(name)]


def decode_check(data, expected_size):
    """Re-open encoded bytes and decode them fully; raise ValueError if they are not sound."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if image.size != expected_size:
            raise ValueError(f"decoded size {image.size} differs from {expected_size}")
