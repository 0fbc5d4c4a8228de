"""HEIC/HEIF input, through the optional pillow-heif package (never required)."""

# The brands of an ISO-BMFF 'ftyp' box that mean HEIF/HEIC still images.
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def looks_like_heif(data):
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def register_opener():
    """Teach Pillow to open HEIF; False when pillow-heif is not installed."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True
