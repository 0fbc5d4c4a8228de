"""The diff command, run in-process through its entry point."""

import re

import pytest
from PIL import ImageDraw

from helpers import opened, photo, run_main, write
from optimize_images.draw import diffmap
from optimize_images.commands.diff import command


def diff(*argv):
    return run_main(command.main, *argv)


def changed(image):
    copy = image.copy()
    ImageDraw.Draw(copy).rectangle((10, 10, 30, 25), fill=(0, 0, 0))
    return copy


def blank(region):
    """Whether a region of a picture is all white paper (or has no pixels)."""
    return 0 in region.size or region.getextrema() == ((255, 255),) * 3


@pytest.fixture
def pair(tmp_path):
    image = photo((96, 64))
    return write(tmp_path / "a.png", image), write(tmp_path / "b.png", changed(image))


def test_diff_two_files(pair, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = diff(*pair)
    assert result.code == 0, result.err
    assert result.out.startswith("a.png: mean ")
    assert "above 0.1" in result.out and "SSIM 0." in result.out
    picture = opened(tmp_path / "a-diff.png")
    assert picture.mode == "RGB" and picture.height > 64  # the legend below the map
    assert blank(picture.crop((96, 0, picture.width, 64)))  # nothing beside the map


def test_the_gradients_summary_counts_no_pixels_above_a_0_to_1_threshold(pair, tmp_path):
    """The gradient map is in its metric's units: a count above --threshold means nothing."""
    result = diff(*pair, "--strategy", "gradient", "--metric", "mse", "-o", tmp_path / "g.png")
    assert result.code == 0, result.err
    assert re.fullmatch(r"a\.png: mean \|map\| [\d.e+-]+, max \|map\| [\d.e+-]+, SSIM 0\.\d{4} "
                        r"-> .*g\.png\n", result.out), result.out


def test_diff_writes_where_asked_and_as_asked(pair, tmp_path):
    result = diff(*pair, "--strategy", "ssim", "--legend", "right", "-o", tmp_path / "m.webp")
    assert result.code == 0, result.err
    picture = opened(tmp_path / "m.webp")
    assert picture.width > 96  # the legend right of the map
    assert blank(picture.crop((0, 64, 96, picture.height)))  # nothing below the map


def test_diff_raw_is_a_16_bit_map_of_the_same_size(pair, tmp_path):
    result = diff(*pair, "--raw", "-o", tmp_path / "raw.png")
    assert result.code == 0, result.err
    raw = opened(tmp_path / "raw.png")
    assert raw.mode.startswith("I") and raw.size == (96, 64)
    assert raw.getextrema()[1] > 1000


def test_diff_pixelmatch_marks_as_many_pixels_as_it_reports(pair, tmp_path):
    """pixelmatch users compare counts: '336 pixels (5.47%) above 0.1'."""
    result = diff(*pair, "--strategy", "pixelmatch", "--include-aa", "-o", tmp_path / "p.png")
    assert result.code == 0, result.err
    drawn_map = opened(tmp_path / "p.png").crop((0, 0, 96, 64))  # the key is below it
    red = sum(count for count, colour in drawn_map.getcolors(96 * 64) if colour == (255, 0, 0))
    count, percent = re.search(r", (\d+) pixels \(([\d.]+)%\) above 0.1, ", result.out).groups()
    assert red > 0 and int(count) == red
    assert float(percent) == pytest.approx(100 * red / (96 * 64), abs=0.01)


def test_diff_folders_pair_images_by_name(tmp_path):
    image = photo((64, 48))
    write(tmp_path / "A" / "same.png", image)
    write(tmp_path / "B" / "same.png", changed(image))
    write(tmp_path / "A" / "sub" / "converted.png", image)
    write(tmp_path / "B" / "sub" / "converted.webp", image, lossless=True)
    write(tmp_path / "A" / "alone.png", image)
    write(tmp_path / "B" / "other.png", image)
    result = diff(tmp_path / "A", tmp_path / "B", "-o", tmp_path / "maps")
    assert result.code == 0, result.err
    assert "only in A (1): alone.png" in result.out
    assert "only in B (1): other.png" in result.out
    assert "2 pairs compared" in result.out
    assert (tmp_path / "maps" / "same.png").is_file()
    assert (tmp_path / "maps" / "sub" / "converted.png").is_file()


def test_diff_of_different_sizes_fails_clearly(tmp_path):
    a = write(tmp_path / "a.png", photo((64, 48)))
    b = write(tmp_path / "b.png", photo((48, 64)))
    result = diff(a, b, "-o", tmp_path / "d.png")
    assert result.code == 1
    assert "differ in size" in result.err and not (tmp_path / "d.png").exists()


def test_diff_of_an_unreadable_file_fails(tmp_path):
    a = write(tmp_path / "a.png", photo((64, 48)))
    broken = tmp_path / "b.png"
    broken.write_bytes(b"not an image")
    result = diff(a, broken, "-o", tmp_path / "d.png")
    assert result.code == 1 and "a.png" in result.err


@pytest.mark.parametrize("metric", ["ssim", "ms-ssim", "mse", "psnr"])
def test_diff_gradient_draws_a_signed_map_of_the_metric(pair, tmp_path, metric):
    result = diff(*pair, "--strategy", "gradient", "--metric", metric, "-o", tmp_path / "g.png")
    assert result.code == 0, result.err
    drawn_map = opened(tmp_path / "g.png").crop((0, 0, 96, 64))
    colours = {colour for _, colour in drawn_map.getcolors(96 * 64)}
    assert colours <= set(diffmap.SIGNED_COLOUR_SCALE)
    assert diffmap.SIGNED_COLOUR_SCALE[0] in colours or diffmap.SIGNED_COLOUR_SCALE[-1] in colours


def test_diff_accepts_the_difference_finders_pre_processor_names(pair, tmp_path):
    for name in ("highpass_filter", "lowpass_filter"):
        result = diff(*pair, "--pre", name, "-o", tmp_path / f"{name}.png")
        assert result.code == 0, result.err
        canonical = diff(*pair, "--pre", name.split("_")[0], "-o", tmp_path / "plain.png")
        assert opened(tmp_path / f"{name}.png").tobytes() == opened(
            tmp_path / "plain.png").tobytes()
        assert result.out.split(" -> ")[0] == canonical.out.split(" -> ")[0]


@pytest.mark.parametrize("extra, option", [
    (["--strategy", "gradient", "--raw", "-o", "map.png"], "--raw"),
    (["--strategy", "gradient", "--metric", "lpips"], "--metric"),
    (["--threshold", "2"], "--threshold"),
    (["--radius", "0"], "--radius"),
    (["--strategy", "fuzzy"], "--strategy"),
    (["--pre", "sharpen"], "--pre"),
    (["--raw", "-o", "map.webp"], "--output"),
    (["-o", "map.jpg"], "--output"),
])
def test_diff_usage_errors_name_the_option(pair, extra, option):
    result = diff(*pair, *extra)
    assert result.code == 2
    assert result.err.count("\n") == 1 and option in result.err


def test_diff_needs_two_files_or_two_folders(pair, tmp_path):
    result = diff(pair[0], tmp_path)
    assert result.code == 2 and "both be files or both be folders" in result.err
    result = diff(pair[0], tmp_path / "missing.png")
    assert result.code == 2 and "missing.png" in result.err


def test_diff_help_goes_to_stdout():
    result = diff("--help")
    assert result.code == 0 and result.out.startswith("usage: optimize-images diff")


@pytest.mark.corpus
def test_diff_of_a_corpus_photo_and_its_recompression(corpus_dir, tmp_path):
    source = corpus_dir / "photos" / "DSCN0010.jpg"
    recompressed = write(tmp_path / "q30.jpg", opened(source), quality=30)
    result = diff(source, recompressed, "--strategy", "ssim", "-o", tmp_path / "map.png")
    assert result.code == 0, result.err
    assert opened(tmp_path / "map.png").width == opened(source).width
