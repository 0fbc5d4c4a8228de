"""The compare pipeline: interpolation, image selection, fragment search, figures, output."""

import json
import os

import pytest
from PIL import Image, ImageFilter

from helpers import photo, write
from optimize_images import grid, metrics, study

SMALL = dict(formats=("jpeg", "webp"), crop_size=64)


# Interpolating the quality ------------------------------------------------------------

def test_match_quality_on_a_straight_line():
    assert study.match_quality(lambda quality: quality / 100, 0.537) == 54


def test_match_quality_on_a_curve_takes_few_measurements():
    calls = []

    def measure(quality):
        calls.append(quality)
        return 1 - 0.5 * (1 - quality / 100) ** 2

    quality = study.match_quality(measure, 0.93)
    assert quality in (62, 63)  # the exact crossing is at 62.6
    assert len(set(calls)) <= len(study.PROBES) + study.REFINEMENTS


def test_match_quality_beyond_the_measured_values_goes_to_the_ends():
    assert study.match_quality(lambda quality: quality, 1000) == 100
    assert study.match_quality(lambda quality: quality, -5) == 1


@pytest.mark.parametrize("format_name", ["jpeg", "webp"])
@pytest.mark.parametrize("metric, target, tolerance", [("ssim", 0.95, 0.01), ("bpp", 1.0, 0.1)])
def test_interpolation_lands_within_tolerance_of_its_target(
        format_name, metric, target, tolerance):
    image = photo((192, 144))
    matcher = study.Matcher(image, image.convert("L"), study.sample_measure(image, format_name),
                            format_name, metric)
    variant, distortion = matcher.variant(target)
    measured = variant.measurement
    if metric == "bpp":
        assert abs(measured.bpp / target - 1) <= tolerance
    else:
        assert abs(measured.ssim - target) <= tolerance
    decoded = study.decode(variant.data)
    assert measured.ssim == pytest.approx(metrics.ssim(image, decoded), abs=1e-5)
    assert measured.bpp == 8 * len(variant.data) / (192 * 144)
    assert distortion.size == image.size


def test_a_whole_image_that_misses_is_corrected():
    image = photo((192, 144))
    smoother_sample = image.filter(ImageFilter.GaussianBlur(1.5))  # cheaper than the image
    matcher = study.Matcher(image, image.convert("L"),
                            study.sample_measure(smoother_sample, "jpeg"), "jpeg", "bpp")
    first_guess = study.bits_per_pixel(study.encode(image, "jpeg", matcher.quality_for(1.0)),
                                       image.size)
    variant, _ = matcher.variant(1.0)
    assert abs(first_guess - 1.0) > 0.05
    assert abs(variant.measurement.bpp - 1.0) < abs(first_guess - 1.0)


# Choosing the image -------------------------------------------------------------------

def test_coefficient_of_variation():
    assert study.coefficient_of_variation([2.0, 2.0, 2.0]) == 0
    assert study.coefficient_of_variation([1.0, 3.0]) == 0.5
    assert study.coefficient_of_variation([4.0]) == 0


def fake_measure(bpp_per_quality):
    """A sample measure whose SSIM is quality / 100 and whose bpp is linear in quality."""
    return lambda quality: study.Measurement(quality, quality * bpp_per_quality, quality / 100)


def test_the_image_whose_formats_differ_most_is_chosen():
    measures = {
        "alike.png": {"jpeg": fake_measure(0.02), "webp": fake_measure(0.021)},
        "apart.png": {"jpeg": fake_measure(0.02), "webp": fake_measure(0.04)},
    }
    assert study.most_varied(sorted(measures), "ssim", (0.9, 0.95), measures.get) == "apart.png"


def test_candidates_honour_source_image_and_exclude(tmp_path):
    for name in ("a.png", "b.png", "c.png"):
        write(tmp_path / name, photo((32, 32)))

    def names(settings):
        return sorted(os.path.basename(path) for path in study.candidates(str(tmp_path), settings))

    assert names(study.Study(exclude=("b.*",))) == ["a.png", "c.png"]
    assert names(study.Study(source_image="c.png")) == ["c.png"]


