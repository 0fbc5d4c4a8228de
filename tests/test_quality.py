import io
import math

import pytest
from PIL import Image

from optimize_images import metrics, quality
from optimize_images.quality import bisect_quality, bisection_steps, interpolate_quality, plan_for
from optimize_images.settings import Settings

from helpers import photo


def test_classic_step_count():
    assert bisection_steps(75, 80) == 3
    assert bisection_steps(80, 80) == 0
    assert bisection_steps(40, 95) == 6


def test_keeps_the_lowest_quality_that_passed():
    tried = []

    def score(quality):
        tried.append(quality)
        return quality

    choice = bisect_quality(score, lambda value: value >= 76, low=75, high=80)
    assert choice.quality == 76
    assert tried == [77, 76, 75]  # the last one tried (75) failed; 76 is kept


def test_falls_back_to_high_when_nothing_passes():
    choice = bisect_quality(lambda q: q, lambda value: False, low=75, high=80)
    assert choice.quality == 80
    assert choice.value == 80

CURVES = {
    "smooth": lambda q: 1 - 0.5 * math.exp(-q / 20),
    "linear": lambda q: 0.9 + q * 0.001,
    "step": lambda q: 0.99 if q >= 73 else 0.9,
}
# How far above the lowest passing quality the search may stop: one on smooth
# curves; a cliff fools the line through a narrow bracket a little more.
ALLOWED_EXCESS = {"smooth": 1, "linear": 1, "step": 3}


@pytest.mark.parametrize("curve", sorted(CURVES))
@pytest.mark.parametrize("target", [0.9, 0.95, 0.97, 0.975, 0.99, 0.999])
def test_interpolation_finds_a_passing_quality_near_the_lowest(curve, target):
    function = CURVES[curve]
    tried = []

    def score(level):
        tried.append(level)
        return function(level)

    choice = interpolate_quality(score, target, low=50, high=95)
    passing = [level for level in range(50, 96) if function(level) >= target]
    if passing:
        assert function(choice.quality) >= target
        assert min(passing) <= choice.quality <= min(passing) + ALLOWED_EXCESS[curve]
    else:
        assert choice.quality == 95
    assert choice.value == function(choice.quality)
    assert len(tried) <= 7  # bisection over 50-95 would take 6 or 7


def test_interpolation_stops_when_the_line_says_the_next_quality_down_fails():
    tried = []

    def score(level):  # a straight line: the crossing is known after two probes
        tried.append(level)
        return 0.9 + level * 0.001

    choice = interpolate_quality(score, 0.9705, low=50, high=95)
    assert choice.quality == 71 and 70 not in tried
    assert len(tried) <= 3


def test_plans_follow_metric_preset_and_overrides():
    assert plan_for(Settings()) == quality.Plan("ssim", None, 50, 100, "tiles", "medium")
    assert plan_for(Settings(preset="low")).preset == "low"
    classic = plan_for(Settings(metric="sad", sample="thumbnail"))
    assert (classic.low, classic.high, classic.target, classic.relative) == (75, 80, 0.992, True)
    custom = plan_for(Settings(metric="ms-ssim", preset="high", min_quality=30, max_quality=90))
    assert (custom.target, custom.low, custom.high) == (0.998, 30, 90)
    assert plan_for(Settings(target=0.95)).target == 0.95


def jpeg_roundtrip(sample, level):
    buffer = io.BytesIO()
    sample.save(buffer, "JPEG", quality=level)
    return Image.open(io.BytesIO(buffer.getvalue())).convert(sample.mode)


def test_sad_thumbnail_reproduces_the_classic_method():
    """optimize-images 2.x: 400×400 sample, SAD relative to q95, accept at 0.992, bisect 75-80."""
    image = photo((900, 600), seed=5)
    sample = image.resize((400, 400), Image.Resampling.BICUBIC, reducing_gap=2.0)
    baseline = metrics.diff_ratio(sample, jpeg_roundtrip(sample, 95))
    low, high, expected = 75, 80, None
    for _ in range(3):  # int(log2(80 - 75)) + 1 steps, keeping the best that passed
        middle = (low + high) // 2
        if metrics.diff_ratio(sample, jpeg_roundtrip(sample, middle)) / baseline >= 0.992:
            expected, high = middle, middle
        else:
            low = middle
    plan = plan_for(Settings(metric="sad", sample="thumbnail"))
    assert quality.search(image, jpeg_roundtrip, plan).quality == (expected or 80)


def test_the_source_quality_caps_the_search():
    image = photo((300, 200))
    plan = plan_for(Settings(target=0.99999))
    assert quality.search(image, jpeg_roundtrip, plan, ceiling=70).quality == 70


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_jpeg_quality_is_estimated_from_its_tables(mode):
    from optimize_images.formats import jpeg
    from optimize_images.formats.base import save_to_bytes
    for level in range(1, 101):
        standard = Image.open(io.BytesIO(save_to_bytes(Image.new(mode, (16, 16)), "JPEG",
                                                       quality=level)))
        assert jpeg.estimate_quality(standard) == level
        tables = [jpeg._scaled(jpeg.MOZJPEG_TABLE, level)] * (1 if mode == "L" else 2)
        mozjpeg = Image.open(io.BytesIO(save_to_bytes(Image.new(mode, (16, 16)), "JPEG",
                                                      qtables=tables)))
        estimate = jpeg.estimate_quality(mozjpeg)  # qualities 1 and 2 give the same tables
        assert jpeg._scaled(jpeg.MOZJPEG_TABLE, estimate) == jpeg._scaled(jpeg.MOZJPEG_TABLE, level)
