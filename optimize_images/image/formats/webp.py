"""WebP: lossy at the searched quality, or lossless where that is what the source was."""

from PIL import Image

from ..transforms import looks_photographic
from .base import (MARKER_XMP, Details, Encoded, Inspection, Job, WorkingMemory, rgb_or_rgba,
                   save_to_bytes, xmp_is_marked)
from .contract import Format, Role
from .lossy import encode_searched, roundtrip_with

NAME = "WEBP"
MAX_SIDE = 16383  # libwebp's limit, on either side
# The memory the work needs, a pixel (see working_memory): lossy, with or without alpha;
# lossless, by -wm (libwebp's lossless coder needs half as much again at 5 and 6).
BYTES_PER_PIXEL = {"RGB": 23, "RGBA": 26}
LOSSLESS_BYTES_PER_PIXEL = (36, 36, 36, 36, 36, 52, 57)
prepare = rgb_or_rgba
is_marked = xmp_is_marked


def inspect(image: Image.Image, data: bytes) -> Inspection:
    return Inspection(lossless=is_lossless(data))


def details(image: Image.Image, data: bytes) -> Details:
    """What -i tells about a WebP."""
    return (("compression", "lossless" if is_lossless(data) else "lossy"),)


def working_memory(job: Job) -> WorkingMemory:
    """(bytes a pixel of the image that the work needs, what it is), as
    benchmarks/memory.py measured them: libwebp's lossless coder (for -wl, a lossless
    WebP source, a graphic from a lossless source, and for an alpha plane) needs
    more than its lossy one."""
    lossless = LOSSLESS_BYTES_PER_PIXEL[job.settings.webp_method]
    if _encodes_lossless(job):
        return lossless, "lossless WebP"
    if job.source_lossless:  # a graphic also tries lossless: the larger of the two
        return max(lossless, _lossy(job)), "WebP"
    return _lossy(job), "WebP"


def _lossy(job: Job) -> int:
    return BYTES_PER_PIXEL["RGBA" if job.source_alpha else "RGB"]


def _encodes_lossless(job: Job) -> bool:
    return job.settings.webp_lossless or (job.source_lossless and job.source_format == NAME)


def encode(image: Image.Image, job: Job) -> Encoded:
    """Lossless for -wl and lossless WebP sources; else lossy, and for graphics
    (a lossless source that does not look like a photo: flat colours, text)
    also lossless, keeping the smaller."""
    settings = job.settings

    def lossless() -> Encoded:
        return Encoded(save_to_bytes(image, NAME, lossless=True, quality=100,
                                     method=settings.webp_method, icc_profile=job.icc_profile,
                                     exif=job.exif, xmp=MARKER_XMP))

    if _encodes_lossless(job):
        return lossless()
    roundtrip = roundtrip_with(
        NAME, lambda sample, level: {"quality": level, "method": settings.webp_method})
    lossy = encode_searched(image, job, NAME, roundtrip, fixed=settings.webp_quality,
                            method=settings.webp_method)
    if job.source_lossless and not looks_photographic(image):
        return min(lossy, lossless(), key=lambda encoded: len(encoded.data))
    return lossy


def is_lossless(data: bytes) -> bool:
    """True when a WebP file's first image chunk is VP8L (lossless) rather than VP8 (lossy)."""
    offset = 12  # past "RIFF", the size and "WEBP"
    while offset + 8 <= len(data):
        fourcc = data[offset:offset + 4]
        if fourcc in (b"VP8 ", b"VP8L"):
            return fourcc == b"VP8L"
        size = int.from_bytes(data[offset + 4:offset + 8], "little")
        offset += 8 + size + (size & 1)
    return False


FORMAT = Format(
    name=NAME, extensions=(".webp",), role=Role.IN_PLACE, inspect=inspect, details=details,
    label="WebP",
    codec="webp", prepare=prepare, encode=encode, is_marked=is_marked,
    working_memory=working_memory, max_side=MAX_SIDE)
