"""PNG: lossless re-compression, trying an exact palette when the colours allow."""

from PIL.PngImagePlugin import PngInfo

from ..transforms import exact_palette, reduce_colors
from .base import MARKER, MARKER_TEXT, Encoded, Facts, Role, save_to_bytes

NAME = "PNG"
EXTENSIONS = (".png", ".apng")
ROLE = Role.IN_PLACE
CODEC = "zlib"
BYTES_PER_PIXEL = 11  # the memory the work needs, a pixel (see working_memory)
# -cb converts the big photographic files of this format (to JPEG, or -cf's target).
CONVERTS_BIG_PHOTOS = True

_STORABLE_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I")


def inspect(image, data):
    """Lossless; a 16-bit colour PNG is refused: Pillow would keep only 8 bits per channel."""
    if _bit_depth(data) == 16 and image.mode in ("RGB", "RGBA"):
        return Facts(lossless=True,
                     refusal="16-bit colour PNG: Pillow would keep only 8 bits per channel")
    return Facts(lossless=True)


def _bit_depth(data):
    return data[24] if len(data) > 25 else None  # IHDR's bit-depth byte


def prepare(image, settings):
    """-rc's adaptive palette, then a mode PNG stores."""
    if settings.reduce_colors:
        image = reduce_colors(image, settings.max_colors)
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


def working_memory(job):
    """(bytes a pixel of the image that the work needs, what it is), as
    benchmarks/memory.py measured them."""
    return BYTES_PER_PIXEL, "PNG"


def is_marked(image):
    return str(image.info.get("Software", "")).startswith(MARKER)
