"""The quality search: bisection over a quality range, knowing a metric and a sampler.

The search knows nothing of formats: it is given `roundtrip(sample, quality)`,
which encodes a sample and decodes it again, and bisects for the lowest
quality whose result still scores at least the target against the sample.
"""

from dataclasses import dataclass
from math import log2
from typing import Optional

from . import metrics, sampling

# Targets per metric and preset; see the README ("How the JPEG quality is
# chosen") for how they were calibrated. For "sad" the value is relative to
# the sample's quality-95 encoding, as in optimize-images 2.x.
PRESET_TARGETS = {
    "ssim": {"low": 0.96, "medium": 0.975, "high": 0.985, "veryhigh": 0.993},
    "ms-ssim": {"low": 0.97, "medium": 0.98, "high": 0.988, "veryhigh": 0.995},
    "sad": {"low": 0.988, "medium": 0.992, "high": 0.995, "veryhigh": 0.998},
}
# Default quality ranges: SSIM is nearly blind to blocking in flat areas, so
# its search keeps a floor; "sad" keeps the classic 75-80.
DEFAULT_RANGES = {"ssim": (50, 95), "ms-ssim": (50, 95), "sad": (75, 80)}
CLASSIC_BASELINE_QUALITY = 95

MEASURES = {"ssim": metrics.ssim, "ms-ssim": metrics.ms_ssim, "sad": metrics.diff_ratio}
SAMPLERS = {"tiles": sampling.tiles, "thumbnail": sampling.thumbnail}


@dataclass(frozen=True)
class Choice:
    quality: int
    value: Optional[float]


@dataclass(frozen=True)
class Plan:
    metric: str
    target: float
    low: int
    high: int
    sampler: str

    @property
    def relative(self):
        """The classic metric is judged relative to a quality-95 encoding."""
        return self.metric == "sad"


def plan_for(settings):
    low, high = DEFAULT_RANGES[settings.metric]
    return Plan(
        metric=settings.metric,
        target=settings.target if settings.target is not None
        else PRESET_TARGETS[settings.metric][settings.preset],
        low=settings.min_quality if settings.min_quality is not None else low,
        high=settings.max_quality if settings.max_quality is not None else high,
        sampler=settings.sample,
    )


def search(image, roundtrip, plan, *, ceiling=None):
    """The lowest quality in the plan's range whose sample reaches the target.

    `ceiling` (a source's own quality) caps the range: encoding above it only
    adds bytes.
    """
    sample = SAMPLERS[plan.sampler](image)
    measure = MEASURES[plan.metric]
    high = min(plan.high, ceiling) if ceiling is not None else plan.high
    low = min(plan.low, high)
    if plan.relative:
        baseline = measure(sample, roundtrip(sample, CLASSIC_BASELINE_QUALITY))
        def score(quality):
            return measure(sample, roundtrip(sample, quality)) / baseline
    else:
        def score(quality):
            return measure(sample, roundtrip(sample, quality))
    with metrics.reusing_memory():
        return bisect_quality(score, lambda value: value >= plan.target, low=low, high=high)


def bisection_steps(low, high):
    """Depth of the bisection tree over [low, high], as the classic method counts it."""
    return int(log2(high - low)) + 1 if high > low else 0


def bisect_quality(score, passes, *, low, high):
    """The lowest quality in (low, high) whose score passes; `high` when none does.

    Keeps the best quality that passed, not the last one tried.
    """
    best = None
    for _ in range(bisection_steps(low, high)):
        middle = (low + high) // 2
        value = score(middle)
        if passes(value):
            best = Choice(middle, value)
            high = middle
        else:
            low = middle
    return best if best is not None else Choice(high, score(high))
