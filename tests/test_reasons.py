"""Plain reasons: what Pillow raises becomes words people read; what it said stays in the report.

Each broken file is made here so that Pillow itself fails on it the way the issue
saw in fuzzed and real files; the test checks both our words and Pillow's.
"""

import io
import json
import struct
import warnings
import zlib

import PIL
import pytest
from PIL import Image

from optimize_images.image import pipeline, transforms
from optimize_images.common import reasons
from optimize_images.common.results import FAILED, SKIPPED
from optimize_images.common.settings import Settings

from fuzzing import UNPLAIN, seed_images
from helpers import encode, photo, replace_format, run_cli


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def small_png(*extra_chunks):
    """A 4x4 RGB PNG with extra chunks before its image data."""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + b"".join(extra_chunks) + chunk(b"IDAT", zlib.compress(bytes(4 * 13)))
            + chunk(b"IEND", b""))


def gif_cut_inside_its_second_frame():
    """An animated GIF cut just after the extension introducer of its second frame."""
    data = seed_images()["animated.gif"]
    second = data.index(b"\x21\xf9", data.index(b"\x2c") + 1)
    return data[:second + 1]


# name → (bytes, extra settings, our words, a piece of what Pillow said)
KINDS = {
    "truncated.png": (lambda: encode(photo((64, 48)), "PNG")[:3000], {},
                      "truncated PNG data", "image file is truncated"),
    "truncated.jpg": (lambda: encode(photo((64, 48)), "JPEG", quality=95)[:1200], {},
                      "truncated JPEG data", "image file is truncated"),
    "segment_past_the_end.jpg": (
        lambda: b"\xff\xd8\xff\xe1" + struct.pack(">H", 5000) + b"Exif\x00\x00" + bytes(100), {},
        "truncated JPEG header", "Truncated File Read"),
    "short_trns.png": (lambda: small_png(chunk(b"tRNS", b"\x00\x01")), {},
                       "truncated PNG header", "Truncated tRNS chunk"),
    "huge_text.png": (
        lambda: small_png(chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"a" * 3_000_000))),
        {}, "a PNG text chunk too large to read", "ecompressed "),
    "broken_stream.png": (
        lambda: small_png()[:41] + chunk(b"IDAT", b"\x78\x9c" + bytes(range(1, 60))) +
        chunk(b"IEND", b""), {}, "corrupt PNG data", "stream"),
    "garbage_vp8.webp": (
        lambda: b"RIFF" + struct.pack("<I", 52) + b"WEBPVP8 " + struct.pack("<I", 40)
        + bytes(range(40)), {}, "corrupt WEBP header", "could not create decoder object"),
    "cut_frame.gif": (gif_cut_inside_its_second_frame, {}, "corrupt GIF frame", "IndexError"),
}


def what_pillow_says(data):
    """What this Pillow raises opening `data` and decoding every frame ('' if nothing)."""
    try:
        with warnings.catch_warnings(), Image.open(io.BytesIO(data)) as image:
            warnings.simplefilter("ignore")
            for frame in range(getattr(image, "n_frames", 1)):
                image.seek(frame)
                image.load()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return ""


@pytest.mark.parametrize("name", sorted(KINDS))
def test_what_pillow_raises_is_said_in_plain_words(tmp_path, name):
    make, options, words, detail = KINDS[name]
    said = what_pillow_says(make())
    if detail not in said:
        # e.g. Pillow 9.5 has no tRNS length check: it cannot identify that file at all.
        pytest.skip(f"this Pillow ({PIL.__version__}) says {said!r} here, not {detail!r}")
    path = tmp_path / name
    path.write_bytes(make())
    result = pipeline.optimize_file(str(path), Settings(dry_run=True, jobs=1, **options))
    assert result.status == FAILED
    assert result.reason.startswith(words), result.reason
    assert not UNPLAIN.search(result.reason), result.reason
    assert detail in result.detail, result.detail


def test_an_image_too_wide_for_webp_is_left_alone_with_the_reason(tmp_path):
    path = tmp_path / "wide.png"
    path.write_bytes(encode(Image.new("RGB", (20000, 4), "red"), "PNG"))
    result = pipeline.optimize_file(str(path), Settings(convert_to="webp", jobs=1))
    assert result.status == SKIPPED
    assert result.reason == "too large for WebP (at most 16383 pixels a side)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wide.png"]


def test_the_report_keeps_what_pillow_said_and_the_line_does_not(tmp_path):
    make, _, words, detail = KINDS["truncated.png"]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.png").write_bytes(make())
    report = tmp_path / "report.json"
    run = run_cli("--report", report, tmp_path / "in")
    assert run.code == 1
    assert f"FAILED: {words}" in run.err and detail not in run.out + run.err
    record = json.loads(report.read_text())["files"][0]
    assert record["reason"] == words and detail in record["detail"]


def test_a_file_that_only_looks_like_an_image_says_which_format_it_claims(tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    result = pipeline.optimize_file(str(path), Settings(dry_run=True))
    assert result.reason == "not an image: a PNG signature without a valid PNG header"


def test_a_bug_of_ours_is_called_an_internal_error_not_a_corrupt_file(tmp_path, monkeypatch):
    path = tmp_path / "a.png"
    path.write_bytes(encode(photo((32, 24)), "PNG"))

    def broken(image):
        raise AttributeError("a bug")

    monkeypatch.setattr(transforms, "drop_opaque_alpha", broken)
    result = pipeline.optimize_file(str(path), Settings(dry_run=True, jobs=1))
    assert result.status == FAILED
    assert result.reason == "internal error (AttributeError: a bug); please report it"


def test_an_encoder_refusing_is_not_called_a_corrupt_file(tmp_path, monkeypatch):
    path = tmp_path / "a.jpg"
    path.write_bytes(encode(photo((32, 24)), "JPEG", quality=95))
    replace_format(monkeypatch, "JPEG", prepare=lambda image, settings: image.convert("LAB"))
    result = pipeline.optimize_file(str(path), Settings(dry_run=True, jobs=1, quality=80))
    assert result.status == FAILED
    assert result.reason == "Pillow cannot process this JPEG image"
    assert "LAB" in result.detail


def test_system_errors_in_words():
    assert reasons.system_words(OSError(28, "No space left on device")) == \
        "no space left on the device"
    assert reasons.system_words(PermissionError(13, "Permission denied")) == "permission denied"
    assert reasons.system_words(OSError(5, "Input/output error")).startswith("input/output error")
