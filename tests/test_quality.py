import io
import math
import random

import pytest
from PIL import Image

from optimize_images.measure import quality
from optimize_images.api import optimize_bytes
from optimize_images.measure.quality import (bisect_quality, bisection_steps, interpolate_quality,
                                             plan_for)
from optimize_images.common.settings import Settings

from helpers import encode, photo


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


# The qualities optimize-images 2.2.0 chose for `grainy_source(amount)`: one for each
# outcome of its bisection over 75-80 (80 also when nothing passed). How they were got:
# `pip install optimize-images==2.2.0` in a scratch venv (Pillow 13.0.0), each source
# written to a file, `optimize-images FOLDER` with 2.2.0's defaults (its 'auto' tables are
# mozjpeg's for a quality-95 source), and the quality read back from the tables it wrote:
# they are exactly libjpeg's scaling of mozjpeg's table at that quality. 2.2.0's own
# img_dynamic_quality.jpeg_dynamic_quality gives the same six. The amounts keep every
# deciding ratio at least 0.9e-4 from 2.2.0's threshold (0.992; a quality step moves it
# about 3e-4), so that another Pillow's rounding does not flip a choice.
CHOSEN_BY_2_2_0 = [(0.20, 75), (0.2575, 76), (0.2775, 77), (0.2935, 78), (0.315, 79),
                   (0.375, 80)]


def grainy_source(amount):
    """A quality-95 JPEG of photo((900, 600), seed=5) blended with `amount` of raw noise."""
    size = (900, 600)
    noise = Image.frombytes("RGB", size, random.Random(5).randbytes(size[0] * size[1] * 3))
    return encode(Image.blend(photo(size, seed=5), noise, amount), "JPEG", quality=95)


@pytest.mark.parametrize("amount, expected", CHOSEN_BY_2_2_0)
def test_sad_thumbnail_reproduces_the_classic_method(amount, expected):
    """--metric sad --sample thumbnail chooses the quality optimize-images 2.2.0 chose."""
    _, result = optimize_bytes(grainy_source(amount), metric="sad", sample="thumbnail")
    assert result.quality == expected


def test_the_source_quality_caps_the_search():
    image = photo((300, 200))
    plan = plan_for(Settings(target=0.99999))
    assert quality.search(image, jpeg_roundtrip, plan, ceiling=70).quality == 70


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_jpeg_quality_is_estimated_from_its_tables(mode):
    from optimize_images.image.formats.base import save_to_bytes
    from optimize_images.image.formats.jpeg_tables import MOZJPEG_TABLE, estimate_quality, scaled
    for level in range(1, 101):
        standard = Image.open(io.BytesIO(save_to_bytes(Image.new(mode, (16, 16)), "JPEG",
                                                       quality=level)))
        assert estimate_quality(standard) == level
        tables = [scaled(MOZJPEG_TABLE, level)] * (1 if mode == "L" else 2)
        mozjpeg = Image.open(io.BytesIO(save_to_bytes(Image.new(mode, (16, 16)), "JPEG",
                                                      qtables=tables)))
        estimate = estimate_quality(mozjpeg)  # qualities 1 and 2 give the same tables
        assert scaled(MOZJPEG_TABLE, estimate) == scaled(MOZJPEG_TABLE, level)
