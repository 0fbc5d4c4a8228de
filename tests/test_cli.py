"""The command line, flag by flag, through main(argv, stdout=..., stderr=...).

Each flag is shown by its effect on files the test makes; results are read on
stdout, failures and problems on stderr. Only the module entry point is run as
a subprocess. The last test makes sure every flag is named somewhere in this file.
"""

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from optimize_images import __version__
from optimize_images.cli import ACTIONS, main
from optimize_images.image.formats import heif
from optimize_images.common.options import options_of
from optimize_images.run.report import human_size
from optimize_images.common.settings import Settings

from helpers import (encode, line_for, lines_naming, opened, photo, run_cli,
                     without_optional_package, write)

REPO = Path(__file__).resolve().parents[1]
MARKER = b"optimize-images"  # every file we write carries it
SMALL = (160, 120)  # photos whose size does not matter: small keeps the suite quick
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


# --- Images and small helpers --------------------------------------------------------------
def graphic(size=(160, 120)):
    """Flat colours and lines: few distinct colours, as logos and screenshots have."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for index in range(8):
        left, top = index * size[0] // 10, index * size[1] // 12
        draw.rectangle((left, top, left + size[0] // 4, top + size[1] // 4),
                       fill=(index * 30, 255 - index * 30, index * 70 % 256))
    draw.ellipse((size[0] // 3, 10, size[0] - 10, size[1] - 10), outline="black", width=3)
    return image


def see_through(size=(96, 96)):
    """An RGBA photo whose alpha runs from 0 (left) to 255 (right)."""
    image = photo(size).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").rotate(90).resize(size))
    return image


def half_transparent(size=(48, 48)):
    """Left half opaque green, right half fully transparent blue."""
    image = Image.new("RGBA", size, (0, 0, 255, 0))
    image.paste((0, 255, 0, 255), (0, 0, size[0] // 2, size[1]))
    return image


def big_photo_png(path):
    """A photographic PNG over -cb's 300 kB threshold (400x300, stored uncompressed)."""
    return write(path, photo((400, 300), seed=3), compress_level=0)


def tables(path):
    return [list(table) for _, table in sorted(opened(path).quantization.items())]


def reference_tables(quality):
    """The quantization tables libjpeg (through Pillow) writes at this quality."""
    with Image.open(io.BytesIO(encode(photo(), "JPEG", quality=quality))) as image:
        return [list(table) for _, table in sorted(image.quantization.items())]


def quality_in(line):
    match = re.search(r"  q(\d+)(  |$)", line)
    return int(match.group(1)) if match else None


