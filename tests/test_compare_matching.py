"""The compare command's matching: the quality that hits a target, on a sample and on the whole image."""

import pytest
from PIL import Image, ImageFilter

from helpers import photo
from optimize_images.measure import metrics
from optimize_images.commands.compare import matching


def test_match_quality_on_a_straight_line():
    assert matching.match_quality(lambda quality: quality / 100, 0.537) == 54


def test_match_quality_on_a_curve_takes_few_measurements():
    calls = []

    def measure(quality):
        calls.append(quality)
        return 1 - 0.5 * (1 - quality / 100) ** 2

    quality = matching.match_quality(measure, 0.93)
    assert quality in (62, 63)  # the exact crossing is at 62.6
    assert len(set(calls)) <= len(matching.PROBES) + matching.REFINEMENTS


def test_match_quality_beyond_the_measured_values_goes_to_the_ends():
    assert matching.match_quality(lambda quality: quality, 1000) == 100
    assert matching.match_quality(lambda quality: quality, -5) == 1


@pytest.mark.parametrize("format_name", ["jpeg", "webp"])
@pytest.mark.parametrize("metric, target, tolerance", [("ssim", 0.95, 0.01), ("bpp", 1.0, 0.1)])
def test_interpolation_lands_within_tolerance_of_its_target(
        format_name, metric, target, tolerance):
    image = photo((192, 144))
    matcher = matching.Matcher(image, image.convert("L"), matching.sample_measure(image, format_name),
                            format_name, metric)
    variant, distortion = matcher.variant(target)
    measured = variant.measurement
    if metric == "bpp":
        assert abs(measured.bpp / target - 1) <= tolerance
    else:
        assert abs(measured.ssim - target) <= tolerance
    decoded = matching.decode(variant.data)
    assert measured.ssim == pytest.approx(metrics.ssim(image, decoded), abs=1e-5)
    assert measured.bpp == 8 * len(variant.data) / (192 * 144)
    assert distortion.size == image.size


def test_a_whole_image_that_misses_is_corrected():
    image = photo((192, 144))
    smoother_sample = image.filter(ImageFilter.GaussianBlur(1.5))  # cheaper than the image
    matcher = matching.Matcher(image, image.convert("L"),
                            matching.sample_measure(smoother_sample, "jpeg"), "jpeg", "bpp")
    first_guess = matching.bits_per_pixel(matching.encode(image, "jpeg", matcher.quality_for(1.0)),
                                       image.size)
    variant, _ = matcher.variant(1.0)
    assert abs(first_guess - 1.0) > 0.05
    assert abs(variant.measurement.bpp - 1.0) < abs(first_guess - 1.0)


@pytest.mark.parametrize("metric, target, measured, reason", [
    ("ssim", 0.9, matching.Measurement(1, 0.065, 0.914),
     "target out of reach: q1 is the lowest quality"),
    ("bpp", 1.5, matching.Measurement(100, 1.335, 0.995),
     "target out of reach: q100 is the highest quality"),
    ("ssim", 0.95, matching.Measurement(50, 0.8, 0.965), "SSIM 0.015 above the target"),
    ("ssim", 0.9, matching.Measurement(50, 0.8, 0.893), "SSIM 0.007 below the target"),
    ("bpp", 1.5, matching.Measurement(99, 1.217, 0.999), "bpp 19% below the target"),
    ("bpp", 1.0, matching.Measurement(30, 1.1, 0.9), "bpp 10% above the target"),
    ("ssim", 0.9, matching.Measurement(1, 0.065, 0.904), None),  # within tolerance
    ("bpp", 0.5, matching.Measurement(100, 0.51, 0.99), None),
])
def test_a_target_not_met_says_why_and_which_way(metric, target, measured, reason):
    assert matching.off_target(metric, target, measured) == reason


def test_a_target_below_the_lowest_quality_is_out_of_reach():
    """A smooth image is above SSIM 0.5 even at quality 1: the variant says so."""
    image = Image.linear_gradient("L").resize((192, 144)).convert("RGB")
    matcher = matching.Matcher(image, image.convert("L"), matching.sample_measure(image, "jpeg"),
                               "jpeg", "ssim")
    variant, _ = matcher.variant(0.5)
    assert variant.measurement.quality == 1 and variant.measurement.ssim > 0.5 + 0.005
    assert variant.off_target == "target out of reach: q1 is the lowest quality"
