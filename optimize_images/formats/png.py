"""PNG: lossless re-compression, trying an exact palette when the colours allow."""

from PIL.PngImagePlugin import PngInfo

from ..transforms import exact_palette
from .base import MARKER, MARKER_TEXT, Encoded, save_to_bytes

NAME = "PNG"
EXTENSION = ".png"

_STORABLE_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I")


def prepare(image, settings):
    if image.mode in _STORABLE_MODES:
        return image
    if image.mode == "PA":
        return image.convert("RGBA")
    return image.convert("RGB")


def encode(image, job):
    candidates = [image]
    if not job.settings.fast_mode:
        indexed = exact_palette(image)
        if indexed is not None:
            candidates.append(indexed)
    encodings = [_encode_one(candidate, job) for candidate in candidates]
    return Encoded(min(encodings, key=len))


def _encode_one(image, job):
    return save_to_bytes(
        image, NAME, optimize=True, pnginfo=_marker_chunk(),
        icc_profile=job.icc_profile, exif=job.exif, dpi=job.dpi)


def _marker_chunk():
    info = PngInfo()
    info.add_text("Software", MARKER_TEXT)
    return info


def is_marked(image):
    return str(image.info.get("Software", "")).startswith(MARKER)
