"""The per-file pipeline, through the API: pixels, metadata and safety."""

import struct
import tracemalloc
import zlib

import pytest
from PIL import Image, ImageCms, ImageStat

from optimize_images.image import pipeline, rules
from optimize_images.api import optimize
from optimize_images.run.report import result_line
from optimize_images.common.results import FAILED, OPTIMIZED, SKIPPED
from optimize_images.common.settings import Settings

from helpers import SizeOnly, opened, photo, replace_format, write

ORIENTATION = 0x0112
# Stored pixels for orientation o are the upright picture turned by the inverse
# of what the EXIF tag asks a viewer to do.
STORE_AS = {
    1: (), 2: (Image.Transpose.FLIP_LEFT_RIGHT,), 3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,), 5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_90,), 7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_270,),
}


def quadrant_picture():
    """Upright 120×80 picture with a different flat colour in each quadrant."""
    image = Image.new("RGB", (120, 80))
    colors = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (230, 230, 40)]
    for index, color in enumerate(colors):
        x, y = (index % 2) * 60, (index // 2) * 40
        image.paste(color, (x, y, x + 60, y + 40))
    return image, colors


def quadrant_colors(image):
    width, height = image.size
    boxes = [(0, 0, width // 2, height // 2), (width // 2, 0, width, height // 2),
             (0, height // 2, width // 2, height), (width // 2, height // 2, width, height)]
    return [tuple(round(v) for v in ImageStat.Stat(image.convert("RGB").crop(box)).mean)
            for box in boxes]


def close(color_a, color_b, tolerance=25):
    return all(abs(a - b) <= tolerance for a, b in zip(color_a, color_b))


def oriented_jpeg(path, orientation):
    upright, colors = quadrant_picture()
    stored = upright
    for method in STORE_AS[orientation]:
        stored = stored.transpose(method)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    write(path, stored, quality=98, exif=exif.tobytes())
    return colors


@pytest.mark.parametrize("orientation", range(1, 9))
def test_stripping_exif_bakes_the_orientation_into_the_pixels(tmp_path, orientation):
    path = tmp_path / f"o{orientation}.jpg"
    colors = oriented_jpeg(path, orientation)
    outcome = optimize(str(path), quality=60, no_comparison=True)
    assert outcome.results[0].status == OPTIMIZED
    result = opened(path)
    assert result.size == (120, 80)
    assert ORIENTATION not in result.getexif()
    assert all(close(a, b) for a, b in zip(quadrant_colors(result), colors))


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_keeping_exif_keeps_pixels_and_orientation_tag(tmp_path, orientation):
    path = tmp_path / "o.jpg"
    oriented_jpeg(path, orientation)
    stored_size = opened(path).size
    optimize(str(path), quality=60, no_comparison=True, keep_exif=True)
    result = opened(path)
    assert result.size == stored_size
    assert result.getexif()[ORIENTATION] == orientation


def exif_with_camera():
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Model 1"  # Model
    return exif.tobytes()


def test_exif_is_stripped_by_default_and_kept_on_request(tmp_path):
    stripped = write(tmp_path / "a.jpg", photo(), quality=95, exif=exif_with_camera())
    kept = write(tmp_path / "b.jpg", photo(), quality=95, exif=exif_with_camera())
    optimize(str(stripped))
    optimize(str(kept), keep_exif=True)
    assert "exif" not in opened(stripped).info
    assert opened(kept).getexif()[0x010F] == "TestCam"


def test_unparseable_exif_is_dropped_not_fatal(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=95, exif=b"Exif\x00\x00II*\x00garbage")
    outcome = optimize(str(path), keep_exif=True)
    assert outcome.results[0].status == OPTIMIZED
    assert opened(path).size == (320, 240)


def srgb_profile():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("name, image", [
    ("a.jpg", photo()), ("a.png", photo()), ("a.webp", photo()),
])
def test_icc_profile_is_kept(tmp_path, name, image):
    params = {"quality": 95} if name.endswith(".jpg") else {}
    if name.endswith(".webp"):
        params = {"quality": 100, "method": 0}
    profile = srgb_profile()  # holds its creation time: make it once
    path = write(tmp_path / name, image, icc_profile=profile, **params)
    optimize(str(path), no_comparison=True)
    assert opened(path).info.get("icc_profile") == profile


def test_cmyk_jpeg_stays_cmyk_and_looks_the_same(tmp_path):
    original = photo().convert("CMYK")
    path = write(tmp_path / "cmyk.jpg", original, quality=98)
    before = opened(path)
    outcome = optimize(str(path))
    assert outcome.results[0].status == OPTIMIZED
    after = opened(path)
    assert after.mode == "CMYK"
    assert all(close(a, b, 12) for a, b in zip(quadrant_colors(before), quadrant_colors(after)))


def pixels(image):
    return image.convert("RGBA").tobytes()


def test_palette_png_with_transparency_is_lossless(tmp_path):
    image = photo((64, 64)).quantize(16)
    image.info["transparency"] = 3
    path = write(tmp_path / "p.png", image, transparency=3)
    before = opened(path)
    optimize(str(path), no_comparison=True)
    after = opened(path)
    assert pixels(after) == pixels(before)


def test_rgba_png_is_lossless_and_may_become_an_exact_palette(tmp_path):
    image = Image.new("RGB", (200, 200), (10, 20, 30))
    image.paste((200, 100, 50), (50, 50, 150, 150))
    path = write(tmp_path / "flat.png", image, compress_level=0)
    optimize(str(path))
    after = opened(path)
    assert after.mode == "P"
    assert pixels(after) == pixels(image)


def test_sixteen_bit_gray_png_keeps_its_depth(tmp_path):
    image = Image.linear_gradient("L").resize((64, 64)).point(lambda v: v * 256 + 3, "I")
    image = image.convert("I;16")
    path = write(tmp_path / "g16.png", image, compress_level=0)
    optimize(str(path), no_comparison=True)
    after = opened(path)
    assert after.mode in ("I;16", "I")  # Pillow 9.5 opens 16-bit grayscale PNG as "I"
    assert after.convert("I").tobytes() == image.convert("I").tobytes()
    assert after.getextrema()[1] > 255


def test_sixteen_bit_gray_png_of_eight_bit_values_becomes_eight_bit(tmp_path):
    """PNG scales samples to the full range: 257·k at 16 bits is k at 8 bits."""
    eight = Image.linear_gradient("L").resize((64, 64))
    image = eight.point(lambda v: v * 257, "I").convert("I;16")
    path = write(tmp_path / "g16.png", image, compress_level=0)
    optimize(str(path))
    after = opened(path)
    assert after.mode == "L" and after.tobytes() == eight.tobytes()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def sixteen_bit_rgb_png(width=8, height=8):
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    row = b"\x00" + b"".join(struct.pack(">HHH", x * 8000, 1000, 65535 - x * 8000)
                             for x in range(width))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(row * height, 0)) + png_chunk(b"IEND", b""))


def test_sixteen_bit_colour_png_is_left_alone(tmp_path):
    path = tmp_path / "rgb16.png"
    path.write_bytes(sixteen_bit_rgb_png())
    outcome = optimize(str(path), no_comparison=True)
    assert outcome.results[0].status == SKIPPED
    assert "16-bit" in outcome.results[0].reason
    assert path.read_bytes() == sixteen_bit_rgb_png()


def test_lossless_webp_stays_lossless(tmp_path):
    image = photo((96, 96))
    path = write(tmp_path / "l.webp", image, lossless=True, method=0)
    optimize(str(path), no_comparison=True)
    assert pixels(opened(path)) == pixels(image)


def test_animated_files_are_left_untouched(tmp_path):
    frames = [photo((64, 64), seed=s) for s in range(3)]
    path = tmp_path / "anim.webp"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    original = path.read_bytes()
    result = optimize(str(path), no_comparison=True).results[0]
    assert result.status == SKIPPED and "frames" in result.reason
    assert path.read_bytes() == original


def test_content_decides_the_format_not_the_name(tmp_path):
    path = write(tmp_path / "really_png.jpg", photo((64, 64)), "PNG", compress_level=0)
    result = optimize(str(path)).results[0]
    assert result.status == OPTIMIZED and result.format == "PNG"
    assert opened(path).format == "PNG"


def test_a_result_that_is_not_smaller_is_not_written(tmp_path):
    path = write(tmp_path / "small.jpg", photo(), quality=30)
    original = path.read_bytes()
    result = optimize(str(path), quality=95).results[0]
    assert result.status == SKIPPED and "not be smaller" in result.reason
    assert path.read_bytes() == original


def test_a_file_changed_during_the_work_is_left_alone(tmp_path, monkeypatch):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    real_encode = pipeline.formats.decode_check

    def encode_then_someone_writes(data, size):
        path.write_bytes(b"new upload")
        return real_encode(data, size)

    monkeypatch.setattr(pipeline.formats, "decode_check", encode_then_someone_writes)
    result = optimize(str(path)).results[0]
    assert result.status == SKIPPED and "changed" in result.reason
    assert path.read_bytes() == b"new upload"


def test_a_broken_encoder_result_is_never_written(tmp_path, monkeypatch):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    original = path.read_bytes()
    real_save = pipeline.formats.jpeg.save_to_bytes
    monkeypatch.setattr(pipeline.formats.jpeg, "save_to_bytes",
                        lambda *a, **k: real_save(*a, **k)[:2000])
    result = optimize(str(path)).results[0]
    assert result.status == FAILED
    assert path.read_bytes() == original


def test_output_dir_mirrors_the_tree_and_leaves_sources_alone(tmp_path):
    source = tmp_path / "in"
    first = write(source / "a.jpg", photo(), quality=95)
    second = write(source / "sub" / "b.png", photo((64, 64)), compress_level=0)
    originals = {p: p.read_bytes() for p in (first, second)}
    outcome = optimize(str(source), output_dir=str(tmp_path / "out"))
    assert [r.status for r in outcome.results] == [OPTIMIZED, OPTIMIZED]
    assert opened(tmp_path / "out" / "a.jpg").format == "JPEG"
    assert opened(tmp_path / "out" / "sub" / "b.png").format == "PNG"
    assert all(p.read_bytes() == data for p, data in originals.items())


def test_dry_run_writes_nothing_but_reports_savings(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    original = path.read_bytes()
    outcome = optimize(str(tmp_path), dry_run=True)
    assert outcome.summary.saved > 0
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg"]


def test_mode_bits_and_modification_time_are_kept(tmp_path):
    import os
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    os.chmod(path, 0o604)
    os.utime(path, (1_600_000_000, 1_600_000_000))
    optimize(str(path))
    assert os.stat(path).st_mode & 0o777 == 0o604
    assert os.stat(path).st_mtime == 1_600_000_000


def test_resizing_keeps_the_aspect_ratio():
    from optimize_images.image.transforms import fit_within
    image = Image.new("RGB", (400, 100))
    assert fit_within(image, 200, 0).size == (200, 50)
    assert fit_within(image, 0, 20).size == (80, 20)
    assert fit_within(image, 1000, 1000).size == (400, 100)


def test_the_pixel_limit_refuses_before_decoding(tmp_path):
    path = write(tmp_path / "a.png", photo((100, 100)))
    result = optimize(str(path), max_pixels=5000).results[0]
    assert result.status == FAILED and "--max-pixels" in result.reason


def test_a_missing_file_fails_with_a_reason():
    result = pipeline.optimize_file("/nonexistent/x.jpg", Settings())
    assert result.status == FAILED and result.reason == "no such file or folder"


# --- What a file costs before it is known to be an image worth decoding -------------------

def png_header(width, height):
    """A PNG's signature, IHDR and the start of an IDAT chunk that claims the rest of the file."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr
            + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
            + struct.pack(">I", 0x7FFFFFFF) + b"IDAT")


def peak_python_memory(function):
    tracemalloc.start()
    try:
        return function(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("header, reason", [
    (b"", "not an image, or a format Pillow cannot read"),
    (png_header(60000, 60000), "too large: 3,600,000,000 pixels, over the limit of 89,478,485 "
                               "(raise it with --max-pixels)"),
    (png_header(10000, 9000), "too large: 10000x9000 is 90,000,000 pixels, over the limit of "
                              "89,478,485 (raise it with --max-pixels)"),
])
def test_a_big_file_is_refused_from_its_header_without_reading_the_rest(tmp_path, header, reason):
    path = tmp_path / "big.jpg"
    with open(path, "wb") as handle:
        handle.write(header)
        handle.truncate(64 << 20)  # sparse where the file system allows
    result, peak = peak_python_memory(lambda: pipeline.optimize_file(str(path), Settings()))
    assert result.status == FAILED and result.reason == reason
    assert peak < 4_000_000, f"{peak:,} bytes read for a refused file"


def test_the_pixel_limit_is_said_with_our_limit_when_pillow_refuses_first(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header(100_000, 100_000) + bytes(1000))
    default = pipeline.optimize_file(str(path), Settings())
    assert default.reason == ("too large: 10,000,000,000 pixels, over the limit of 89,478,485 "
                              "(raise it with --max-pixels)")
    assert "178956970" not in default.reason and "178956970" in default.detail
    assert "over the limit of 1,000 " in pipeline.optimize_file(str(path), Settings(max_pixels=1000)).reason


def test_with_keep_exif_a_dropped_block_is_noted_on_the_line(tmp_path):
    broken = (b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01"
              + struct.pack(">HHII", 0x0112, 3, 1 << 31, 20) + bytes(4))
    path = write(tmp_path / "a.jpg", photo((96, 72)), quality=95, exif=broken)
    kept = pipeline.optimize_file(str(path), Settings(keep_exif=True, dry_run=True))
    assert kept.status == OPTIMIZED
    assert kept.note == ("EXIF dropped: an entry (tag 0x0112) claims 2,147,483,648 values, "
                         "more than the 26-byte block holds")
    assert result_line(kept).endswith(f"({kept.note})")
    assert pipeline.optimize_file(str(path), Settings(dry_run=True)).note == ""


def test_a_file_refused_from_its_header_still_reports_its_size(tmp_path):
    path = tmp_path / "text.jpg"
    path.write_text("not a picture")
    result = pipeline.optimize_file(str(path), Settings())
    assert result.status == FAILED and "not an image" in result.reason
    assert (result.size_before, result.size_after) == (13, None)  # on disk, unchanged


# --- --max-memory: refused before encoding, by an estimate -----------------------------------

def estimate_allows(mode, target, side, **options):
    from optimize_images.image import formats
    from optimize_images.common.errors import Fail

    settings = Settings(**options)
    handler = formats.encoder_for(target)
    job = formats.Job(settings=settings, source_format="PNG", source_size=1,
                      source_lossless=True, source_alpha=mode == "RGBA")
    try:
        rules.check_memory(SizeOnly((side, side), mode), handler, job, settings)
    except Fail as refusal:
        assert "--max-memory 1000 MB" in str(refusal)
        return False
    return True


LARGEST_DEFAULT = 9459  # the largest square --max-pixels lets in by default (89.5 MP)


@pytest.mark.parametrize("mode, target, options, allowed", [
    ("RGB", "JPEG", {}, True),  # a camera's largest photo, in place: about 1 GB
    ("RGBA", "PNG", {}, True),
    ("RGB", "PNG", {}, True),
    ("RGBA", "WEBP", {"convert_to": "webp", "webp_lossless": True}, False),  # measured 4.9 GB
    ("RGBA", "WEBP", {"convert_to": "webp"}, False),  # 2.3 GB
    ("RGB", "WEBP", {"convert_to": "webp"}, False),
    ("RGB", "AVIF", {"convert_to": "avif"}, False),
])
def test_the_default_memory_bound_lets_in_the_largest_jpeg_and_png_not_webp(
        mode, target, options, allowed):
    assert estimate_allows(mode, target, LARGEST_DEFAULT, **options) is allowed


def test_an_image_over_max_memory_fails_before_encoding(tmp_path, monkeypatch):
    def must_not_run(image, job):
        raise AssertionError("encoded")

    replace_format(monkeypatch, "WEBP", encode=must_not_run)
    path = write(tmp_path / "a.png", photo((400, 300)))
    result = pipeline.optimize_file(str(path), Settings(convert_to="webp", max_memory=1))
    assert result.status == FAILED
    assert result.reason.startswith("too large to encode as WebP within --max-memory 1 MB: "
                                    "400x300 RGB needs about ")
    assert result.reason.endswith(" MB (raise --max-memory, or shrink it with -mw/-mh)")


def test_lossless_webp_at_the_slowest_methods_is_counted_at_their_cost():
    """libwebp's lossless coder took 36 bytes a pixel at -wm 4 and 57 at -wm 6."""
    options = {"convert_to": "webp", "webp_lossless": True}
    assert estimate_allows("RGBA", "WEBP", 5000, **options)
    assert not estimate_allows("RGBA", "WEBP", 5000, webp_method=6, **options)


def test_memory_is_estimated_at_the_size_after_max_width():
    """-mw 2000 -cf webp on a camera's largest photo encodes a 2000 px wide image."""
    assert estimate_allows("RGB", "WEBP", LARGEST_DEFAULT, convert_to="webp", max_width=2000)


def test_flattening_for_jpeg_is_counted_before_it_happens(tmp_path, monkeypatch):
    """An RGBA PNG made JPEG peaked at 1.6 GB at 89.5 MP, flattening before the encoder."""
    from optimize_images.common import modes
    from optimize_images.image.formats import jpeg

    def must_not_run(*args, **kwargs):
        raise AssertionError("flattened")

    monkeypatch.setattr(modes, "flatten", must_not_run)
    monkeypatch.setattr(jpeg, "flatten", must_not_run)
    image = photo((400, 300)).convert("RGBA")
    image.putalpha(128)
    path = write(tmp_path / "a.png", image)
    result = pipeline.optimize_file(str(path), Settings(convert_to="jpeg", max_memory=1))
    assert result.status == FAILED and "--max-memory" in result.reason
    assert not estimate_allows("RGBA", "JPEG", LARGEST_DEFAULT, convert_to="jpeg")
