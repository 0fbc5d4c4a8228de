"""The diff and compare commands, run in-process through their entry points."""

import io
import json

import pytest
from PIL import ImageDraw

from helpers import opened, photo, write
from optimize_images import commands, study


class Run:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


def run(main, *argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(arg) for arg in argv], stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def diff(*argv):
    return run(commands.diff_main, *argv)


def compare(*argv):
    return run(commands.compare_main, *argv)


def changed(image):
    copy = image.copy()
    ImageDraw.Draw(copy).rectangle((10, 10, 30, 25), fill=(0, 0, 0))
    return copy


@pytest.fixture
def pair(tmp_path):
    image = photo((96, 64))
    return write(tmp_path / "a.png", image), write(tmp_path / "b.png", changed(image))


# diff -------------------------------------------------------------------------------

def test_diff_two_files(pair, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = diff(*pair)
    assert result.code == 0, result.err
    assert result.out.startswith("a.png: mean ")
    assert "above 0.1" in result.out and "SSIM 0." in result.out
    picture = opened(tmp_path / "a-diff.png")
    assert picture.mode == "RGB" and picture.width == 96 and picture.height > 64  # legend below


def test_diff_writes_where_asked_and_as_asked(pair, tmp_path):
    result = diff(*pair, "--strategy", "ssim", "--legend", "right", "-o", tmp_path / "m.webp")
    assert result.code == 0, result.err
    picture = opened(tmp_path / "m.webp")
    assert picture.height == 64 and picture.width > 96


def test_diff_raw_is_a_16_bit_map_of_the_same_size(pair, tmp_path):
    result = diff(*pair, "--raw", "-o", tmp_path / "raw.png")
    assert result.code == 0, result.err
    raw = opened(tmp_path / "raw.png")
    assert raw.mode.startswith("I") and raw.size == (96, 64)
    assert raw.getextrema()[1] > 1000


def test_diff_pixelmatch_marks_as_many_pixels_as_it_reports(pair, tmp_path):
    result = diff(*pair, "--strategy", "pixelmatch", "--include-aa", "-o", tmp_path / "p.png")
    assert result.code == 0, result.err
    picture = opened(tmp_path / "p.png")
    red = sum(count for count, colour in picture.getcolors(96 * 64) if colour == (255, 0, 0))
    percent = float(result.out.split(", ")[2].split("%")[0])
    assert red > 0 and percent == pytest.approx(100 * red / (96 * 64), abs=0.01)


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


@pytest.mark.parametrize("extra, option", [
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


# compare ----------------------------------------------------------------------------

FAST = ["--formats", "jpeg,webp", "--crop-size", "64"]


def test_compare_one_image(tmp_path):
    source = write(tmp_path / "photo.png", photo((128, 96)))
    result = compare(source, "-o", tmp_path / "out", "--target", "ssim=0.95",
                     "--target", "bpp=1.0", *FAST)
    assert result.code == 0, result.err
    assert "ssim: " in result.out and "bpp: " in result.out
    assert "JPEG  ssim 0.95  q" in result.out
    for metric, value in (("ssim", "0.95"), ("bpp", "1")):
        folder = tmp_path / "out" / metric
        for stem in (f"comparison_{value}", f"distortion_map_comparison_{value}",
                     "distortion_map_anisotropic", "original_annotated"):
            assert (folder / f"{stem}.webp").is_file()


def test_compare_defaults_to_a_folder_named_after_the_image(tmp_path, monkeypatch):
    source = write(tmp_path / "photo.png", photo((96, 64)))
    monkeypatch.chdir(tmp_path)
    result = compare(source, "--target", "ssim=0.95", "--figure-format", "png", *FAST)
    assert result.code == 0, result.err
    assert (tmp_path / "photo-comparison" / "ssim" / "comparison_0.95.png").is_file()


def test_compare_options_win_over_the_config(tmp_path):
    source = write(tmp_path / "photo.png", photo((96, 64)))
    config = tmp_path / "study.json"
    config.write_text(json.dumps({"targets": {"ssim": [0.9, 0.95]}, "tile_parameter": "quality",
                                  "formats": ["jpeg"], "zoom": 2}))
    result = compare(source, "-o", tmp_path / "out", "--config", config,
                     "--tile-parameter", "format", "--crop-size", "64")
    assert result.code == 0, result.err
    names = sorted(path.name for path in (tmp_path / "out" / "ssim").iterdir())
    assert "comparison_0.9.webp" in names and "comparison_0.95.webp" in names
    assert not (tmp_path / "out" / "bpp").exists()


def test_compare_chooses_in_a_folder(tmp_path):
    for name in ("first.png", "second.png"):
        write(tmp_path / "in" / name, photo((96, 64), seed=len(name)))
    write(tmp_path / "in" / "skipped.png", photo((96, 64)))
    result = compare(tmp_path / "in", "-o", tmp_path / "out", "--target", "bpp=1.0",
                     "--exclude", "skipped.png", *FAST)
    assert result.code == 0, result.err
    assert "skipped.png" not in result.out
    pinned = compare(tmp_path / "in", "-o", tmp_path / "out", "--target", "bpp=1.0",
                     "--source-image", "second.png", *FAST)
    assert "bpp: " in pinned.out and "second.png" in pinned.out


def test_compare_reports_variants_it_could_not_make(tmp_path, monkeypatch):
    monkeypatch.setattr(study, "can_encode", lambda name: name != "webp")
    source = write(tmp_path / "photo.png", photo((96, 64)))
    result = compare(source, "-o", tmp_path / "out", "--target", "ssim=0.95", *FAST)
    assert result.code == 1
    assert "WEBP  ssim 0.95  not made: this Pillow cannot write WEBP" in result.out


def test_compare_of_an_empty_folder_fails(tmp_path):
    (tmp_path / "empty").mkdir()
    result = compare(tmp_path / "empty", "-o", tmp_path / "out")
    assert result.code == 1 and "no image" in result.err


@pytest.mark.parametrize("extra, option", [
    (["--target", "ssim"], "--target"),
    (["--target", "psnr=40"], "--target"),
    (["--formats", "jpeg,gif"], "--formats"),
    (["--zoom", "0"], "--zoom"),
    (["--crop-size", "big"], "--crop-size"),
    (["--tile-parameter", "size"], "--tile-parameter"),
    (["--figure-format", "jpeg"], "--figure-format"),
    (["--config", "missing.json"], "--config"),
])
def test_compare_usage_errors_name_the_option(tmp_path, extra, option):
    source = write(tmp_path / "photo.png", photo((32, 32)))
    result = compare(source, *extra)
    assert result.code == 2
    assert result.err.count("\n") == 1 and option in result.err


def test_compare_of_a_missing_path_is_a_usage_error(tmp_path):
    result = compare(tmp_path / "nothing.png")
    assert result.code == 2 and "nothing.png" in result.err


@pytest.mark.corpus
def test_diff_of_a_corpus_photo_and_its_recompression(corpus_dir, tmp_path):
    source = corpus_dir / "photos" / "DSCN0010.jpg"
    recompressed = write(tmp_path / "q30.jpg", opened(source), quality=30)
    result = diff(source, recompressed, "--strategy", "ssim", "-o", tmp_path / "map.png")
    assert result.code == 0, result.err
    assert opened(tmp_path / "map.png").width == opened(source).width
