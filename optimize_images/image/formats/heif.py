"""HEIC/HEIF: read and converted through the optional pillow-heif package (never required).

Pillow cannot open HEIF by itself: `accept` recognises its first bytes and
`register_opener` teaches Pillow, when pillow-heif is installed.
"""

from .base import lossy_source
from .contract import Format, Opener, Role

NAME = "HEIF"
inspect = lossy_source
OPENER_MISSING = ("HEIC/HEIF needs the optional pillow-heif package "
                  "(pip install 'optimize-images[heif]')")

# The brands of an ISO-BMFF 'ftyp' box that mean HEIF/HEIC still images.
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def accept(prefix: bytes) -> bool:
    """True when the file's first bytes are a HEIF still image's."""
    return prefix[4:8] == b"ftyp" and prefix[8:12] in _HEIF_BRANDS


def register_opener() -> bool:
    """Teach Pillow to open HEIF; False when pillow-heif is not installed."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


FORMAT = Format(
    name=NAME, extensions=(".heic", ".heif"), role=Role.CONVERT_ONLY, inspect=inspect,
    opener=Opener(accept=accept, register=register_opener, missing=OPENER_MISSING))
