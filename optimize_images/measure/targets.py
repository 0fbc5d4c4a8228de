"""The default's SSIM target, photo by photo: about the same visible quality on every photo.

One SSIM target is not one visible quality. SSIM is nearly blind to blocking
and banding in flat areas (sky, walls, backdrops), which the eye sees first,
so a photo with much flat ground needs a higher SSIM than a busy one to look
as good; and SSIM is a mean over the photo, so a small subject on a plain
backdrop, whose windows all score 1, hides its damage in the average. Judged
by butteraugli over a grid of our encodings of 58 photos
(benchmarks/visible_quality.py), the SSIM at which a photo comes down to a
given butteraugli distance follows from two things its sample shows:

- the share of still pixels, `still`: 8×8 blocks with no variation at all,
  which every quality keeps as they are. They count as SSIM 1, so the rest
  must make up for them: the target's deficit (1 − target) shrinks by 1 − still;
- the share of flat pixels among the others, `flat`: pixels whose 3×3
  Laplacian is within FLAT_LEVEL grey levels of 0 (smooth gradients count):

    log((1 − target) / (1 − still)) = INTERCEPTS[preset] + SLOPE · flat

The coefficients were fit on one half of the photos and checked on the other.
A target the user gives (--target) is used as it is.
"""

import math
from typing import Tuple, cast

from PIL import Image, ImageFilter

from ..common.compat import image_math

# The fit (benchmarks/visible_quality.py), per preset.
INTERCEPTS = {"low": -2.33, "medium": -2.63, "high": -2.92, "veryhigh": -3.23}
SLOPE = -2.10
# Whatever the sample, a target stays within these.
LOWEST, HIGHEST = 0.90, 0.9995

FLAT_LEVEL = 2  # grey levels of the 3×3 Laplacian
STILL_VARIANCE = 0.1  # an 8×8 block varying less than this (grey levels²) is still
_LAPLACIAN = ImageFilter.Kernel((3, 3), (1, -2, 1, -2, 4, -2, 1, -2, 1), scale=1, offset=128)
_BLOCK = 8
_MOST_STILL = 0.97  # past this a sample has too little content to stand for anything


def target_for(luma: Image.Image, preset: str) -> float:
    """The SSIM target for a photo whose sample's luma ("L") is `luma`, at a --preset."""
    return target(*features(luma), INTERCEPTS[preset], SLOPE)


def features(luma: Image.Image) -> Tuple[float, float]:
    """(still, flat): the share of still pixels, and of flat pixels among the others."""
    still = min(_MOST_STILL, still_share(luma))
    return still, max(0.0, (flat_share(luma) - still) / (1 - still))


def target(still: float, flat: float, intercept: float, slope: float) -> float:
    """The SSIM target of the model above, within LOWEST and HIGHEST."""
    deficit = (1 - still) * math.exp(intercept + slope * flat)
    return min(HIGHEST, max(LOWEST, 1 - deficit))


def flat_share(luma: Image.Image) -> float:
    """The share of an "L" image's pixels whose 3×3 Laplacian is within FLAT_LEVEL of 0."""
    histogram = luma.filter(_LAPLACIAN).histogram()
    return sum(histogram[128 - FLAT_LEVEL:128 + FLAT_LEVEL + 1]) / sum(histogram)


def still_share(luma: Image.Image) -> float:
    """The share of an "L" image's whole 8×8 blocks whose variance is below STILL_VARIANCE."""
    width, height = luma.width // _BLOCK * _BLOCK, luma.height // _BLOCK * _BLOCK
    if not width or not height:
        return 0.0
    values = luma.crop((0, 0, width, height)).convert("F")
    means = values.reduce(_BLOCK)
    squares = image_math(lambda x: x * x, values).reduce(_BLOCK)
    still = image_math(lambda m, mm: (mm - m * m) < STILL_VARIANCE, means, squares)
    return _mean(still)


def _mean(image: Image.Image) -> float:
    """The exact mean of an image of 0s and 1s (ImageStat bins mode "F"; a comparison
    gives "I" on older Pillows)."""
    return cast(float, image.convert("F").reduce(image.size).getpixel((0, 0)))
