"""The formats we read and write: one small module each, tables derived from them.

Every format module declares, at its top:
- NAME: Pillow's format name; EXTENSIONS: the suffixes that make discovery
  look at a file (the first is what a file converted to it is named with);
- ROLE: what a source file of the format gets (a `base.Role`: in place,
  convert only, left alone);
- inspect(image, data) → `base.Facts`: what the pipeline needs to know about
  a source file (stored without loss? its quality and subsampling? a reason
  to leave it alone?), from the opened image and the file's bytes.
A format may add describe(image, data) → (label, value) pairs that -i shows.
A format we write also has CODEC (the Pillow feature its encoder needs; None:
always built in), prepare(image, settings) (the image in a mode the format
stores), encode(image, job) → `base.Encoded`, is_marked(image) (whether
we wrote the file: see base.MARKER), and working_memory(job) → (bytes a pixel
the work needs, as benchmarks/memory.py measured them, what the encoding is
called), which --max-memory's estimate reads; one that keeps animations has
encode_animation(source, job); one that Pillow opens only through an optional
package has accept(prefix), register_opener() and OPENER_MISSING.

Registration is the `PLUGINS` tuple below: its order is the order in which
tables and messages list the formats. Nothing is probed at import: whether
this Pillow has a codec is asked when a run needs to know.
"""

import io
import warnings

from PIL import Image, features

from . import avif, bmp, gif, heif, jpeg, mpo, png, tiff, webp
from .base import Encoded, Facts, Job, Role, save_to_bytes  # noqa: F401  (the table's API)

PLUGINS = (jpeg, png, webp, gif, tiff, bmp, avif, heif, mpo)
FORMATS = {plugin.NAME: plugin for plugin in PLUGINS}
# The formats we write, by name.
HANDLERS = {plugin.NAME: plugin for plugin in PLUGINS if hasattr(plugin, "encode")}
IN_PLACE = tuple(plugin.NAME for plugin in PLUGINS if plugin.ROLE is Role.IN_PLACE)
CONVERT_ONLY = tuple(plugin.NAME for plugin in PLUGINS if plugin.ROLE is Role.CONVERT_ONLY)
# Suffixes that make discovery look at a file; its content decides what it is.
IMAGE_EXTENSIONS = tuple(suffix for plugin in PLUGINS for suffix in plugin.EXTENSIONS)


def handler_for(format_name):
    """The module of a format we write, or None."""
    return HANDLERS.get(format_name)


def extension_for(format_name):
    """The suffix a file converted to this format gets."""
    return FORMATS[format_name].EXTENSIONS[0]


def can_write(format_name):
    """True when this Pillow build has the codec to write `format_name`."""
    handler = handler_for(format_name)
    if handler is None:
        return False
    return handler.CODEC is None or _has_feature(handler.CODEC)


def _has_feature(feature):
    with warnings.catch_warnings():  # a Pillow too old to know the name warns
        warnings.simplefilter("ignore")
        return bool(features.check(feature))


def writable_formats():
    return [name for name in HANDLERS if can_write(name)]


def inspect(image, data):
    """The `Facts` of a source file whose format we handle."""
    return FORMATS[image.format].inspect(image, data)


def describe(image, data):
    """What -i tells about a file besides what every image has: (label, value) pairs."""
    plugin = FORMATS.get(image.format)
    return plugin.describe(image, data) if hasattr(plugin, "describe") else ()


def is_marked(image):
    """True when we wrote this file (it carries our marker)."""
    handler = handler_for(image.format)
    return handler is not None and handler.is_marked(image)


def keeps_animations(format_name):
    """True when we can re-save the format's animations frame by frame."""
    return hasattr(HANDLERS.get(format_name), "encode_animation")


def converts_big_photos(format_name):
    """True when -cb converts the big photographic files of this format."""
    return getattr(FORMATS.get(format_name), "CONVERTS_BIG_PHOTOS", False)


def optional_opener(prefix):
    """The module of a format Pillow opens only through an optional package, when the
    file's first bytes are that format's; else None."""
    for plugin in PLUGINS:
        if hasattr(plugin, "accept") and plugin.accept(prefix):
            return plugin
    return None


def decode_check(data, expected_size):
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
