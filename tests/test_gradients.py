"""The metrics' gradients: against finite differences of our own metrics, and, where numpy
is installed, against finite differences of an independent float64 computation."""

import random

import pytest
from PIL import Image, ImageChops, ImageFilter

from helpers import photo
from optimize_images.measure import gradients, local_means, metrics
from optimize_images.common.compat import image_math
from references import ms_ssim_of_arrays, ssim_of_arrays

STEP = 0.5  # levels: central differences of the float32 metrics
ANALYTIC = {"ssim": gradients.ssim_gradient, "ms-ssim": gradients.ms_ssim_gradient}
SCORES = {"ssim": metrics.ssim, "ms-ssim": metrics.ms_ssim}


def noisy_pair(size, seed=3, noise=12):
    """A blurred random luma and a noisy copy, as float ("F") images."""
    rng = random.Random(seed)
    width, height = size
    a = Image.frombytes("L", size, rng.randbytes(width * height)).filter(
        ImageFilter.GaussianBlur(1)).convert("F")
    noise_image = Image.frombytes("L", size, bytes(
        min(255, max(0, round(128 + rng.gauss(0, noise)))) for _ in range(width * height)))
    b = ImageChops.add(a.convert("L"), noise_image, offset=-128).convert("F")
    return a, b


def finite_difference(score, a, b, point, step=STEP):
    plus, minus = b.copy(), b.copy()
    plus.putpixel(point, b.getpixel(point) + step)
    minus.putpixel(point, b.getpixel(point) - step)
    return (score(a, plus) - score(a, minus)) / (2 * step)


def grid_points(size, every):
    width, height = size
    return [(x, y) for y in range(0, height, every) for x in range(0, width, every)] + [
        (width - 1, height - 1)]


# Against our own metrics --------------------------------------------------------------

@pytest.mark.parametrize("metric", sorted(ANALYTIC))
@pytest.mark.parametrize("size", [(40, 32), (37, 29), (9, 7), (30, 6)])
def test_the_gradient_matches_finite_differences_of_our_metric(metric, size):
    """(37, 29): odd sizes at every halving; (9, 7) and (30, 6): mirrored like `metrics`."""
    a, b = noisy_pair(size)
    analytic = ANALYTIC[metric](a, b)
    assert (analytic.mode, analytic.size) == ("F", size)
    largest = max(abs(value) for value in analytic.getextrema())
    for point in grid_points(size, 5):
        expected = finite_difference(SCORES[metric], a, b, point)
        # float32 metrics: about 1e-8 of noise in each difference quotient.
        assert analytic.getpixel(point) == pytest.approx(expected, abs=2e-3 * largest + 3e-8), point


