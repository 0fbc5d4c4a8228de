"""The quality searches over a quality range, knowing a metric and a sampler.

The search knows nothing of formats: it is given `roundtrip(sample, quality)`,
which encodes a sample and decodes it again, and looks for the lowest
quality whose result still scores at least the target against the sample
(`search`, by `interpolate_quality` or the classic `bisect_quality`).
`nearest_quality` serves the compare command, which wants the quality whose
measure comes nearest to a target, above or below; both interpolating
searches step to where a line through two measured qualities crosses the
target (`line_crossing`).
"""

from dataclasses import dataclass
import math
from math import log2
from typing import Callable, Dict, Iterable, Optional, Tuple

from PIL import Image

from ..common.compat import reusing_memory
from ..common.settings import Settings
from . import sampling, scoring, targets

# Targets per metric and preset. SSIM's are chosen photo by photo (`targets`)
# for about the same butteraugli distance everywhere. For "sad" the value is
# relative to the sample's quality-95 encoding, as in optimize-images 2.x.
PRESET_TARGETS = {
    "ms-ssim": {"low": 0.995, "medium": 0.997, "high": 0.998, "veryhigh": 0.999},
    "sad": {"low": 0.988, "medium": 0.992, "high": 0.995, "veryhigh": 0.998},
}
# Default quality ranges: SSIM is nearly blind to blocking in flat areas, so
# its search keeps a floor; it goes up to 100 so that a high target is met
# rather than missed at 95 (a JPEG source's own quality caps it anyway);
# "sad" keeps the classic 75-80.
DEFAULT_RANGES = {"ssim": (50, 100), "ms-ssim": (50, 100), "sad": (75, 80)}
CLASSIC_BASELINE_QUALITY = 95
# The interpolation search starts here, and steps this far when one side of
# its bracket is still unknown.
FIRST_GUESS = 80
UNKNOWN_STEP = 8
# A line through the bracket's ends is trusted to end the search only when
# they are at most this far apart (a curve with a cliff fools a longer one).
TRUSTED_WIDTH = 8

LUMA_METRICS = ("ssim", "ms-ssim")  # they compare lumas only

Point = Tuple[float, float]  # (quality, score)


@dataclass(frozen=True)
class Choice:
    quality: int
    value: Optional[float]


@dataclass(frozen=True)
class Plan:
    metric: str
    target: Optional[float]  # None: the preset's, chosen photo by photo (`targets`)
    low: int
    high: int
    sampler: str
    preset: str = "medium"

    @property
    def relative(self) -> bool:
        """The classic metric is judged relative to a quality-95 encoding."""
        return self.metric == "sad"


def plan_for(settings: Settings) -> Plan:
    low, high = DEFAULT_RANGES[settings.metric]
    target = settings.target
    if target is None and settings.metric in PRESET_TARGETS:
        target = PRESET_TARGETS[settings.metric][settings.preset]
    return Plan(
        metric=settings.metric,
        target=target,
        low=settings.min_quality if settings.min_quality is not None else low,
        high=settings.max_quality if settings.max_quality is not None else high,
        sampler=settings.sample,
        preset=settings.preset,
    )


def search(image: Image.Image, roundtrip: Callable[[Image.Image, int], Image.Image], plan: Plan,
           *, ceiling: Optional[int] = None, luma_apart: bool = False) -> Choice:
    """The lowest quality in the plan's range whose sample reaches the target.

    `ceiling` (a source's own quality) caps the range: encoding above it only
    adds bytes. `luma_apart` says the format codes luma apart from colour
    (JPEG: the Y plane's coefficients depend on the Y plane alone), so the
    luma metrics can probe with the sample's luma alone: a third of the
    pixels to encode and decode, and the same luma to measure.
    """
    sample, tile = sampling.take(image, plan.sampler)
    if luma_apart and plan.metric in LUMA_METRICS:
        sample = sample.convert("L")
    target = plan.target
    if target is None:
        target = targets.target_for(sample.convert("L"), plan.preset)
    high = min(plan.high, ceiling) if ceiling is not None else plan.high
    low = min(plan.low, high)
    with reusing_memory():
        score = scoring.scorer(plan.metric, sample, tile=tile)
        if plan.relative:  # the classic method, reproduced step for step
            baseline = score(roundtrip(sample, CLASSIC_BASELINE_QUALITY))
            return bisect_quality(lambda level: score(roundtrip(sample, level)) / baseline,
                                  lambda value: value >= target, low=low, high=high)
        return interpolate_quality(lambda level: score(roundtrip(sample, level)),
                                   target, low=low, high=high)