def snapshot(folder):
    """{relative path: bytes} of every file below `folder`, hidden ones included."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def summary_counts(run):
    match = re.search(r"^(\d+) files?: (\d+) optimized, (\d+) skipped, (\d+) failed", run.out, re.M)
    assert match, run.out
    return tuple(int(group) for group in match.groups())


class Terminal(io.StringIO):
    """A stdout that says it is a terminal, so the progress bar is drawn."""

    def isatty(self):
        return True


# mozjpeg's default quantization table (jcparam.c, table 3, by N. Robidoux), for luma
# and chroma alike, in natural order; scaled below as libjpeg's jpeg_quality_scaling does.
ROBIDOUX = [16, 16, 16, 18, 25, 37, 56, 85, 16, 17, 20, 27, 34, 40, 53, 75,
            16, 20, 24, 31, 43, 62, 91, 135, 18, 27, 31, 40, 53, 74, 106, 156,
            25, 34, 43, 53, 69, 94, 131, 189, 37, 40, 62, 74, 94, 124, 169, 238,
            56, 53, 91, 106, 131, 169, 226, 311, 85, 75, 135, 156, 189, 238, 311, 418]


def robidoux_at(quality):
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(255, max(1, (value * scale + 50) // 100)) for value in ROBIDOUX]


def report_of(tmp_path, *argv):
    """(the run, its JSON records by path)."""
    report = tmp_path / "report.json"
    run = run_cli("--report", report, *argv)
    return run, {record["path"]: record for record in json.loads(report.read_text())["files"]}


def folder_bytes(folder):
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()
               and not path.name.startswith("."))

# --- Paths, order, summary, exit status ----------------------------------------------------
def test_files_and_folders_are_taken_in_the_order_given_and_sorted_within(tmp_path):
    folder = tmp_path / "folder"
    for name in ("z.jpg", "B.jpg", "a.jpg", "sub/c.jpg", "sub/A.jpg"):  # made out of order
        write(folder / name, photo(SMALL, seed=len(name)), quality=95)
    single = write(tmp_path / "single.jpg", photo(SMALL), quality=95)
    run = run_cli("-jobs", "2", single, folder)
    listed = [line.split("  ")[0] for line in run.out.splitlines() if "  JPEG/" in line]
    expected = [single] + [folder / name for name in ("B.jpg", "a.jpg", "z.jpg", "sub/A.jpg",
                                                      "sub/c.jpg")]
    assert listed == [str(path) for path in expected]
    assert run.code == 0


def test_each_line_says_what_happened_and_the_summary_adds_up(tmp_path):
    done = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    left = write(tmp_path / "b.png", Image.new("RGB", (8, 8), "red"), optimize=True)
    broken = tmp_path / "c.jpg"
    broken.write_text("not a picture")
    sizes = {path: path.stat().st_size for path in (done, left, broken)}
    report = tmp_path / "report.json"

    run = run_cli("--report", report, tmp_path)

    after = done.stat().st_size
    line = line_for(run, done)
    match = re.fullmatch(re.escape(str(done)) + r"  JPEG/RGB  ([\d.]+) kB -> ([\d.]+) kB  "
                         r"-([\d.]+)%  q(\d+)  sample ssim=0\.\d{4}", line)
    assert match, line
    assert float(match.group(1)) == pytest.approx(sizes[done] / 1000, abs=0.05)
    assert float(match.group(2)) == pytest.approx(after / 1000, abs=0.05)
    assert float(match.group(3)) == pytest.approx(100 * (1 - after / sizes[done]), abs=0.05)
    assert tables(done) == [robidoux_at(int(match.group(4)))] * 2  # the quality it says it used
    assert re.fullmatch(re.escape(str(left)) + r"  PNG/RGB  skipped: .*not be smaller.*",
                        line_for(run, left))
    assert line_for(run, broken) == (
        f"{broken}  FAILED: not an image, or a format Pillow cannot read")

    assert summary_counts(run) == (3, 1, 1, 1)
    before_total, after_total = sum(sizes.values()), after + sizes[left] + sizes[broken]
    totals = re.search(r"^([\d.]+) kB -> ([\d.]+) kB, saved ([\d.]+) kB \(([\d.]+)%\)$",
                       run.out, re.M)
    assert totals, run.out
    assert float(totals.group(1)) == pytest.approx(before_total / 1000, abs=0.05)
    assert float(totals.group(2)) == pytest.approx(after_total / 1000, abs=0.05)
    assert float(totals.group(3)) == pytest.approx((before_total - after_total) / 1000, abs=0.05)
    assert re.search(r"^\d+\.\d s(, \d+\.\d files/s)?$", run.out, re.M)
    summary = json.loads(report.read_text())["summary"]
    assert (summary["bytes_before"], summary["bytes_after"]) == (before_total, after_total)
    assert run.code == 1


@pytest.mark.parametrize("scenario, status", [
    ("optimized", 0), ("skipped", 0), ("optimized and skipped", 0),
    ("optimized and failed", 1), ("failed", 1)])
def test_exit_status(tmp_path, scenario, status):
    if "optimized" in scenario:
        write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    if "skipped" in scenario:
        write(tmp_path / "b.png", Image.new("RGB", (8, 8), "red"), optimize=True)
    if "failed" in scenario:
        (tmp_path / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    run = run_cli(tmp_path)
    assert run.code == status, run.out
    seen, optimized, skipped, failed = summary_counts(run)
    assert (optimized > 0, skipped > 0, failed > 0) == (
        "optimized" in scenario, "skipped" in scenario, "failed" in scenario)


def test_a_folder_without_images_is_not_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    run = run_cli(tmp_path)
    assert run.code == 0 and summary_counts(run) == (0, 0, 0, 0)

# --- Discovery -----------------------------------------------------------------------------
@pytest.mark.parametrize("flag", ["-nr", "--no-recursion"])
def test_no_recursion_leaves_subfolders_alone(tmp_path, flag):
    top = write(tmp_path / "top.jpg", photo(SMALL), quality=95)
    deep = write(tmp_path / "sub" / "deep.jpg", photo(SMALL), quality=95)
    top_before, deep_before = top.read_bytes(), deep.read_bytes()
    run = run_cli(flag, tmp_path)
    assert top.read_bytes() != top_before and deep.read_bytes() == deep_before
    assert lines_naming(run, deep) == [] and summary_counts(run)[0] == 1
    run_cli(tmp_path)  # without the flag the subfolder is optimized too
    assert deep.read_bytes() != deep_before


def test_exclude_matches_names_and_paths_below_the_folder(tmp_path):
    kept = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    by_name = write(tmp_path / "sub" / "raw_1.jpg", photo(SMALL), quality=95)
    by_path = write(tmp_path / "originals" / "b.jpg", photo(SMALL), quality=95)
    untouched = {p: p.read_bytes() for p in (by_name, by_path)}
    run = run_cli("--exclude", "raw_*", "--exclude", "originals/*", tmp_path)
    assert all(path.read_bytes() == data and not lines_naming(run, path)
               for path, data in untouched.items())
    assert "  JPEG/RGB  " in line_for(run, kept) and summary_counts(run)[0] == 1

# --- Sizes, colours, metadata --------------------------------------------------------------
@pytest.mark.parametrize("flags, size", [
    (["-mw", "100"], (100, 50)),
    (["-mh", "20"], (40, 20)),
    (["--max-width", "300", "--max-height", "50"], (100, 50)),  # the tighter limit wins
    (["-mw", "1000", "-mh", "1000"], (400, 200)),  # never enlarged
])
@pytest.mark.parametrize("name", ["a.jpg", "a.png", "a.webp"])
def test_max_width_and_height_keep_the_aspect_ratio(tmp_path, flags, size, name):
    path = write(tmp_path / name, photo((400, 200)), quality=95)
    run = run_cli(*flags, "-nc", path)
    assert run.code == 0 and opened(path).size == size


@pytest.mark.parametrize("flag", ["-fm", "--fast-mode"])
def test_fast_mode_uses_quality_80_without_a_search(tmp_path, flag):
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=98)
    line = line_for(run_cli(flag, path), path)
    assert quality_in(line) == 80 and "ssim=" not in line  # no metric: nothing was searched
    assert tables(path) == [robidoux_at(80)] * 2  # -jt auto: mozjpeg's table


def test_fast_mode_writes_the_png_palette_without_the_trials(tmp_path):
    searched = write(tmp_path / "a.png", graphic(), compress_level=0)
    fast = write(tmp_path / "b.png", graphic(), compress_level=0)
    run_cli(searched)
    run_cli("-fm", fast)
    assert opened(searched).mode == opened(fast).mode == "P"
    for path in (searched, fast):  # lossless either way
        assert opened(path).convert("RGB").tobytes() == graphic().tobytes()
    assert fast.stat().st_size >= searched.stat().st_size


def camera_exif(orientation):
    exif = Image.Exif()
    exif[0x010F] = "TestMake"
    exif[0x0110] = "TestModel"
    exif[0x0112] = orientation
    return exif.tobytes()


def red_corner_photo():
    """A photo with a red top-left corner, to see where the corner ends up."""
    image = photo()
    image.paste((255, 0, 0), (0, 0, 40, 40))
    return image


@pytest.mark.parametrize("flag", ["-ke", "--keep-exif"])
def test_keep_exif_keeps_the_tags_and_the_orientation(tmp_path, flag):
    path = write(tmp_path / "a.jpg", red_corner_photo(), quality=95, exif=camera_exif(6))
    run = run_cli(flag, path)
    assert run.code == 0
    image = opened(path)
    exif = image.getexif()
    assert (exif[0x010F], exif[0x0110], exif[0x0112]) == ("TestMake", "TestModel", 6)
    assert image.size == (320, 240) and image.getpixel((5, 5))[0] > 200  # pixels as stored


@pytest.mark.parametrize("flag", ["-g", "--grayscale"])
def test_grayscale(tmp_path, flag):
    jpeg = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    png = write(tmp_path / "b.png", see_through())
    run = run_cli(flag, tmp_path)
    assert run.code == 0
    assert opened(jpeg).mode == "L"
    result = opened(png)
    assert result.mode == "LA"  # still transparent
    assert result.getchannel("A").getextrema() == see_through().getchannel("A").getextrema()


@pytest.mark.parametrize("flag", ["-nc", "--no-comparison"])
def test_no_comparison_keeps_a_result_that_is_not_smaller(tmp_path, flag):
    path = write(tmp_path / "tiny.png", Image.new("RGB", (8, 8), "red"), optimize=True)
    original = path.read_bytes()
    compared = run_cli(path)
    assert "skipped: the result would not be smaller" in line_for(compared, path)
    assert path.read_bytes() == original
    kept = run_cli(flag, path)
    assert kept.code == 0 and "skipped" not in line_for(kept, path)
    written = path.read_bytes()
    assert len(written) >= len(original) and MARKER in written
    assert opened(path).convert("RGB").tobytes() == Image.new("RGB", (8, 8), "red").tobytes()


def test_a_result_that_grew_is_shown_as_growth_not_as_a_double_minus(tmp_path):
    path = write(tmp_path / "tiny.png", Image.new("RGB", (8, 8), "red"), optimize=True)
    line = line_for(run_cli("-nc", path), path)
    assert re.search(r"  [+-]?\d+\.\d%", line), line
    assert "--" not in line.split("  ", 1)[1], line  # e.g. "74 B -> 121 B  --63.5%"


@pytest.mark.parametrize("max_colors", [2, 16, 256])
def test_reduce_colors_gives_a_small_palette_that_keeps_transparency(tmp_path, max_colors):
    path = write(tmp_path / "a.png", see_through())
    run = run_cli("-rc", "-mc", max_colors, path)
    assert run.code == 0
    result = opened(path)
    assert result.mode == "P"
    rgba = result.convert("RGBA")
    assert len(rgba.getcolors(1 << 16)) <= max_colors
    assert "transparency" in result.info  # the palette kept its alpha...
    assert rgba.getchannel("A").getextrema()[0] < 128  # ...and the see-through part shows it


def test_reduce_colors_on_an_opaque_png(tmp_path):
    path = write(tmp_path / "a.png", photo((96, 96)))
    run_cli("--reduce-colors", "--max-colors", "8", path)
    result = opened(path)
    assert result.mode == "P" and "transparency" not in result.info
    assert len(result.convert("RGB").getcolors(1 << 16)) <= 8


def test_reduce_colors_leaves_an_image_that_fits_the_palette_exact(tmp_path):
    path = write(tmp_path / "a.png", graphic(), compress_level=0)  # 10 colours
    run_cli("-rc", "-mc", "16", path)
    assert opened(path).mode == "P"
    assert opened(path).convert("RGB").tobytes() == graphic().tobytes()


def test_reduce_colors_on_sixteen_bit_grey_keeps_its_transparent_level(tmp_path):
    levels = Image.linear_gradient("L").resize((64, 64))
    image = levels.point(lambda v: v * 256 + 7, "I")
    key = 40000
    image.paste(key, (32, 0, 64, 64))  # the right half transparent (pasted in mode I:
    try:                               # Pillow pastes 16448 for any number into I;16)
        path = write(tmp_path / "g16.png", image.convert("I;16"), transparency=key)
    except OSError:  # Pillow 9.5 writes 16-bit grey with a key from mode I only
        path = write(tmp_path / "g16.png", image, transparency=key)
    run_cli("-rc", "-mc", "8", "-nc", path)
    rgba = opened(path).convert("RGBA")
    assert rgba.getpixel((40, 10))[3] == 0 and rgba.getpixel((10, 10))[3] == 255
    grey, expected = rgba.getpixel((10, 60))[0], image.getpixel((10, 60)) / 257
    assert abs(grey - expected) < 40 and len(rgba.getcolors(256)) <= 8


def test_max_colors_alone_changes_nothing(tmp_path):
    path = write(tmp_path / "a.png", see_through())
    run_cli("-mc", "4", "-nc", path)
    assert MARKER in path.read_bytes()
    assert opened(path).tobytes() == see_through().tobytes()  # no palette without -rc


@pytest.mark.parametrize("colour", [["-hbg", "#f00"], ["-hbg", "f00"], ["-hbg", "ff0000"],
                                    ["--hex-background", "FF0000"], ["-bg", "255", "0", "0"],
                                    ["--background", "255", "0", "0"]])
def test_remove_transparency_flattens_over_the_background(tmp_path, colour):
    path = write(tmp_path / "a.png", half_transparent())
    run = run_cli("-rt", *colour, "-nc", path)
    assert run.code == 0
    result = opened(path)
    assert result.mode in ("RGB", "P") and "transparency" not in result.info
    flat = result.convert("RGB")
    assert flat.getpixel((40, 5)) == (255, 0, 0)  # was transparent
    assert flat.getpixel((5, 5)) == (0, 255, 0)  # was opaque: unchanged


def test_remove_transparency_defaults_to_white(tmp_path):
    path = write(tmp_path / "a.png", half_transparent())
    run_cli("--remove-transparency", "-nc", path)
    assert opened(path).convert("RGB").getpixel((40, 5)) == (255, 255, 255)


def test_background_alone_keeps_transparency(tmp_path):
    path = write(tmp_path / "a.png", see_through())
    run_cli("-bg", "255", "0", "0", "-nc", path)
    assert MARKER in path.read_bytes()  # rewritten...
    assert opened(path).tobytes() == see_through().tobytes()  # ...with every pixel as it was

# --- Conversion ----------------------------------------------------------------------------
def test_convert_big_converts_a_big_photo_png_only(tmp_path):
    big = big_photo_png(tmp_path / "big.png")
    small_graphic = write(tmp_path / "logo.png", graphic((64, 64)), compress_level=0)
    big_graphic = write(tmp_path / "poster.png", graphic((400, 300)), compress_level=0)
    small_photo = write(tmp_path / "thumb.png", photo((128, 128)), compress_level=0)
    assert big_graphic.stat().st_size > 300_000 > small_photo.stat().st_size
    big_before = big.read_bytes()

    run = run_cli("-cb", tmp_path)

    assert run.code == 0
    converted = tmp_path / "big.jpg"
    assert "PNG->JPEG" in line_for(run, big) and f"=> {converted}" in line_for(run, big)
    assert opened(converted).format == "JPEG" and opened(converted).size == (400, 300)
    assert big.read_bytes() == big_before  # the source stays without -fd
    for path in (small_graphic, big_graphic, small_photo):
        assert "  PNG/" in line_for(run, path) and opened(path).format == "PNG"
        assert not path.with_suffix(".jpg").exists()


def test_convert_all_makes_jpegs_and_keeps_the_pngs(tmp_path):
    png = write(tmp_path / "a.png", photo((128, 128)))
    jpeg = write(tmp_path / "b.jpg", photo(SMALL), quality=95)
    png_before = png.read_bytes()
    run = run_cli("-ca", tmp_path)
    assert run.code == 0
    assert opened(tmp_path / "a.jpg").format == "JPEG" and png.read_bytes() == png_before
    assert "JPEG->" not in line_for(run, jpeg)  # already the target: optimized in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "a.png", "b.jpg"]


def test_converting_transparency_to_jpeg_uses_the_background(tmp_path):
    write(tmp_path / "a.png", half_transparent())
    run = run_cli("-ca", "-nc", "-bg", "0", "0", "255", tmp_path)
    assert run.code == 0
    red, green, blue = opened(tmp_path / "a.jpg").getpixel((40, 5))
    assert blue > 200 and red < 40 and green < 40


def test_convert_to_webp_implies_convert_all(tmp_path):
    png = write(tmp_path / "a.png", photo((128, 128)))
    jpeg = write(tmp_path / "b.jpg", photo(SMALL), quality=95)
    before = {png: png.read_bytes(), jpeg: jpeg.read_bytes()}
    run = run_cli("-cf", "webp", tmp_path)
    assert run.code == 0
    for source in (png, jpeg):
        assert opened(source.with_suffix(".webp")).format == "WEBP"
        assert source.read_bytes() == before[source]
        assert "->WEBP" in line_for(run, source)


def test_convert_to_png(tmp_path):
    jpeg = write(tmp_path / "a.jpg", photo((64, 64)), quality=95)
    run = run_cli("--convert-to", "png", "-nc", jpeg)
    assert run.code == 0 and opened(tmp_path / "a.png").format == "PNG"


def test_convert_big_to_webp_converts_only_the_big_photo(tmp_path):
    big = big_photo_png(tmp_path / "big.png")
    small = write(tmp_path / "small.png", photo((64, 64)), compress_level=0)
    run = run_cli("-cb", "-cf", "webp", tmp_path)
    assert run.code == 0
    assert opened(big.with_suffix(".webp")).format == "WEBP"
    assert not small.with_suffix(".webp").exists()


@pytest.mark.parametrize("target, extension", [("jpeg", ".jpg"), ("webp", ".webp"),
                                               ("png", ".png")])
def test_a_conversion_never_overwrites_a_file_of_the_target_name(tmp_path, target, extension):
    source = write(tmp_path / "a.bmp" if target == "png" else tmp_path / "a.png",
                   photo((128, 128)))
    taken = tmp_path / f"a{extension}"
    taken.write_bytes(b"someone else's file")
    source_before = source.read_bytes()
    run = run_cli("-cf", target, source)  # named alone: the taken file is not a candidate
    assert run.code == 0  # a deliberate skip
    assert f"skipped: a{extension} already exists" in line_for(run, source)
    assert taken.read_bytes() == b"someone else's file" and source.read_bytes() == source_before


def test_force_delete_removes_only_verified_conversions(tmp_path):
    converted = big_photo_png(tmp_path / "shot.png")
    graphic = write(tmp_path / "logo.png", Image.new("RGB", (64, 64), "red"), compress_level=0)
    run = run_cli("-cb", "-fd", tmp_path)
    assert run.code == 0, run.out
    assert not converted.exists() and opened(tmp_path / "shot.jpg").format == "JPEG"
    assert graphic.exists() and not (tmp_path / "logo.jpg").exists()  # optimized, not converted


def test_force_delete_keeps_the_source_when_the_target_name_is_taken(tmp_path):
    source = big_photo_png(tmp_path / "shot.png")
    taken = tmp_path / "shot.jpg"
    taken.write_bytes(b"someone else's file")
    run = run_cli("-ca", "-fd", tmp_path)
    assert "already exists" in run.err  # a problem the user may fix: on stderr
    assert source.exists() and taken.read_bytes() == b"someone else's file"


def test_force_delete_keeps_the_source_when_the_conversion_is_not_smaller(tmp_path):
    source = write(tmp_path / "a.png", half_transparent((8, 8)), optimize=True)
    before = source.read_bytes()
    run = run_cli("-ca", "-fd", source)
    assert "skipped" in line_for(run, source) and run.code == 0
    assert source.read_bytes() == before and not (tmp_path / "a.jpg").exists()


def test_force_delete_never_deletes_when_the_written_file_does_not_decode(tmp_path, monkeypatch):
    from optimize_images.image import pipeline
    source = big_photo_png(tmp_path / "shot.png")

    def broken_check(path):
        raise OSError("cannot decode")

    monkeypatch.setattr(pipeline, "_delete_source_after_check",
                        lambda path, output: broken_check(output))
    run = run_cli("-ca", "-fd", tmp_path)
    assert run.code == 1 and source.exists()


def test_force_delete_keeps_the_source_when_the_disk_loses_the_new_file(
        tmp_path, monkeypatch):
    from optimize_images.common import writer
    source = write(tmp_path / "a.png", photo((128, 128)))
    before = source.read_bytes()
    real_create = writer.create_file

    def create_truncated(path, data, **kwargs):  # a disk that loses the end of the file
        return real_create(path, data[:len(data) // 2], **kwargs)

    monkeypatch.setattr(writer, "create_file", create_truncated)
    run = run_cli("-ca", "-fd", "-jobs", "1", source)
    assert run.code == 1 and "FAILED" in line_for(run, source)
    assert source.read_bytes() == before


def test_force_delete_without_conversion_deletes_nothing(tmp_path):
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    run = run_cli("-fd", path)
    assert run.code == 0 and opened(path).format == "JPEG"
    assert [p.name for p in tmp_path.iterdir()] == ["a.jpg"]

# --- WebP ----------------------------------------------------------------------------------
def webp_source(path, size=SMALL):
    return write(path, photo(size), quality=100, method=0)


def test_webp_quality_is_the_quality_encoded(tmp_path):
    path = webp_source(tmp_path / "a.webp")
    decoded = opened(path).convert("RGB")
    run = run_cli("-wq", "50", path)
    assert quality_in(line_for(run, path)) == 50
    reference = Image.open(io.BytesIO(encode(decoded, "WEBP", quality=50,
                                             method=Settings().webp_method)))
    assert opened(path).convert("RGB").tobytes() == reference.convert("RGB").tobytes()


def test_webp_quality_changes_the_size(tmp_path):
    low, high = webp_source(tmp_path / "low.webp"), webp_source(tmp_path / "high.webp")
    run_cli("--webp-quality", "30", low)
    run_cli("--webp-quality", "90", high)
    assert low.stat().st_size < high.stat().st_size


@pytest.mark.parametrize("flag", ["-wl", "--webp-lossless"])
def test_webp_lossless_keeps_every_pixel(tmp_path, flag):
    path = webp_source(tmp_path / "a.webp", (64, 64))  # lossless at effort 6 is slow
    before = opened(path).convert("RGB").tobytes()
    run = run_cli(flag, "-nc", path)
    assert run.code == 0 and b"VP8L" in path.read_bytes()
    assert opened(path).convert("RGB").tobytes() == before


@pytest.mark.parametrize("flag", ["-wm", "--webp-method"])
def test_webp_method_changes_the_encoding(tmp_path, flag):
    fast, slow = webp_source(tmp_path / "fast.webp"), webp_source(tmp_path / "slow.webp")
    run_cli("-wq", "60", flag, "0", fast)
    run_cli("-wq", "60", flag, "6", slow)
    assert fast.read_bytes() != slow.read_bytes()
    assert opened(fast).size == opened(slow).size == SMALL

# --- JPEG tables and the quality search ----------------------------------------------------
@pytest.mark.parametrize("flag, choice", [("-jt", "mozjpeg"), ("--jpeg-tables", "mozjpeg3")])
def test_mozjpeg_tables(tmp_path, flag, choice):
    standard = write(tmp_path / "s.jpg", photo(SMALL), quality=98)
    mozjpeg = write(tmp_path / "m.jpg", photo(SMALL), quality=98)
    run_cli("-q", "80", flag, "standard", standard)
    run_cli("-q", "80", flag, choice, mozjpeg)
    assert tables(standard) == reference_tables(80)
    assert tables(mozjpeg) == [robidoux_at(80)] * 2
    assert tables(mozjpeg) != tables(standard)


def searched(tmp_path, *flags, name="a.jpg", size=(320, 240)):
    path = write(tmp_path / name, photo(size), quality=98)
    run = run_cli(*flags, path)
    assert run.code == 0, run.out
    return line_for(run, path), path


def test_min_and_max_quality_bound_the_search(tmp_path):
    line, path = searched(tmp_path, "--min-quality", "70", "--max-quality", "70")
    assert quality_in(line) == 70 and tables(path) == [robidoux_at(70)] * 2
    assert quality_in(searched(tmp_path, "--min-quality", "90", name="b.jpg")[0]) >= 90
    assert quality_in(searched(tmp_path, "--max-quality", "60", name="c.jpg")[0]) <= 60


def test_target_sets_the_bar_the_search_must_reach(tmp_path):
    easy = quality_in(searched(tmp_path, "--target", "0.5")[0])
    hard = quality_in(searched(tmp_path, "--target", "0.995", name="b.jpg")[0])
    assert easy == 50  # everything passes: the lowest quality of the range
    assert hard > easy


def test_presets_order_the_quality(tmp_path):
    chosen = [quality_in(searched(tmp_path, "--preset", preset, name=f"{preset}.jpg")[0])
              for preset in ("low", "medium", "high", "veryhigh")]
    assert chosen == sorted(chosen) and chosen[0] < chosen[-1]


@pytest.mark.parametrize("metric, low, high", [("ssim", 50, 95), ("ms-ssim", 50, 95),
                                               ("sad", 75, 80)])
def test_metric_names_what_the_search_measured(tmp_path, metric, low, high):
    line, _ = searched(tmp_path, "--metric", metric)
    assert re.search(rf"  sample {metric}=\d\.\d{{4}}", line), line
    assert low <= quality_in(line) <= high


def test_sample_chooses_what_the_search_encodes(tmp_path):
    # Bigger than the tile mosaic, so tiles and thumbnail are different samples.
    tiles, _ = searched(tmp_path, "--sample", "tiles", size=(640, 480))
    thumbnail, _ = searched(tmp_path, "--sample", "thumbnail", name="b.jpg", size=(640, 480))
    assert tiles.split("  ")[-2:] != thumbnail.split("  ")[-2:]  # quality and metric value


def test_ssim_min_keeps_the_original_when_the_result_falls_below(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=98)
    original = path.read_bytes()
    run = run_cli("-q", "10", "-ssm", "0.99", path)
    assert run.code == 0 and "below --ssim-min 0.99" in run.out
    assert path.read_bytes() == original
    accepted = run_cli("-q", "90", "--ssim-min", "0.5", path)
    assert "full ssim=0." in accepted.out and path.read_bytes() != original


def test_show_ssim_measures_lossy_results_only(tmp_path):
    photo_path = write(tmp_path / "a.jpg", photo(), quality=98)
    graphic = write(tmp_path / "b.png", Image.new("RGB", (64, 64), "red"), compress_level=0)
    run = run_cli("--show-ssim", photo_path, graphic)
    lines = run.out.splitlines()
    assert "full ssim=" in lines[0] and "full ssim=" not in lines[1]
    assert "full ssim=" not in run_cli("--no-show-ssim", "--force", photo_path).out

# --- Keeping results -----------------------------------------------------------------------
def test_min_savings(tmp_path):
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=98)
    original = path.read_bytes()
    refused = run_cli("--min-savings", "99", path)
    assert refused.code == 0
    assert "skipped: the result would save only" in line_for(refused, path)
    assert path.read_bytes() == original
    accepted = run_cli("--min-savings", "50", path)
    assert accepted.code == 0 and path.stat().st_size < len(original) / 2


def test_max_pixels(tmp_path):
    path = write(tmp_path / "a.png", photo((200, 100)), compress_level=0)
    original = path.read_bytes()
    refused = run_cli("--max-pixels", "19999", path)
    assert refused.code == 1 and "FAILED: too large" in line_for(refused, path)
    assert path.read_bytes() == original
    accepted = run_cli("--max-pixels", "20000", path)
    assert accepted.code == 0 and path.read_bytes() != original


def test_modification_time_is_kept_unless_asked(tmp_path):
    kept = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    updated = write(tmp_path / "b.jpg", photo(SMALL), quality=95)
    for path in (kept, updated):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    run_cli(kept)
    started = time.time()
    run_cli("--update-mtime", updated)
    assert kept.stat().st_mtime == 1_000_000_000
    assert updated.stat().st_mtime >= started - 2

# --- Where results go ----------------------------------------------------------------------
def test_output_dir_with_conversion_never_deletes_a_source(tmp_path):
    source = write(tmp_path / "src" / "a.png", photo((128, 128)))
    before = source.read_bytes()
    run = run_cli("--output-dir", tmp_path / "out", "-ca", "-fd", source.parent)
    assert run.code == 0 and source.read_bytes() == before
    assert opened(tmp_path / "out" / "a.jpg").format == "JPEG"


def mixed_folder(folder):
    write(folder / "a.jpg", photo(SMALL), quality=95)
    write(folder / "b.png", photo((96, 96), seed=2))
    write(folder / "c.png", graphic(), compress_level=0)
    write(folder / "sub" / "d.webp", photo((96, 96), seed=4), quality=100)
    write(folder / "sub" / "e.jpg", photo(SMALL, seed=5), quality=90)
    (folder / "sub" / "f.jpg").write_text("broken")
    return folder


def test_dry_run_writes_nothing(tmp_path):
    folder = mixed_folder(tmp_path / "folder")
    before = snapshot(folder)
    times = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    run = run_cli("--dry-run", "-ca", "-fd", "--output-dir", tmp_path / "out", folder)
    assert snapshot(folder) == before
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == times
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]  # no output folder either
    assert "would save" in run.out and "[dry run: nothing written]" in run.out
    assert summary_counts(run)[1] >= 3  # the work was done, in memory

# --- Output modes --------------------------------------------------------------------------
@pytest.mark.parametrize("mode, shows_lines, shows_summary", [
    ([], True, True), (["--quiet"], False, False),
    (["--only-summary"], False, True), (["--only-progress"], False, True)])
def test_output_modes(tmp_path, mode, shows_lines, shows_summary):
    good = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    bad = tmp_path / "b.jpg"
    bad.write_text("broken")
    run = run_cli(*mode, tmp_path)
    assert run.code == 1
    assert len(lines_naming(run, good)) == int(shows_lines)
    assert lines_naming(run, bad) == run.err.splitlines()  # failures: always, on stderr
    assert bool(re.search(r"^2 files: ", run.out, re.M)) == shows_summary
    assert "\r" not in run.out  # not a terminal: no progress bar


def test_quiet_prints_nothing_when_all_went_well(tmp_path):
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    before = path.read_bytes()
    run = run_cli("--quiet", path)
    assert (run.code, run.out, run.err) == (0, "", "") and path.read_bytes() != before


@pytest.mark.parametrize("mode, shows_lines, shows_bar", [
    ([], True, True), (["--only-progress"], False, True), (["--only-summary"], False, False)])
def test_progress_bar_on_a_terminal(tmp_path, monkeypatch, mode, shows_lines, shows_bar):
    monkeypatch.setenv("TERM", "xterm")
    paths = [write(tmp_path / f"{name}.jpg", photo(SMALL, seed=index), quality=95)
             for index, name in enumerate("ab")]
    out, err = Terminal(), io.StringIO()
    assert main([*mode, str(tmp_path)], stdout=out, stderr=err) == 0
    text = out.getvalue()
    assert ("\r[" in text and "2/2" in text) == shows_bar
    assert all((str(path) in text) == shows_lines for path in paths)
    assert "2 files: 2 optimized" in text

# --- Lines that say what happened (and the JSON records that agree) ------------------------
def test_a_resize_and_a_grayscale_are_on_the_line_and_in_the_report(tmp_path):
    path = write(tmp_path / "in" / "a.jpg", photo((400, 200)), quality=95)
    run, records = report_of(tmp_path, "-mw", "100", "-g", path)
    line = line_for(run, path)
    assert "  resized 400x200 -> 100x50  mode RGB -> L" in line, line
    record = records[str(path)]
    assert record["dimensions"] == [400, 200] and record["dimensions_after"] == [100, 50]
    assert (record["mode"], record["mode_after"]) == ("RGB", "L")


def test_removing_transparency_is_a_mode_change_on_the_line(tmp_path):
    image = photo((96, 96)).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((96, 96)))
    path = write(tmp_path / "a.png", image)
    run = run_cli("-rt", "-nc", path)
    assert "  mode RGBA -> RGB" in line_for(run, path)


def test_a_conversion_shows_its_new_path_and_that_fd_deleted_the_source(tmp_path):
    source = big_photo_png(tmp_path / "in" / "shot.png")
    run, records = report_of(tmp_path, "-cb", "-fd", source)
    line = line_for(run, source)
    assert line.endswith(f"  => {tmp_path / 'in' / 'shot.jpg'}  (source deleted)"), line
    record = records[str(source)]
    assert record["converted"] and record["source_deleted"] and not record["source_kept"]
    assert not source.exists()


def test_the_sample_score_and_the_full_image_score_are_both_in_line_and_report(tmp_path):
    path = write(tmp_path / "in" / "a.jpg", photo((640, 480)), quality=98)
    run, records = report_of(tmp_path, "--show-ssim", path)
    line = line_for(run, path)
    sample = re.search(r"  sample ssim=(0\.\d{4})", line)
    full = re.search(r"  full ssim=(0\.\d{4})", line)
    assert sample and full, line
    record = records[str(path)]
    assert record["metric"] == "ssim"
    assert f"{record['metric_value']:.4f}" == sample.group(1)
    assert f"{record['ssim']:.4f}" == full.group(1)


def test_skipped_files_report_their_unchanged_size_and_failures_none(tmp_path):
    folder = tmp_path / "in"
    small = write(folder / "tiny.png", Image.new("RGB", (8, 8), "red"), optimize=True)
    (folder / "bad.jpg").write_text("not a picture")
    _, records = report_of(tmp_path, folder)
    assert records[str(small)]["status"] == "skipped"
    assert records[str(small)]["size_after"] == small.stat().st_size
    assert records[str(folder / "bad.jpg")]["size_after"] is None

# --- Savings that are on disk --------------------------------------------------------------
@pytest.mark.parametrize("flags", [["-cb"], ["-cb", "-fd"]], ids=["sources kept", "-fd"])
def test_the_summary_counts_bytes_really_freed_and_conversions_apart(tmp_path, flags):
    folder = tmp_path / "in"
    big_photo_png(folder / "shot.png")
    write(folder / "a.jpg", photo(), quality=95)
    before = folder_bytes(folder)
    run, _ = report_of(tmp_path, *flags, folder)
    summary = json.loads((tmp_path / "report.json").read_text())["summary"]
    after = folder_bytes(folder)
    assert (summary["bytes_before"], summary["bytes_after"]) == (before, after)
    assert summary["bytes_saved"] == before - after
    jpeg_size = (folder / "shot.jpg").stat().st_size
    assert (summary["converted"], summary["bytes_converted"]) == (1, jpeg_size)
    assert (summary["sources_kept"], summary["sources_deleted"]) == (
        (0, 1) if "-fd" in flags else (1, 0))
    verb = "saved" if after < before else "grew by"
    assert f"{human_size(before)} -> {human_size(after)}, {verb} " in run.out
    assert f"1 conversion wrote {human_size(jpeg_size)} of new files" in run.out

# --- Streams and small things --------------------------------------------------------------
def test_results_go_to_stdout_and_failures_and_problems_to_stderr(tmp_path, monkeypatch):
    without_optional_package(monkeypatch, heif)
    folder = tmp_path / "in"
    good = write(folder / "a.jpg", photo(), quality=95)
    small = write(folder / "tiny.png", Image.new("RGB", (8, 8), "red"), optimize=True)
    (folder / "bad.jpg").write_text("not a picture")
    (folder / "phone.heic").write_bytes(HEIC)
    run = run_cli("-ca", folder)
    assert [line.split("  ")[0] for line in run.err.splitlines()] == [
        str(folder / "bad.jpg"), str(folder / "phone.heic")]
    assert "FAILED: not an image" in run.err and "pillow-heif" in run.err
    assert str(good) in run.out and str(small) in run.out and "4 files: " in run.out


def test_one_file_is_not_files_in_the_summary(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    assert run_cli(path).out.splitlines()[-3].startswith("1 file: 1 optimized")


def test_watch_mode_starts_with_one_line_on_what_it_watches(tmp_path, monkeypatch):
    from optimize_images.run import watch

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(watch, "find", ctrl_c)
    run = run_cli("-wd", "--watch-interval", "0.5", tmp_path)
    assert run.code == 0
    assert run.err == (f"watching {tmp_path} for new or changed images (a look every 0.5 s); "
                       "Ctrl-C stops and prints the summary\n")
    assert run.out.startswith("0 files: ")

# --- Actions that optimize nothing ---------------------------------------------------------
def run_touching_nothing(tmp_path, flag):
    """`flag` given beside a photo: it exits 0 and the photo is left as it was."""
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    before = path.read_bytes()
    run = run_cli(flag, path)
    assert run.code == 0 and path.read_bytes() == before
    return run


@pytest.mark.parametrize("flag", ["-s", "--supported"])
def test_supported_lists_the_formats_and_touches_nothing(tmp_path, flag):
    run = run_touching_nothing(tmp_path, flag)
    assert "Optimized in place: JPEG, PNG, WEBP" in run.out
    targets = re.search(r"^Conversion targets.*: (.*)$", run.out, re.M).group(1).split(", ")
    assert {"jpeg", "png", "webp"} <= set(targets)


@pytest.mark.parametrize("flag", ["-v", "--version"])
def test_version(tmp_path, flag):
    run = run_touching_nothing(tmp_path, flag)
    assert run.out.startswith(f"optimize-images {__version__} (Pillow ")


@pytest.mark.parametrize("content, status", [(b"just text", 1), (b"", 1), (None, 2)],
                         ids=["text", "empty", "missing"])
def test_info_on_a_bad_file_is_one_line_and_a_status(tmp_path, content, status):
    path = tmp_path / "bad.jpg"
    if content is not None:
        path.write_bytes(content)
    run = run_cli("-i", path)
    assert run.code == status and run.out == ""
    assert len(run.err.splitlines()) == 1 and str(path) in run.err

def test_info_describes_every_file_given(tmp_path):
    first = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    second = write(tmp_path / "b.png", graphic())
    run = run_cli("-i", first, second)
    assert run.code == 0, run.err
    assert re.findall(r"^file {2,}(.*)$", run.out, re.M) == [str(first), str(second)]
    assert run.out.count("optimize-images  would ") == 2


def test_info_says_a_folder_is_no_file_and_goes_on(tmp_path):
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    run = run_cli("-i", tmp_path, path)
    assert run.code == 1 and re.findall(r"^file {2,}(.*)$", run.out, re.M) == [str(path)]
    assert run.err == f"optimize-images: {tmp_path}: cannot read image: not a regular file\n"


def test_the_last_line_says_where_the_report_went(tmp_path):
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    report = tmp_path / "r.json"
    run = run_cli("--report", report, path)
    assert run.out.splitlines()[-1] == f"JSON report written to {report}"
    assert run_cli("--report", report, "--quiet", "--force", path).out == ""
    assert "report written" not in run_cli("--report", "-", "--force", path).err


def test_max_memory_refuses_what_would_need_more_before_encoding(tmp_path):
    path = write(tmp_path / "a.png", see_through((400, 300)))
    run = run_cli("-cf", "webp", "-wl", "--max-memory", "1", path)
    assert run.code == 1
    assert "--max-memory" in run.err and "lossless WebP" in run.err
    assert not (tmp_path / "a.webp").exists()
    assert run_cli("-cf", "webp", "-wl", "--max-memory", "100", path).code == 0


# --- Usage errors --------------------------------------------------------------------------
@pytest.mark.parametrize("argv, flag", [
    (["-q", "0"], "-q/--quality"), (["-q", "101"], "-q/--quality"),
    (["-q", "abc"], "-q/--quality"), (["--quality", "7.5"], "-q/--quality"),
    (["-mc", "1"], "-mc/--max-colors"), (["-mc", "257"], "-mc/--max-colors"),
    (["-wm", "7"], "-wm/--webp-method"), (["-wm", "-1"], "-wm/--webp-method"),
    (["-wq", "0"], "-wq/--webp-quality"), (["-wq", "101"], "-wq/--webp-quality"),
    (["-jobs", "-1"], "-jobs/--jobs"), (["-jobs", "two"], "-jobs/--jobs"),
    (["-bg", "1", "2"], "-bg/--background"), (["-bg", "300", "0", "0"], "-bg/--background"),
    (["-bg", "-1", "0", "0"], "-bg/--background"),
    (["-hbg", "12345"], "-hbg/--hex-background"), (["-hbg", "ggg"], "-hbg/--hex-background"),
    (["-hbg", "#ff00"], "-hbg/--hex-background"),
    (["-mw", "-5"], "-mw/--max-width"), (["-mh", "-1"], "-mh/--max-height"),
    (["--max-pixels", "0"], "--max-pixels"), (["--min-savings", "101"], "--min-savings"),
    (["-ssm", "2"], "-ssm/--ssim-min"), (["--target", "0"], "--target"),
    (["--target", "1.5"], "--target"), (["--min-quality", "0"], "--min-quality"),
    (["--max-quality", "101"], "--max-quality"),
    (["--dask", "local:0"], "--dask"),  # the Dask runs themselves: tests/test_cluster.py
    (["--min-quality", "90", "--max-quality", "80"], "--min-quality"),
    (["--metric", "psnr"], "--metric"), (["--preset", "best"], "--preset"),
    (["--sample", "all"], "--sample"), (["-jt", "huge"], "-jt/--jpeg-tables"),
    (["-cf", "gif"], "-cf/--convert-to"), (["--watch-interval", "0"], "--watch-interval"),
    (["-nr=3"], "-nr/--no-recursion"), (["--bogus"], "--bogus"),
    (["--max-memory", "0"], "--max-memory"),
])
def test_invalid_values_exit_2_with_one_line_naming_the_option(tmp_path, argv, flag):
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    before = path.read_bytes()
    run = run_cli(path, *argv)  # the path first, so that it is never taken as a value
    assert run.code == 2 and run.out == ""
    assert len(run.err.splitlines()) == 1 and flag in run.err, run.err
    assert path.read_bytes() == before  # nothing ran


def test_a_bad_hex_colour_names_the_flag_and_the_expected_form(tmp_path):
    run = run_cli("-hbg", "zzz", tmp_path)
    assert run.code == 2 and "parse_hex_color" not in run.err
    assert "-hbg/--hex-background" in run.err and "hexadecimal digits" in run.err
    assert "'zzz'" in run.err and len(run.err.splitlines()) == 1


@pytest.mark.parametrize("modes", [["--quiet", "--only-summary"], ["--quiet", "--only-progress"],
                                   ["--only-summary", "--only-progress"]])
def test_output_modes_that_contradict_each_other_are_a_usage_error(tmp_path, modes):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    before = path.read_bytes()
    run = run_cli(*modes, path)
    assert run.code == 2 and run.out == "" and len(run.err.splitlines()) == 1
    assert modes[0] in run.err and modes[1] in run.err
    assert path.read_bytes() == before


@pytest.mark.parametrize("argv", [[], ["-q", "80"], ["-nr", "-g"]])
def test_no_path_is_a_usage_error(argv):
    run = run_cli(*argv)
    assert run.code == 2 and run.out == ""
    assert len(run.err.splitlines()) == 1 and "give at least one file or folder" in run.err

# --- The module entry point ----------------------------------------------------------------
def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "optimize_images", "--version"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0 and __version__ in done.stdout

# --- Every flag is tested here -------------------------------------------------------------
def test_every_flag_is_exercised_in_this_file():
    source = Path(__file__).read_text(encoding="utf-8")
    spellings = [spelling.flags for info in options_of(Settings) for spelling in info.spellings
                 if spelling.flags[0].startswith("-")] + [flags for flags, _ in ACTIONS]
    missing = [flags for flags in spellings if not any(f'"{flag}"' in source for flag in flags)]
    assert not missing, f"flags without a test in {Path(__file__).name}: {missing}"
