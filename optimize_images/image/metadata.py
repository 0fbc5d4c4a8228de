"""EXIF: checked against its own length, then cleaned through piexif; broken blocks dropped.

piexif trusts what a block declares: an entry claiming 2**31 values makes it
build a struct format of 2**31 characters (4 GB and several seconds) before it
notices the block is 30 bytes long. So every IFD piexif would read is walked
here first, and a block whose entries or IFDs claim more than it holds is
dropped with a reason, before piexif sees it.
"""

import struct
from typing import Any, Dict, List, Optional, Tuple

import piexif

from .transforms import ORIENTATION_TAG

EXIF_HEADER = b"Exif\x00\x00"
# TIFF field types → bytes per value (BYTE, ASCII, SHORT, LONG, RATIONAL, SBYTE,
# UNDEFINED, SSHORT, SLONG, SRATIONAL, FLOAT, DOUBLE).
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
# Pointer tags → (the IFD they point at, the IFD they live in), as piexif follows them.
_SUB_IFDS = {0x8769: ("Exif", "0th"), 0x8825: ("GPS", "0th"), 0xA005: ("Interop", "Exif")}
_JPEG_APP1 = 0xE1
_JPEG_START_OF_SCAN = 0xDA


def clean_exif(raw: Optional[bytes], *, upright: bool = False) -> Optional[bytes]:
    """EXIF bytes safe to write again, or None when the block is unusable.

    piexif re-serialises the block, which drops malformed entries it cannot
    parse; a block it cannot load or dump at all is dropped, never fatal.
    With `upright`, the orientation tag is reset to 1 because the pixels were
    already turned.
    """
    return _cleaned(raw, upright)[0]


def exif_problem(raw: Optional[bytes]) -> Optional[str]:
    """Why `clean_exif` drops this block, in plain words; None when it keeps it (or there is none)."""
    return _cleaned(raw, False)[1]


def _cleaned(raw: Optional[bytes], upright: bool) -> Tuple[Optional[bytes], Optional[str]]:
    if not raw:
        return None, None
    problem = structure_problem(raw)
    if problem:
        return None, problem
    try:
        exif = piexif.load(raw)
    except Exception:
        return None, "piexif cannot read it"
    if upright and ORIENTATION_TAG in exif.get("0th", {}):
        exif["0th"][ORIENTATION_TAG] = 1
    for attempt in (exif, _without_thumbnail(exif)):
        try:
            return piexif.dump(attempt), None
        except Exception:
            continue
    return None, "piexif cannot write it again"


def _without_thumbnail(exif: Dict[str, Any]) -> Dict[str, Any]:
    return {**exif, "thumbnail": None, "1st": {}}


def structure_problem(raw: bytes) -> Optional[str]:
    """What in the block points or reaches past its end, or None when nothing does."""
    tiff = raw[len(EXIF_HEADER):] if raw.startswith(EXIF_HEADER) else raw
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return "no TIFF header"
    order = "<" if tiff[:2] == b"II" else ">"
    pending = [("0th", _unpack(order, "I", tiff, 4))]
    while pending:  # at most five IFDs: the chain piexif follows has no loops
        name, offset = pending.pop()
        problem = _ifd_problem(tiff, order, name, offset, pending)
        if problem:
            return problem
    return None


def _ifd_problem(tiff: bytes, order: str, name: str, offset: int,
                 pending: List[Tuple[str, int]]) -> Optional[str]:
    """Check one IFD; queue the IFDs it points at (as piexif would follow them)."""
    size = len(tiff)
    if offset + 2 > size:
        return f"its {name} IFD lies past the end of the {size:,}-byte block"
    count = _unpack(order, "H", tiff, offset)
    entries_end = offset + 2 + 12 * count
    if entries_end > size:
        return f"its {name} IFD claims {count:,} entries, more than the {size:,}-byte block holds"
    for entry in range(offset + 2, entries_end, 12):
        tag, kind, values = struct.unpack_from(order + "HHI", tiff, entry)
        length = _TYPE_SIZES.get(kind, 0) * values
        if length > 4 and _unpack(order, "I", tiff, entry + 8) + length > size:
            return (f"an entry (tag 0x{tag:04x}) claims {values:,} values, more than the "
                    f"{size:,}-byte block holds")
        target = _SUB_IFDS.get(tag)
        if target and target[1] == name:
            if kind not in (3, 4) or values != 1:  # piexif would follow whatever it holds
                return f"its pointer to the {target[0]} IFD is malformed"
            pending.append((target[0], _unpack(order, "H" if kind == 3 else "I", tiff, entry + 8)))
    if name == "0th" and entries_end + 4 <= size:
        following = _unpack(order, "I", tiff, entries_end)
        if following:
            pending.append(("1st", following))
    return None


def _unpack(order: str, code: str, data: bytes, offset: int) -> int:
    return struct.unpack_from(order + code, data, offset)[0]


def without_jpeg_exif(data: bytes) -> Optional[bytes]:
    """The JPEG with its EXIF segments removed, or None when it has none (or is no JPEG).

    For the photos whose EXIF block stops Pillow from opening them at all.
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    kept, offset, dropped = [data[:2]], 2, False
    while offset + 4 <= len(data) and data[offset] == 0xFF:
        marker = data[offset + 1]
        if marker == _JPEG_START_OF_SCAN:
            break
        end = offset + 2 + struct.unpack_from(">H", data, offset + 2)[0]
        segment = data[offset:end]
        if marker == _JPEG_APP1 and segment[4:10] == EXIF_HEADER:
            dropped = True
        else:
            kept.append(segment)
        offset = end
    return b"".join(kept) + data[offset:] if dropped else None
