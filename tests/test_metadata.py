"""EXIF blocks are checked against their own length before piexif reads them; broken ones
are dropped with a reason, cheaply, and a sound block is kept as it was."""

import struct
import tracemalloc

import piexif
import pytest

from optimize_images.image.metadata import (clean_exif, exif_problem, structure_problem,
                                            without_jpeg_exif)

from helpers import encode, photo

SHORT, LONG, ASCII = 3, 4, 2


def block(entries, extra=b"", following=0):
    """A big-endian EXIF block: one IFD at offset 8, then `extra`."""
    return (b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", len(entries))
            + b"".join(struct.pack(">HHI", *entry[:3]) + entry[3] for entry in entries)
            + struct.pack(">I", following) + extra)


def camera_exif():
    return piexif.dump({
        "0th": {piexif.ImageIFD.Make: b"Camera", piexif.ImageIFD.Orientation: 6,
                piexif.ImageIFD.XResolution: (300, 1)},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:02:03 04:05:06",
                 piexif.ExifIFD.InteroperabilityTag: 0},
        "GPS": {piexif.GPSIFD.GPSAltitude: (1200, 1)},
        "1st": {piexif.ImageIFD.XResolution: (72, 1)},
        "thumbnail": encode(photo((32, 24)), "JPEG"),
    })


def test_a_sound_block_is_kept_with_everything_in_it():
    raw = camera_exif()
    assert structure_problem(raw) is None and exif_problem(raw) is None
    kept = piexif.load(clean_exif(raw))
    assert kept["0th"][piexif.ImageIFD.Make] == b"Camera"
    assert kept["Exif"][piexif.ExifIFD.DateTimeOriginal] == b"2021:02:03 04:05:06"
    assert kept["GPS"][piexif.GPSIFD.GPSAltitude] == (1200, 1)
    assert kept["thumbnail"]


def test_a_block_without_its_exif_header_is_read_too():
    assert structure_problem(camera_exif()[6:]) is None


@pytest.mark.parametrize("raw, problem", [
    (block([(0x0112, SHORT, 1 << 31, struct.pack(">I", 20))]),
     "an entry (tag 0x0112) claims 2,147,483,648 values, more than the 26-byte block holds"),
    (block([(0x010F, ASCII, 5000, struct.pack(">I", 20))]),
     "an entry (tag 0x010f) claims 5,000 values"),
    (b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x7f\xff" + bytes(30),
     "its 0th IFD claims 32,767 entries"),
    (block([(0x8769, LONG, 1, struct.pack(">I", 10_000))]), "its Exif IFD lies past the end"),
    (block([(0x8825, LONG, 1, struct.pack(">I", 8))], following=9_000),
     "its 1st IFD lies past the end"),
    (block([(0x8769, LONG, 2, struct.pack(">I", 8))]), "its pointer to the Exif IFD is malformed"),
    (b"Exif\x00\x00XX\x00\x2a", "no TIFF header"),
])
def test_what_a_block_claims_beyond_its_length_is_named(raw, problem):
    assert problem in structure_problem(raw)
    assert clean_exif(raw) is None and problem in exif_problem(raw)


def test_an_interop_ifd_reached_through_an_exif_ifd_at_the_same_offset_is_checked():
    """piexif reads the IFD at offset 8 as 0th, then again as Exif, then follows its
    Interop pointer: that IFD is checked too."""
    raw = block([(0x8769, LONG, 1, struct.pack(">I", 8)),
                 (0xA005, LONG, 1, struct.pack(">I", 50_000))])
    assert "its Interop IFD lies past the end" in structure_problem(raw)


def test_a_huge_claim_costs_no_memory():
    raw = block([(0x0112, SHORT, (1 << 32) - 1, struct.pack(">I", 20))])
    tracemalloc.start()
    try:
        assert clean_exif(raw) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"{peak:,} bytes for a 26-byte block"


def test_the_exif_segment_is_cut_out_of_a_jpeg_and_nothing_else():
    data = encode(photo((32, 24)), "JPEG", exif=camera_exif(), icc_profile=b"icc" * 10)
    stripped = without_jpeg_exif(data)
    assert b"Exif\x00\x00" in data and b"Exif\x00\x00" not in stripped
    assert b"ICC_PROFILE" in stripped and len(data) - len(stripped) == len(camera_exif()) + 4
    assert without_jpeg_exif(stripped) is None and without_jpeg_exif(b"\x89PNG") is None
