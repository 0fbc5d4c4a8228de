"""The search's scorers: the same numbers as metrics.py, within a stated tolerance."""

import io

import pytest
from PIL import Image

from optimize_images import metrics, scoring

from helpers import photo

# The strided SSIM leaves out three windows in four. On small made images it
# stays this close to the exact mean (measured largest: 2.1e-4, at 100x100)...
STRIDED_TOLERANCE = 5e-4
# ...and on the tile samples of the corpus photos (largest: 5.3e-4, DSCN0040.jpg at
# q50-95; 6e-5 for the median photo).
SAMPLE_TOLERANCE = 6e-4


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
    assert abs(score(candidate) - metrics.ssim(sample, candidate)) < STRIDED_TOLERANCE


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


@pytest.mark.corpus
def test_strided_ssim_on_real_photo_samples(corpus_dir):
    from optimize_images import sampling
    worst = 0.0
    for path in sorted((corpus_dir / "photos").glob("*.jpg")):
        with Image.open(path) as source:
            sample = sampling.tiles(source.convert("RGB")).convert("L")
        score = scoring.scorer("ssim", sample)
        for level in (50, 70, 90):
            candidate = jpeg(sample, level)
            worst = max(worst, abs(score(candidate) - metrics.ssim(sample, candidate)))
    assert worst < SAMPLE_TOLERANCE


@pytest.mark.parametrize("stride", [2, 3])
@pytest.mark.parametrize("size, tile", [((448, 320), None), ((512, 384), (64, 64)),
                                        ((300, 40), (100, 40))])
def test_each_stride_scores_within_the_tolerance(stride, size, tile):
    """Against the exact SSIM of the whole sample, or of each tile apart when it is a
    mosaic (the scorer leaves out the windows that straddle tiles)."""
    sample = photo(size, seed=stride).convert("L")
    candidate = jpeg(sample, 40)
    score = scoring._StridedSsim(sample, tile, stride)(candidate)
    if tile is None:
        exact = metrics.ssim(sample, candidate)
    else:
        boxes = [(left, top, left + tile[0], top + tile[1])
                 for top in range(0, size[1], tile[1]) for left in range(0, size[0], tile[0])]
        exact = sum(metrics.ssim(sample.crop(box), candidate.crop(box)) for box in boxes) / len(boxes)
    assert abs(score - exact) < STRIDED_TOLERANCE


def test_big_samples_are_scored_at_stride_3():
    assert scoring.stride_for((288, 288)) == 2
    assert scoring.stride_for((640, 480)) == 3
