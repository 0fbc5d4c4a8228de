"""The compare run: figures written, named and placed as the issue asked."""

import pytest
from PIL import Image, ImageStat

from helpers import median_tile_spread, opened, photo, write
from optimize_images.commands.compare import matching, study
from optimize_images.commands.compare.options import CompareOptions

SMALL = dict(formats=("jpeg", "webp"), crop_size=64)


def test_a_lone_format_shows_where_it_distorts_most(tmp_path):
    smooth = Image.linear_gradient("L").resize((192, 144)).convert("RGB")
    patch = (128, 32, 160, 64)
    noisy = photo((32, 32)).effect_spread(4)
    smooth.paste(noisy, patch[:2])
    source = write(tmp_path / "photo.png", smooth)
    settings = CompareOptions(targets=(("ssim", (0.95,)),), formats=("jpeg",), crop_size=32)
    (result,) = study.study_groups(str(source), str(tmp_path / "out"), settings)
    left, top, right, bottom = result.fragment
    assert left <= 144 < right and top <= 48 < bottom


def test_a_format_this_pillow_lacks_becomes_a_placeholder(tmp_path, monkeypatch):
    source = write(tmp_path / "photo.png", photo((128, 96)))
    monkeypatch.setattr(study, "can_encode", lambda name: name != "webp")
    settings = CompareOptions(targets=(("ssim", (0.95,)),), **SMALL)
    (result,) = study.study_groups(str(source), str(tmp_path / "out"), settings)
    jpeg, webp = result.variants
    assert isinstance(jpeg, matching.Variant) and isinstance(webp, matching.Missing)
    assert "cannot write WEBP" in webp.reason
    assert len(result.files) == 4


@pytest.mark.parametrize("figure_format", ["webp", "png"])
def test_run_writes_the_figures_named_in_the_issue(tmp_path, figure_format):
    source = write(tmp_path / "photo.png", photo((160, 120)))
    settings = CompareOptions(targets=(("ssim", (0.95,)), ("bpp", (1.0,))),
                           figure_format=figure_format, **SMALL)
    results = study.study_groups(str(source), str(tmp_path / "out"), settings)
    written = sorted(str(path.relative_to(tmp_path / "out"))
                     for path in (tmp_path / "out").rglob("*.*"))
    expected = [f"{metric}/{stem}.{figure_format}"
                for metric, value in (("bpp", "1"), ("ssim", "0.95"))
                for stem in (f"comparison_{value}", "distortion_map_anisotropic",
                             f"distortion_map_comparison_{value}", "original_annotated")]
    assert written == sorted(expected)
    assert [result.metric for result in results] == ["ssim", "bpp"]
    with Image.open(tmp_path / "out" / "ssim" / f"comparison_0.95.{figure_format}") as figure:
        assert figure.format == figure_format.upper()
        assert figure.width > 3 * 64 * settings.zoom  # original and two variants, zoomed


def test_tile_parameter_quality_makes_a_figure_per_format(tmp_path):
    source = write(tmp_path / "photo.png", photo((128, 96)))
    settings = CompareOptions(targets=(("ssim", (0.9, 0.95)),), tile_parameter="quality", **SMALL)
    (result,) = study.study_groups(str(source), str(tmp_path / "out"), settings)
    names = sorted(path.name for path in (tmp_path / "out" / "ssim").iterdir())
    assert "comparison_jpeg.webp" in names and "distortion_map_comparison_webp.webp" in names
    assert [(variant.format, variant.target) for variant in result.variants] == [
        ("jpeg", 0.9), ("jpeg", 0.95), ("webp", 0.9), ("webp", 0.95)]


def test_a_folder_with_no_image_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no image"):
        study.study_groups(str(tmp_path), str(tmp_path / "out"), CompareOptions())


@pytest.mark.corpus
def test_compare_a_corpus_photo(corpus_dir, tmp_path):
    source = corpus_dir / "photos" / "Canon_PowerShot_S40.jpg"
    settings = CompareOptions(targets=(("ssim", (0.95,)),), formats=("jpeg",))
    (result,) = study.study_groups(str(source), str(tmp_path), settings)
    (variant,) = result.variants
    assert abs(variant.measurement.ssim - 0.95) <= 0.01
    assert len(result.files) == 4


@pytest.mark.corpus
def test_the_matched_size_fragment_shows_detail(corpus_dir, tmp_path):
    """On this photo the bpp group's fragment once landed on a dark, flat waistcoat."""
    source = corpus_dir / "photos" / "sony-powershota5.jpg"
    settings = CompareOptions(targets=(("bpp", (0.5, 1.0, 1.5)),), formats=("jpeg", "webp"))
    (result,) = study.study_groups(str(source), str(tmp_path), settings)
    luma = opened(source).convert("L")
    assert ImageStat.Stat(luma.crop(result.fragment)).stddev[0] > median_tile_spread(luma, 128)