# Finding the fragment -----------------------------------------------------------------

def test_best_window_finds_the_hot_spot():
    heat = Image.new("F", (300, 200), 0.01)
    heat.paste(1.0, (200, 120, 230, 150))
    left, top, right, bottom = study.best_window(heat, 64)
    assert (right - left, bottom - top) == (64, 64)
    assert left <= 200 and 230 <= right and top <= 120 and 150 <= bottom


def test_best_window_of_a_small_image_is_the_whole_image():
    assert study.best_window(Image.new("F", (40, 30), 0.0), 64) == (0, 0, 40, 30)


def test_spread_is_the_standard_deviation():
    maps = [Image.new("F", (4, 4), value) for value in (0.0, 2.0)]
    assert study.spread(maps).getextrema() == pytest.approx((1.0, 1.0))
    assert study.spread([maps[0], maps[0]]).getextrema() == (0.0, 0.0)


def test_a_planted_local_distortion_is_where_the_fragment_goes():
    original = photo((256, 192))
    luma = original.convert("L")
    base = study.decode(study.encode(original, "jpeg", 70))
    damaged = base.copy()
    patch = (176, 112, 208, 144)
    damaged.paste(damaged.crop(patch).filter(ImageFilter.GaussianBlur(3)), patch[:2])
    heat = study.spread([study.distortion_map(luma, image) for image in (base, damaged, base)])
    left, top, right, bottom = study.best_window(heat, 64)
    centre = ((patch[0] + patch[2]) // 2, (patch[1] + patch[3]) // 2)
    assert left <= centre[0] < right and top <= centre[1] < bottom


def test_a_lone_format_shows_where_it_distorts_most(tmp_path):
    smooth = Image.linear_gradient("L").resize((192, 144)).convert("RGB")
    patch = (128, 32, 160, 64)
    noisy = photo((32, 32)).effect_spread(4)
    smooth.paste(noisy, patch[:2])
    source = write(tmp_path / "photo.png", smooth)
    settings = study.Study(targets=(("ssim", (0.95,)),), formats=("jpeg",), crop_size=32)
    (result,) = study.run(str(source), str(tmp_path / "out"), settings)
    left, top, right, bottom = result.fragment
    assert left <= 144 < right and top <= 48 < bottom


# Figures --------------------------------------------------------------------------

def test_figure_plan_is_stable():
    formats = ["jpeg", "webp", "avif"]
    by_format = study.figure_plan(study.Study(), "ssim", (0.9, 0.95), formats)
    assert by_format == [("0.9", [("jpeg", 0.9), ("webp", 0.9), ("avif", 0.9)]),
                         ("0.95", [("jpeg", 0.95), ("webp", 0.95), ("avif", 0.95)])]
    by_quality = study.figure_plan(study.Study(tile_parameter="quality"), "bpp", (0.5, 1.0),
                                   formats)
    assert [name for name, _ in by_quality] == formats
    assert by_quality[1][1] == [("webp", 0.5), ("webp", 1.0)]


def test_a_missing_variant_keeps_its_place_as_a_placeholder():
    red, blue = (Image.new("RGB", (20, 20), colour) for colour in ("red", "blue"))
    labels = ["JPEG", "WEBP\nnot made", "AVIF"]
    figure = study.comparison_figure(red, [red, None, blue], labels, zoom=2, title="t")
    geometry = grid.layout([(40, 40)] * 4, ["original\n"] + labels, title="t")
    for index, colour in ((0, (255, 0, 0)), (1, (255, 0, 0)), (3, (0, 0, 255))):
        assert figure.getpixel(geometry.tile_box(index, (40, 40))[:2]) == colour
    left, top, _, _ = geometry.tile_box(2, (40, 40))
    assert figure.getpixel((left + 20, top + 5)) == grid.PLACEHOLDER_FILL


def test_a_format_this_pillow_lacks_becomes_a_placeholder(tmp_path, monkeypatch):
    source = write(tmp_path / "photo.png", photo((128, 96)))
    monkeypatch.setattr(study, "can_encode", lambda name: name != "webp")
    settings = study.Study(targets=(("ssim", (0.95,)),), **SMALL)
    (result,) = study.run(str(source), str(tmp_path / "out"), settings)
    jpeg, webp = result.variants
    assert isinstance(jpeg, study.Variant) and isinstance(webp, study.Missing)
    assert "cannot write WEBP" in webp.reason
    assert len(result.files) == 4


@pytest.mark.parametrize("figure_format", ["webp", "png"])
def test_run_writes_the_figures_named_in_the_issue(tmp_path, figure_format):
    source = write(tmp_path / "photo.png", photo((160, 120)))
    settings = study.Study(targets=(("ssim", (0.95,)), ("bpp", (1.0,))),
                           figure_format=figure_format, **SMALL)
    results = study.run(str(source), str(tmp_path / "out"), settings)
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
    settings = study.Study(targets=(("ssim", (0.9, 0.95)),), tile_parameter="quality", **SMALL)
    (result,) = study.run(str(source), str(tmp_path / "out"), settings)
    names = sorted(path.name for path in (tmp_path / "out" / "ssim").iterdir())
    assert "comparison_jpeg.webp" in names and "distortion_map_comparison_webp.webp" in names
    assert [(variant.format, variant.target) for variant in result.variants] == [
        ("jpeg", 0.9), ("jpeg", 0.95), ("webp", 0.9), ("webp", 0.95)]


def test_a_folder_with_no_image_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no image"):
        study.run(str(tmp_path), str(tmp_path / "out"), study.Study())


# Options ----------------------------------------------------------------------------

@pytest.mark.parametrize("options, option", [
    (dict(targets=(("psnr", (30.0,)),)), "--target"),
    (dict(targets=(("ssim", (1.5,)),)), "--target"),
    (dict(targets=(("bpp", (0.0,)),)), "--target"),
    (dict(targets=()), "--target"),
    (dict(targets=(("ssim", (0.9, 0.9)),)), "--target"),
    (dict(exclude="photo.png"), "--exclude"),
    (dict(source_image=3), "--source-image"),
    (dict(formats=("gif",)), "--formats"),
    (dict(tile_parameter="size"), "--tile-parameter"),
    (dict(crop_size=8), "--crop-size"),
    (dict(zoom=0), "--zoom"),
    (dict(figure_format="jpg"), "--figure-format"),
])
def test_invalid_options_name_the_option(options, option):
    with pytest.raises(study.StudyError, match=option):
        study.Study(**options)


def test_parse_target():
    assert study.parse_target("ssim=0.9,0.95") == ("ssim", (0.9, 0.95))
    assert study.parse_target("BPP=1") == ("bpp", (1.0,))
    with pytest.raises(study.StudyError, match="--target"):
        study.parse_target("ssim=high")


def test_read_config(tmp_path):
    path = tmp_path / "study.json"
    path.write_text(json.dumps({"targets": {"bpp": [0.25, 0.5]}, "tile_parameter": "quality",
                                "exclude": ["x.png"], "zoom": 2}))
    options = study.read_config(str(path))
    assert study.Study(**options) == study.Study(targets=(("bpp", (0.25, 0.5)),),
                                                 tile_parameter="quality", exclude=("x.png",),
                                                 zoom=2)


@pytest.mark.parametrize("content, message", [
    ('{"colour": "red"}', "unknown key 'colour'"),
    ('{"targets": {"ssim": ["high"]}}', "lists of numbers"),
    ('[1, 2]', "JSON object"),
    ('{', "cannot read"),
])
def test_bad_configs_are_named(tmp_path, content, message):
    path = tmp_path / "study.json"
    path.write_text(content)
    with pytest.raises(study.StudyError, match=message):
        study.read_config(str(path))


@pytest.mark.corpus
def test_compare_a_corpus_photo(corpus_dir, tmp_path):
    source = corpus_dir / "photos" / "Canon_PowerShot_S40.jpg"
    settings = study.Study(targets=(("ssim", (0.95,)),), formats=("jpeg",))
    (result,) = study.run(str(source), str(tmp_path), settings)
    (variant,) = result.variants
    assert abs(variant.measurement.ssim - 0.95) <= 0.01
    assert len(result.files) == 4
