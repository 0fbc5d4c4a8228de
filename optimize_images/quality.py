"""The quality search: bisection over a quality range, knowing only a scoring function.

The search knows nothing of formats, samplers or metrics: `score(q)` encodes a
sample at quality q and says how close it stays to the original.
"""

from dataclasses import dataclass
from math import log2
from typing import Optional


@dataclass(frozen=True)
class Choice:
    quality: int
    value: Optional[float]


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
