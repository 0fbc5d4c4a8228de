"""The compare command, run in-process through its entry point."""

import json

import pytest

from PIL import Image

from helpers import colour_mask, opened, photo, run_main, shows_line, write
from optimize_images.draw import grid
from optimize_images.commands.compare import command, study as compare_run


def compare(*argv):
    return run_main(command.main, *argv)


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
    monkeypatch.setattr(compare_run, "can_encode", lambda name: name != "webp")
    source = write(tmp_path / "photo.png", photo((96, 64)))
    result = compare(source, "-o", tmp_path / "out", "--target", "ssim=0.95", *FAST)
    assert result.code == 1
    assert "WEBP  ssim 0.95  not made: this Pillow cannot write WEBP" in result.out


def test_a_target_out_of_reach_is_flagged_in_the_output_and_on_the_figures(tmp_path):
    """A smooth image is above SSIM 0.5 even at JPEG quality 1: not drawn as if matched."""
    smooth = Image.linear_gradient("L").resize((128, 96)).convert("RGB")
    source = write(tmp_path / "smooth.png", smooth)
    result = compare(source, "-o", tmp_path / "out", "--target", "ssim=0.5", "--formats", "jpeg",
                     "--crop-size", "64", "--figure-format", "png")
    assert result.code == 0, result.err
    reason = "target out of reach: q1 is the lowest quality"
    assert "JPEG  ssim 0.5   q1 " in result.out and result.out.count(reason) == 1
    for name in ("comparison_0.5.png", "distortion_map_comparison_0.5.png"):
        figure = opened(tmp_path / "out" / "ssim" / name)
        assert colour_mask(figure, grid.FLAG).getbbox() is not None, name  # a framed tile
        assert shows_line(figure, reason, grid.font()), name


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