@pytest.mark.parametrize("metric", ["mse", "psnr"])
def test_mse_and_psnr_gradients_are_scaled_signed_differences(metric):
    inside = lambda image: image.point(lambda value: 20 + value * 215 // 255)  # noqa: E731
    a, b = inside(photo((24, 20))), inside(photo((24, 20), seed=2))  # room for ±1
    mse = lambda x, y: 255 ** 2 / 10 ** (metrics.psnr(x, y) / 10)  # noqa: E731
    score = mse if metric == "mse" else metrics.psnr
    analytic = gradients.gradient(a, b, metric)
    for point in [(0, 0), (5, 7), (23, 19), (11, 3)]:
        pixel = b.getpixel(point)
        plus, minus = b.copy(), b.copy()
        plus.putpixel(point, tuple(value + 1 for value in pixel))  # a grey step up
        minus.putpixel(point, tuple(value - 1 for value in pixel))
        # MSE is quadratic: a central difference is exact but for rounding.
        expected = (score(a, plus) - score(a, minus)) / 2
        assert analytic.getpixel(point) == pytest.approx(expected, rel=1e-5, abs=1e-12)


def test_mse_gradient_points_from_a_to_b():
    a, b = Image.new("L", (4, 2), 100), Image.new("L", (4, 2), 100)
    b.putpixel((1, 1), 110)
    b.putpixel((3, 0), 97)
    mse_map = gradients.mse_gradient(a, b)
    assert mse_map.getpixel((1, 1)) == pytest.approx(2 * 10 / 8)
    assert mse_map.getpixel((3, 0)) == pytest.approx(2 * -3 / 8)
    assert mse_map.getpixel((0, 0)) == 0
    psnr_map = gradients.psnr_gradient(a, b)
    assert psnr_map.getpixel((1, 1)) < 0 < psnr_map.getpixel((3, 0))  # error up, PSNR down


@pytest.mark.parametrize("metric", gradients.GRADIENT_METRICS)
def test_identical_images_have_a_zero_gradient(metric):
    image = photo((48, 40))
    assert gradients.gradient(image, image.copy(), metric).getextrema() == (0.0, 0.0)


def test_a_clamped_ms_ssim_has_a_zero_gradient():
    image = photo((64, 48))
    inverted = ImageChops.invert(image)
    assert metrics.ms_ssim(image, inverted) == 0.0
    assert gradients.ms_ssim_gradient(image, inverted).getextrema() == (0.0, 0.0)


def test_a_step_along_the_gradient_raises_the_score():
    a, b = noisy_pair((48, 40))
    direction = gradients.ssim_gradient(a, b)
    scale = 2 / max(abs(value) for value in direction.getextrema())  # up to 2 levels
    raised = image_math(lambda y, g: y + g * scale, b, direction)
    lowered = image_math(lambda y, g: y - g * scale, b, direction)
    assert metrics.ssim(a, lowered) < metrics.ssim(a, b) < metrics.ssim(a, raised)


@pytest.mark.parametrize("function", [gradients.ssim_gradient, gradients.ms_ssim_gradient])
def test_strips_give_the_same_gradient_as_one_piece(function, monkeypatch):
    a, b = noisy_pair((60, 50))
    whole = function(a, b)
    monkeypatch.setattr(local_means, "STRIP_PIXELS", 60 * 7)  # strips of 7 rows
    difference = image_math(lambda x, y: abs(x - y), whole, function(a, b))
    largest = max(abs(value) for value in whole.getextrema())
    assert difference.getextrema()[1] <= 1e-6 * largest


def test_an_unknown_metric_is_refused():
    image = photo((16, 16))
    with pytest.raises(ValueError, match="metric must be one of mse, psnr, ssim, ms-ssim"):
        gradients.gradient(image, image, "lpips")


def test_images_of_different_sizes_are_refused():
    with pytest.raises(ValueError, match="differ in size"):
        gradients.ssim_gradient(Image.new("L", (16, 16)), Image.new("L", (16, 8)))


# Against an independent float64 computation ----------------------------------------------

def numpy_gradient(score, x, y, step=1e-3):
    """Central differences of a float64 numpy score, pixel by pixel."""
    import numpy as np
    result = np.zeros_like(y)
    for index in np.ndindex(*y.shape):
        plus, minus = y.copy(), y.copy()
        plus[index] += step
        minus[index] -= step
        result[index] = (score(x, plus) - score(x, minus)) / (2 * step)
    return result


@pytest.mark.parametrize("metric, size", [("ssim", (23, 19)), ("ssim", (8, 13)),
                                          ("ms-ssim", (21, 17))])
def test_the_whole_gradient_matches_an_independent_computation(metric, size):
    np = pytest.importorskip("numpy")
    a, b = noisy_pair(size, seed=7, noise=20)
    x, y = (np.asarray(image, dtype=np.float64) for image in (a, b))
    score = ssim_of_arrays if metric == "ssim" else ms_ssim_of_arrays
    expected = numpy_gradient(score, x, y)
    analytic = np.asarray(ANALYTIC[metric](a, b), dtype=np.float64)
    largest = np.abs(expected).max()
    assert largest > 0
    # float32 arithmetic against float64: measured at most 6e-7 of the largest value.
    assert np.abs(analytic - expected).max() <= 1e-5 * largest
