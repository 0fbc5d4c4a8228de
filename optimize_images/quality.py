"""The quality search: bisection over a quality range, knowing a metric and a sampler.

The search knows nothing of formats: it is given `roundtrip(sample, quality)`,
which encodes a sample and decodes it again, and bisects for the lowest
quality whose result still scores at least the target against the sample.
"""

from dataclasses import dataclass
import math
from math import log2
from typing import Optional

from . import metrics, sampling
from .compat import reusing_memory

# Targets per metric and preset, calibrated with butteraugli on our photo
# corpus (benchmarks/calibrate_presets.py; the README has the table). For
# "sad" the value is relative to the sample's quality-95 encoding, as in
# optimize-images 2.x.
PRESET_TARGETS = {
    "ssim": {"low": 0.97, "medium": 0.98, "high": 0.99, "veryhigh": 0.995},
    "ms-ssim": {"low": 0.995, "medium": 0.997, "high": 0.998, "veryhigh": 0.999},
    "sad": {"low": 0.988, "medium": 0.992, "high": 0.995, "veryhigh": 0.998},
}
# Default quality ranges: SSIM is nearly blind to blocking in flat areas, so
# its search keeps a floor; "sad" keeps the classic 75-80.
DEFAULT_RANGES = {"ssim": (50, 95), "ms-ssim": (50, 95), "sad": (75, 80)}
CLASSIC_BASELINE_QUALITY = 95
# The interpolation search starts here, and steps this far when one side of
# its bracket is still unknown.
FIRST_GUESS = 80
UNKNOWN_STEP = 8

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
    with reusing_memory():
        if plan.relative:  # the classic method, reproduced step for step
            baseline = measure(sample, roundtrip(sample, CLASSIC_BASELINE_QUALITY))
            return bisect_quality(lambda level: measure(sample, roundtrip(sample, level)) / baseline,
                                  lambda value: value >= plan.target, low=low, high=high)
        return interpolate_quality(lambda level: measure(sample, roundtrip(sample, level)),
                                   plan.target, low=low, high=high)


def interpolate_quality(score, target, *, low, high, first_guess=FIRST_GUESS):
    """The lowest quality in [low, high] whose score reaches `target`; `high` when none does.

    Like bisection it keeps a bracket (the highest quality known to fail, the
    lowest known to pass) and returns the best quality that passed, but it
    probes where a line through the two scores nearest the target crosses
    it: metric curves are smooth in the quality, so this takes about four
    encodes where bisection over 50-95 takes six or seven. A probe that
    leaves more than two thirds of the bracket is followed by a bisection step.
    """
    scores = {}
    failing, passing = low - 1, high + 1  # outside the range: not known yet
    probe, width = min(max(first_guess, low), high), passing - failing
    while passing - failing > 1:
        scores[probe] = score(probe)
        if scores[probe] >= target:
            passing = probe
        else:
            failing = probe
        halved = passing - failing <= width * 2 / 3
        width = passing - failing
        probe = _next_probe(scores, target, failing, passing, low, high, interpolate=halved)
    if passing > high:
        return Choice(high, scores[high] if high in scores else score(high))
    return Choice(passing, scores[passing])


def _next_probe(scores, target, failing, passing, low, high, *, interpolate):
    """The next quality to try, strictly inside the bracket (failing, passing)."""
    inside_low, inside_high = max(failing + 1, low), min(passing - 1, high)
    if len(scores) == 1:  # one score: step towards the target
        (known,) = scores
        probe = known + (UNKNOWN_STEP if scores[known] < target else -UNKNOWN_STEP)
    elif interpolate:
        (q0, s0), (q1, s1) = sorted(scores.items(), key=lambda item: abs(item[1] - target))[:2]
        probe = (math.ceil(q0 + (target - s0) * (q1 - q0) / (s1 - s0)) if s1 != s0
                 else (failing + passing) // 2)
    else:
        probe = (failing + passing) // 2
    return min(max(probe, inside_low), inside_high)


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
