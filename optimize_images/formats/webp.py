"""WebP: lossy at the searched quality, or lossless where that is what the source was."""

from ..errors import Skip
from ..transforms import looks_photographic
from .base import (MARKER_XMP, Encoded, Facts, Role, encode_searched, rgb_or_rgba,
                   roundtrip_with, save_to_bytes, xmp_is_marked)

NAME = "WEBP"
EXTENSIONS = (".webp",)
ROLE = Role.IN_PLACE
CODEC = "webp"
MAX_SIDE = 16383  # libwebp's limit, on either side
is_marked = xmp_is_marked


def inspect(image, data):
    return Facts(lossless=is_lossless(data))


def describe(image, data):
    """What -i tells about a WebP."""
    return (("compression", "lossless" if is_lossless(data) else "lossy"),)


def prepare(image, settings):
    if max(image.size) > MAX_SIDE:
        raise Skip(f"too large for WebP (at most {MAX_SIDE} pixels a side)")
    return rgb_or_rgba(image, settings)


def encode(image, job):
    """Lossless for -wl and lossless WebP sources; else lossy, and for graphics
    (a lossless source that does not look like a photo: flat colours, text)
    also lossless, keeping the smaller."""
    settings = job.settings

    def lossless():
        return Encoded(save_to_bytes(image, NAME, lossless=True, quality=100,
                                     method=settings.webp_method, icc_profile=job.icc_profile,
                                     exif=job.exif, xmp=MARKER_XMP))

    if settings.webp_lossless or (job.source_lossless and job.source_format == NAME):
        return lossless()
    roundtrip = roundtrip_with(
        NAME, lambda sample, level: {"quality": level, "method": settings.webp_method})
    lossy = encode_searched(image, job, NAME, roundtrip, fixed=settings.webp_quality,
                            method=settings.webp_method)
    if job.source_lossless and not looks_photographic(image):
        return min(lossy, lossless(), key=lambda encoded: len(encoded.data))
    return lossy


def is_lossless(data):
    """True when a WebP file's first image chunk is VP8L (lossless) rather than VP8 (lossy)."""
    offset = 12  # past "RIFF", the size and "WEBP"
    while offset + 8 <= len(data):
        fourcc = data[offset:offset + 4]
        if fourcc in (b"VP8 ", b"VP8L"):
            return fourcc == b"VP8L"
        size = int.from_bytes(data[offset + 4:offset + 8], "little")
        offset += 8 + size + (size & 1)
    return False
