"""The search's scorers: the same numbers as metrics.py, within a stated tolerance."""

import io

import pytest
from PIL import Image

from optimize_images.measure import metrics, scoring

from helpers import photo

# The strided SSIM leaves out three windows in four at stride 2. On small made
# images it stays this close to the exact mean (measured largest: 2.1e-4, at 100x100);
# stride 5, for big samples, leaves out 24 in 25 (measured largest: 8.5e-4)...
STRIDED_TOLERANCE = 5e-4
STRIDE_TOLERANCES = {2: STRIDED_TOLERANCE, 3: STRIDED_TOLERANCE, 5: 1e-3}
# ...and on the search samples of the corpus photos, each tile scored apart (largest:
# 9.6e-4, coffee.png at q50, stride 5; 4e-5 for the median photo).
SAMPLE_TOLERANCE = 1e-3


def jpeg(image, level):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=level)
    return Image.open(io.BytesIO(buffer.getvalue())).convert(image.mode)


@pytest.mark.parametrize("size", [(448, 448), (333, 217), (97, 64), (64, 300)])
@pytest.mark.parametrize("level", [30, 60, 90])
def test_strided_ssim_is_close_to_the_exact_ssim(size, level):
    sample = photo(size, seed=size[0]).convert("L")
    candidate = jpeg(sample, level)
    score = scoring.scorer("ssim", sample)
    tolerance = STRIDE_TOLERANCES[scoring.stride_for(sample.size)]
    assert abs(score(candidate) - metrics.ssim(sample, candidate)) < tolerance


def test_strided_ssim_scores_several_probes_against_one_reference():
    sample = photo((300, 200)).convert("L")
    score = scoring.scorer("ssim", sample)
    values = [score(jpeg(sample, level)) for level in (20, 50, 80)]
    exact = [metrics.ssim(sample, jpeg(sample, level)) for level in (20, 50, 80)]
    assert values == sorted(values)  # better quality, higher score
    assert all(abs(a - b) < STRIDED_TOLERANCE for a, b in zip(values, exact))


def test_identical_images_score_one():
    sample = photo((200, 150)).convert("L")
    assert scoring.scorer("ssim", sample)(sample.copy()) == pytest.approx(1.0, abs=1e-6)


def test_colour_probes_are_compared_by_their_luma():
    sample = photo((160, 120))
    candidate = jpeg(sample, 40)
    strided = scoring.scorer("ssim", sample)(candidate)
    assert abs(strided - metrics.ssim(sample, candidate)) < STRIDED_TOLERANCE


@pytest.mark.parametrize("size", [(63, 400), (5, 5), (400, 12)])
def test_images_too_small_for_the_stride_are_scored_exactly(size):
    sample = photo(size).convert("L")
    candidate = jpeg(sample, 30)
    assert scoring.scorer("ssim", sample)(candidate) == metrics.ssim(sample, candidate)


@pytest.mark.parametrize("metric, measure", [("ms-ssim", metrics.ms_ssim),
                                             ("sad", metrics.diff_ratio)])
def test_the_other_metrics_are_the_exact_functions(metric, measure):
    sample = photo((200, 180))
    candidate = jpeg(sample, 50)
    assert scoring.scorer(metric, sample)(candidate) == measure(sample, candidate)


def exact_ssim(sample, candidate, tile):
    """The exact SSIM of a sample, or the mean of its tiles' when it is a mosaic."""
    if tile is None:
        return metrics.ssim(sample, candidate)
    width, height = tile
    boxes = [(left, top, left + width, top + height)
             for top in range(0, sample.height, height) for left in range(0, sample.width, width)]
    return sum(metrics.ssim(sample.crop(box), candidate.crop(box)) for box in boxes) / len(boxes)


@pytest.mark.corpus
def test_strided_ssim_on_real_photo_samples(corpus_dir):
    from optimize_images.measure import sampling
    worst = 0.0
    for path in sorted((corpus_dir / "photos").iterdir()):
        with Image.open(path) as source:
            sample, tile = sampling.take(source.convert("RGB"), "tiles")
        sample = sample.convert("L")
        score = scoring.scorer("ssim", sample, tile=tile)
        for level in (50, 70, 90):
            candidate = jpeg(sample, level)
            worst = max(worst, abs(score(candidate) - exact_ssim(sample, candidate, tile)))
    assert worst < SAMPLE_TOLERANCE


@pytest.mark.parametrize("stride", [2, 3, 5])
@pytest.mark.parametrize("size, tile", [((448, 320), None), ((512, 384), (64, 64)),
                                        ((300, 40), (100, 40))])
def test_each_stride_scores_within_the_tolerance(stride, size, tile):
    """Against the exact SSIM of the whole sample, or of each tile apart when it is a
    mosaic (the scorer leaves out the windows that straddle tiles)."""
    sample = photo(size, seed=stride).convert("L")
    candidate = jpeg(sample, 40)
    score = scoring._StridedSsim(sample, tile, stride)(candidate)
    assert abs(score - exact_ssim(sample, candidate, tile)) < STRIDE_TOLERANCES[stride]


def test_big_samples_are_scored_at_stride_5():
    assert scoring.stride_for((288, 288)) == 2
    assert scoring.stride_for((640, 480)) == 5
