"""EXIF handling through piexif, tolerant of broken blocks."""

import piexif

from .transforms import ORIENTATION_TAG


def clean_exif(raw, *, upright=False):
    """EXIF bytes safe to write again, or None when the block is unusable.

    piexif re-serialises the block, which drops malformed entries it cannot
    parse; a block it cannot load or dump at all is dropped, never fatal.
    With `upright`, the orientation tag is reset to 1 because the pixels were
    already turned.
    """
    if not raw:
        return None
    try:
        exif = piexif.load(raw)
    except Exception:
        return None
    if upright and ORIENTATION_TAG in exif.get("0th", {}):
        exif["0th"][ORIENTATION_TAG] = 1
    for attempt in (exif, _without_thumbnail(exif)):
        try:
            return piexif.dump(attempt)
        except Exception:
            continue
    return None


def _without_thumbnail(exif):
    return {**exif, "thumbnail": None, "1st": {}}
