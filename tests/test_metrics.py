"""Tests for optimize_images.measure.metrics.

Reference values come from independent implementations: scikit-image for SSIM
and PSNR, numpy for the SAD ratio and for MS-SSIM (`references.py`, written
from Wang's MATLAB msssim.m). They are stored in
fixtures/metrics_reference.json, computed on images this file makes, so the
tests need neither numpy nor scikit-image; where those are installed, the
live tests compare against them directly. Regenerate the fixture with
``PYTHONPATH=. python tests/test_metrics.py``.
"""

import hashlib
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from optimize_images.measure import local_means, metrics
from references import luma_array, ms_ssim_of_arrays, ssim_of_arrays

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "metrics_reference.json"
SCALARS = (metrics.diff_ratio, metrics.psnr, metrics.ssim, metrics.ms_ssim)
ALL_METRICS = SCALARS + (metrics.ssim_map,)
MODES = ("L", "RGB", "RGBA", "P", "LA", "I;16", "CMYK")
# What the tests hold the code to, against scikit-image and the numpy
# reference (measured: about 1e-7 for both).
SSIM_TOLERANCE = 1e-6
MS_SSIM_TOLERANCE = 1e-5
# What we promise on real photos.
PHOTO_SSIM_TOLERANCE = 1e-4
PHOTO_MS_SSIM_TOLERANCE = 1e-3


# Images -------------------------------------------------------------------------