def interpolate_quality(score: Callable[[int], float], target: float, *, low: int, high: int,
                        first_guess: int = FIRST_GUESS) -> Choice:
    """A quality in [low, high] whose score reaches `target`: the lowest, or one above it.

    Like bisection it keeps a bracket (the highest quality known to fail, the
    lowest known to pass) and returns the best quality that passed, but it
    probes where a line through the two scores nearest the target crosses
    it: metric curves are smooth in the quality, so this takes three or four
    encodes where bisection over 50-95 takes six or seven. Every probe lies
    strictly inside the bracket, so the search ends. It stops as soon
    as the line through the bracket's ends says the quality just below the
    passing end would fail, instead of encoding that quality to make sure:
    on our photo samples that saved one encode in five and chose a quality
    one above the lowest in 3 searches of 100 (benchmarks/quality_search.py).
    When nothing passes, `high`.
    """
    scores = {}
    failing, passing = low - 1, high + 1  # outside the range: not known yet
    probe, moved = min(max(first_guess, low), high), None
    while True:
        scores[probe] = score(probe)
        side = "passing" if scores[probe] >= target else "failing"
        if side == "passing":
            passing = probe
        else:
            failing = probe
        if passing - failing <= 1:
            break
        crossing = _crossing(scores, target, failing, passing)
        if failing < low:  # nothing failed yet: move on at least a step
            crossing = min(crossing, passing - UNKNOWN_STEP)
        elif passing > high:  # nothing passed yet
            crossing = max(crossing, failing + UNKNOWN_STEP)
        elif crossing > passing - 1:  # the line says passing - 1 fails...
            if passing - failing <= TRUSTED_WIDTH:
                break  # ...believe it: keep passing
            crossing = (failing + passing) / 2  # ...over too wide a bracket: bisect
        elif side == moved:  # the same end moved twice: the line creeps, bisect
            crossing = (failing + passing) / 2
        probe, moved = min(max(math.ceil(crossing), failing + 1), passing - 1), side
    if passing > high:
        return Choice(high, scores[high] if high in scores else score(high))
    return Choice(passing, scores[passing])


def _crossing(scores: Dict[int, float], target: float, failing: int, passing: int) -> float:
    """Where the score is expected to reach the target, from the scores known.

    From the bracket's two ends when both were scored, else from the two
    scores nearest the target.
    """
    if len(scores) == 1:
        return (failing + passing) / 2  # the caller steps towards the unknown side
    if failing in scores and passing in scores:
        (q0, s0), (q1, s1) = (failing, scores[failing]), (passing, scores[passing])
    else:
        (q0, s0), (q1, s1) = sorted(scores.items(), key=lambda item: abs(item[1] - target))[:2]
    if s1 == s0:
        return (failing + passing) / 2
    return line_crossing((q0, s0), (q1, s1), target)


def line_crossing(first: Point, second: Point, target: float) -> float:
    """The quality where the line through two (quality, score) points reaches `target`."""
    (q0, s0), (q1, s1) = first, second
    return q0 + (target - s0) * (q1 - q0) / (s1 - s0)


def nearest_quality(measure: Callable[[int], float], target: float, *, probes: Iterable[int],
                    low: int, high: int, refinements: int) -> int:
    """The quality in [low, high] whose measure comes nearest to `target`.

    `measure(quality)` must rise with the quality, as bpp and SSIM do. After
    the probes, each step measures where the straight line between the two
    measured qualities around the target crosses it; it stops when that
    quality was measured already, or after `refinements` steps. A target
    beyond the measured values sends the next probe to that end of the range.
    """
    values = {quality: measure(quality) for quality in probes}
    for _ in range(refinements):
        quality = _nearest_next(values, target, low, high)
        if quality in values:
            break
        values[quality] = measure(quality)
    return min(values, key=lambda quality: (abs(values[quality] - target), quality))


def _nearest_next(values: Dict[int, float], target: float, low: int, high: int) -> int:
    """The next quality to measure: where the line between the measured qualities around
    the target crosses it, strictly between them while there is room (so a curved measure
    cannot stall the search at one end of the bracket)."""
    points = sorted(values.items())
    if target <= points[0][1]:
        return low if target < points[0][1] else points[0][0]
    for (q0, v0), (q1, v1) in zip(points, points[1:]):
        if v0 <= target <= v1 and v1 > v0:
            if q1 - q0 == 1 or target in (v0, v1):
                return q0 if target - v0 <= v1 - target else q1
            crossing = round(line_crossing((q0, v0), (q1, v1), target))
            return min(max(crossing, q0 + 1), q1 - 1)
    return high


def bisection_steps(low: int, high: int) -> int:
    """Depth of the bisection tree over [low, high], as the classic method counts it."""
    return int(log2(high - low)) + 1 if high > low else 0


def bisect_quality(score: Callable[[int], float], passes: Callable[[float], bool], *, low: int,
                   high: int) -> Choice:
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
