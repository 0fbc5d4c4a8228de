"""WebP: re-encode with the WebP settings; a lossless source stays lossless."""

from ..transforms import has_alpha
from .base import MARKER, MARKER_TEXT, Encoded, save_to_bytes

_XMP_MARKER = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    f'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="{MARKER_TEXT}"/>'
    '</rdf:RDF></x:xmpmeta>').encode()

NAME = "WEBP"
EXTENSION = ".webp"


def prepare(image, settings):
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if has_alpha(image) else "RGB")


def encode(image, job):
    settings = job.settings
    lossless = settings.webp_lossless or job.lossless_source
    data = save_to_bytes(
        image, NAME,
        quality=100 if lossless else settings.webp_quality,
        lossless=lossless,
        method=settings.webp_method,
        icc_profile=job.icc_profile,
        exif=job.exif,
        xmp=_XMP_MARKER,
    )
    return Encoded(data, quality=None if lossless else settings.webp_quality)


def is_marked(image):
    return MARKER.encode() in (image.info.get("xmp") or b"")


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