def scene():
    """A 256×256 RGB test picture drawn by Pillow the same way on every version.

    Gradients, a Mandelbrot texture, thick lines, blocks and a fine grid:
    no resampling, blur or noise, whose output may change between versions.
    """
    linear = Image.linear_gradient("L")
    texture = Image.effect_mandelbrot((256, 256), (-2.0, -1.25, 0.5, 1.25), 64)
    image = Image.merge("RGB", (linear, Image.radial_gradient("L"), texture))
    draw = ImageDraw.Draw(image)
    for step in range(0, 256, 24):
        draw.line((0, step, 255, 255 - step), fill=(255 - step, step, 128), width=3)
        draw.rectangle((step, step // 2, step + 10, step // 2 + 30),
                       fill=(step, 40, 200 - step // 2))
    for step in range(160, 240, 3):
        draw.line((step, 180, step, 250), fill=(20, 20, 20))
        draw.line((150, step + 10, 250, step + 10), fill=(230, 230, 230))
    return image


def jpeg(image, quality):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(buffer).convert(image.mode)


def posterised(image):
    return image.point(lambda value: value // 32 * 32 + 16)


def reference_pairs():
    """The named pairs whose reference values the fixture holds."""
    picture = scene()
    odd = picture.crop((3, 5, 253, 208))  # 250×203: odd sizes at the coarser scales
    small = picture.crop((100, 100, 164, 148))  # 64×48: MS-SSIM's coarse scales are mirrored
    return {
        "scene/jpeg-q30": (picture, jpeg(picture, 30)),
        "scene/jpeg-q60": (picture, jpeg(picture, 60)),
        "scene/jpeg-q90": (picture, jpeg(picture, 90)),
        "scene/posterised": (picture, posterised(picture)),
        "scene-250x203/jpeg-q60": (odd, jpeg(odd, 60)),
        "scene-64x48/jpeg-q30": (small, jpeg(small, 30)),
    }


def checksum(a, b):
    return hashlib.sha256(a.tobytes() + b.tobytes()).hexdigest()


def load_fixture():
    return json.loads(FIXTURE.read_text())


# The references (numpy and scikit-image, imported only when called) ----------------

def reference_ssim(a, b):
    """scikit-image's SSIM with Wang et al.'s settings, on float64 luma arrays."""
    from skimage.metrics import structural_similarity
    return float(structural_similarity(luma_array(a), luma_array(b), gaussian_weights=True,
                                       sigma=1.5, use_sample_covariance=False, data_range=255))


def reference_psnr(a, b):
    import numpy as np
    from skimage.metrics import peak_signal_noise_ratio
    return float(peak_signal_noise_ratio(np.asarray(a), np.asarray(b), data_range=255))


def reference_diff_ratio(a, b):
    import numpy as np
    difference = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return float(1 - np.abs(difference).mean() / 255)


def reference_ms_ssim(a, b):
    """MS-SSIM as Wang's msssim.m computes it (`references.ms_ssim_of_arrays`)."""
    return ms_ssim_of_arrays(luma_array(a), luma_array(b))


def reference_mirrored_ssim(a, b):
    """SSIM of images smaller than the window: the mean of the mirrored full map."""
    return ssim_of_arrays(luma_array(a), luma_array(b))


# Identity, bounds, symmetry --------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_identical_images_score_perfectly(mode):
    image = _same_picture_in(mode, scene())
    assert metrics.diff_ratio(image, image) == 1.0
    assert metrics.psnr(image, image) == math.inf
    assert metrics.ssim(image, image) == 1.0
    assert metrics.ms_ssim(image, image) == 1.0
    assert metrics.ssim_map(image, image).getextrema() == (1.0, 1.0)


@pytest.mark.parametrize("distort", [lambda image: jpeg(image, 10), ImageChops.invert,
                                     lambda image: Image.new("RGB", image.size, (128, 0, 64))])
def test_scores_stay_within_their_bounds(distort):
    image = scene()
    other = distort(image)
    assert 0.0 <= metrics.diff_ratio(image, other) < 1.0
    assert 0.0 < metrics.psnr(image, other) < math.inf
    assert -1.0 <= metrics.ssim(image, other) < 1.0
    assert 0.0 <= metrics.ms_ssim(image, other) < 1.0
    low, high = metrics.ssim_map(image, other).getextrema()
    assert -1.0 <= low <= high <= 1.0


@pytest.mark.parametrize("metric", SCALARS)
def test_metrics_are_symmetric(metric):
    image, other = scene(), jpeg(scene(), 30)
    assert metric(image, other) == metric(other, image)


def test_known_small_values():
    black, grey = Image.new("L", (8, 8), 0), Image.new("L", (8, 8), 51)
    assert metrics.diff_ratio(black, grey) == pytest.approx(0.8)
    assert metrics.psnr(black, grey) == pytest.approx(10 * math.log10(255 ** 2 / 51 ** 2))


# One test per input rule ----------------------------------------------------------

@pytest.mark.parametrize("metric", ALL_METRICS)
def test_an_argument_that_is_not_an_image_is_refused(metric):
    with pytest.raises(TypeError, match="PIL.Image.Image"):
        metric(scene(), b"not an image")


@pytest.mark.parametrize("metric", ALL_METRICS)
def test_images_of_different_sizes_are_refused(metric):
    with pytest.raises(ValueError, match="differ in size.*resize"):
        metric(Image.new("RGB", (20, 20)), Image.new("RGB", (20, 21)))


@pytest.mark.parametrize("metric", ALL_METRICS)
def test_empty_images_are_refused(metric):
    with pytest.raises(ValueError, match="empty"):
        metric(Image.new("L", (0, 5)), Image.new("L", (0, 5)))


@pytest.mark.parametrize("metric", ALL_METRICS)
def test_an_unsupported_mode_is_refused(metric):
    with pytest.raises(ValueError, match="mode LAB.*convert"):
        metric(Image.new("LAB", (20, 20)), Image.new("RGB", (20, 20)))


@pytest.mark.parametrize("background", [(255, 255), [255, 255, 255], (0, 0, 256), "white"])
@pytest.mark.parametrize("metric", ALL_METRICS)
def test_a_background_that_is_not_an_rgb_triple_is_refused(metric, background):
    image = Image.new("RGBA", (20, 20))
    with pytest.raises(ValueError, match="background must be a tuple of 3 integers"):
        metric(image, image, background=background)


# Modes -----------------------------------------------------------------------------

def _same_picture_in(mode, image):
    """The RGB `image` in `mode`, with no loss beyond what the mode itself implies."""
    if mode == "I;16":  # 16-bit samples: 257 × the 8-bit value
        return image.convert("L").point(lambda value: value * 257, "I").convert("I;16")
    return image.convert(mode)


def _as_compared(mode, image):
    """What the metrics should see of `_same_picture_in(mode, image)`."""
    if mode in ("L", "LA", "I;16"):
        return image.convert("L")
    return image.convert(mode).convert("RGB")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("metric", SCALARS)
def test_every_mode_is_compared_as_its_8_bit_equivalent(metric, mode):
    image, other = scene(), jpeg(scene(), 30)
    expected = metric(_as_compared(mode, image), _as_compared(mode, other))
    assert metric(_same_picture_in(mode, image), _same_picture_in(mode, other)) == expected


def test_transparency_is_composited_over_the_background():
    clear = Image.new("RGBA", (32, 32), (10, 200, 30, 0))
    assert metrics.ssim(clear, Image.new("RGB", (32, 32), "white")) == 1.0
    assert metrics.diff_ratio(clear, Image.new("L", (32, 32), 0), background=(0, 0, 0)) == 1.0
    half = Image.new("LA", (32, 32), (0, 128))
    assert metrics.psnr(half, Image.new("L", (32, 32), 127)) == math.inf


def test_a_palette_with_a_transparent_index_is_composited():
    image = Image.new("P", (16, 16), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.info["transparency"] = 1
    assert metrics.diff_ratio(image, Image.new("RGB", (16, 16), "white")) == 1.0


def test_float_images_are_taken_as_luma():
    image, other = scene(), jpeg(scene(), 30)
    as_float = [picture.convert("L").convert("F") for picture in (image, other)]
    assert metrics.ssim(*as_float) == metrics.ssim(image, other)
    assert metrics.ssim_map(*as_float).tobytes() == metrics.ssim_map(image, other).tobytes()
    assert metrics.ssim(as_float[0], other) == metrics.ssim(image, other)


def test_grey_and_colour_images_are_compared_in_rgb():
    grey = scene().convert("L")
    assert metrics.diff_ratio(grey, grey.convert("RGB")) == 1.0


# Small images ----------------------------------------------------------------------

@pytest.mark.parametrize("size", [(1, 1), (5, 5), (10, 30), (30, 10), (11, 11)])
def test_images_smaller_than_the_window_are_scored(size):
    image = scene().crop((100, 100, 100 + size[0], 100 + size[1]))
    other = ImageChops.invert(image)
    assert metrics.ssim(image, image) == metrics.ms_ssim(image, image) == 1.0
    assert -1.0 <= metrics.ssim(image, other) < 1.0
    assert 0.0 <= metrics.ms_ssim(image, other) < 1.0
    assert 0.0 <= metrics.diff_ratio(image, other) < 1.0
    assert metrics.ssim_map(image, other).size == size


@pytest.mark.parametrize("size", [(1, 1), (5, 5), (10, 30), (30, 10), (3, 40)])
def test_small_images_match_the_mirrored_reference(size):
    pytest.importorskip("numpy")
    image = scene().crop((90, 80, 90 + size[0], 80 + size[1]))
    other = jpeg(image, 30)
    assert metrics.ssim(image, other) == pytest.approx(reference_mirrored_ssim(image, other),
                                                       abs=SSIM_TOLERANCE)
    assert metrics.ms_ssim(image, other) == pytest.approx(reference_ms_ssim(image, other),
                                                          abs=MS_SSIM_TOLERANCE)


# Strips and the map ------------------------------------------------------------------

def test_strips_give_the_same_result_as_one_piece(monkeypatch):
    image = scene().crop((0, 0, 200, 256))
    other = jpeg(image, 30)
    whole = (metrics.ssim(image, other), metrics.ms_ssim(image, other),
             metrics.ssim_map(image, other).tobytes())
    monkeypatch.setattr(local_means, "STRIP_PIXELS", 200 * 7)  # strips of 7 rows
    # The map is the same to the bit; each strip's mean is rounded to float32.
    assert metrics.ssim(image, other) == pytest.approx(whole[0], abs=1e-7)
    assert metrics.ms_ssim(image, other) == pytest.approx(whole[1], abs=1e-7)
    assert metrics.ssim_map(image, other).tobytes() == whole[2]


def test_the_map_has_the_size_of_the_images_and_ssim_is_its_trimmed_mean():
    image = scene().crop((0, 0, 200, 150))
    other = jpeg(image, 30)
    local = metrics.ssim_map(image, other)
    assert (local.mode, local.size) == ("F", image.size)
    trimmed = local.crop((5, 5, 195, 145))
    mean = trimmed.reduce(trimmed.size).getpixel((0, 0))
    assert mean == pytest.approx(metrics.ssim(image, other), abs=1e-7)


def test_the_map_is_low_where_the_images_differ():
    image = scene()
    other = image.copy()
    other.paste((0, 0, 0), (20, 200, 60, 240))
    local = metrics.ssim_map(image, other)
    assert local.getpixel((40, 220)) < 0.5
    assert local.getpixel((200, 40)) == 1.0


# Reference values ----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(reference_pairs()))
def test_stored_reference_values(name):
    a, b = reference_pairs()[name]
    expected = load_fixture()["pairs"][name]
    if checksum(a, b) != expected["sha256"]:
        pytest.skip("this Pillow draws or encodes the test images differently from the fixture's")
    assert metrics.ssim(a, b) == pytest.approx(expected["ssim"], abs=SSIM_TOLERANCE)
    assert metrics.ms_ssim(a, b) == pytest.approx(expected["ms_ssim"], abs=MS_SSIM_TOLERANCE)
    assert metrics.psnr(a, b) == pytest.approx(expected["psnr"], abs=1e-9)
    assert metrics.diff_ratio(a, b) == pytest.approx(expected["diff_ratio"], abs=1e-12)


@pytest.mark.parametrize("name", sorted(reference_pairs()))
def test_live_reference_values(name):
    pytest.importorskip("skimage")
    a, b = reference_pairs()[name]
    assert metrics.ssim(a, b) == pytest.approx(reference_ssim(a, b), abs=SSIM_TOLERANCE)
    assert metrics.ms_ssim(a, b) == pytest.approx(reference_ms_ssim(a, b), abs=MS_SSIM_TOLERANCE)
    assert metrics.psnr(a, b) == pytest.approx(reference_psnr(a, b), abs=1e-9)
    assert metrics.diff_ratio(a, b) == pytest.approx(reference_diff_ratio(a, b), abs=1e-12)


@pytest.mark.corpus
@pytest.mark.parametrize("quality", [30, 60, 90])
def test_jpeg_quality_pairs_of_real_photos_match_the_references(corpus_dir, quality):
    pytest.importorskip("skimage")
    photos = sorted((corpus_dir / "photos").iterdir())
    assert photos
    for path in photos:
        with Image.open(path) as opened:
            photo = opened.convert("RGB")
        encoded = jpeg(photo, quality)
        assert metrics.ssim(photo, encoded) == pytest.approx(
            reference_ssim(photo, encoded), abs=PHOTO_SSIM_TOLERANCE), path.name
        assert metrics.ms_ssim(photo, encoded) == pytest.approx(
            reference_ms_ssim(photo, encoded), abs=PHOTO_MS_SSIM_TOLERANCE), path.name


# The module's own rules ------------------------------------------------------------------

def test_importing_the_metrics_loads_no_numpy():
    code = "import sys, optimize_images.measure.metrics; sys.exit('numpy' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_the_metrics_leave_pillows_settings_alone():
    core = Image.core
    if not hasattr(core, "get_blocks_max"):
        pytest.skip("this Pillow has no block cache")
    before = core.get_blocks_max()
    metrics.ms_ssim(scene(), jpeg(scene(), 30))
    assert core.get_blocks_max() == before


def write_fixture():
    """Compute the reference values with numpy and scikit-image and store them."""
    import numpy
    import skimage
    pairs = {}
    for name, (a, b) in reference_pairs().items():
        pairs[name] = {"sha256": checksum(a, b), "ssim": reference_ssim(a, b),
                       "ms_ssim": reference_ms_ssim(a, b), "psnr": reference_psnr(a, b),
                       "diff_ratio": reference_diff_ratio(a, b)}
    about = {
        "made_by": "PYTHONPATH=. python tests/test_metrics.py (write_fixture), "
                   "on the pairs of reference_pairs()",
        "ssim": "scikit-image structural_similarity(x, y, gaussian_weights=True, sigma=1.5, "
                "use_sample_covariance=False, data_range=255) on float64 arrays of "
                "image.convert('L')",
        "ms_ssim": "reference_ms_ssim in tests/test_metrics.py (numpy, after Wang's msssim.m)",
        "psnr": "scikit-image peak_signal_noise_ratio(a, b, data_range=255) on uint8 arrays",
        "diff_ratio": "1 - numpy.abs(a - b).mean() / 255 on float64 arrays of all bands",
        "sha256": "of a.tobytes() + b.tobytes(): the stored values apply only to these pixels",
        "versions": {"scikit-image": skimage.__version__, "numpy": numpy.__version__,
                     "Pillow": Image.__version__},
    }
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps({"about": about, "pairs": pairs}, indent=2) + "\n")


if __name__ == "__main__":
    write_fixture()
