"""Gaussian-weighted local means of float images, with Pillow alone: SSIM's window.

Pillow has no filter for float images ("F"). The means are built here from
shifted crops: 11 crops weighted and summed in one ImageMath expression,
down the columns and then along the rows, which yields the means exactly
where the window fits. `metrics` and `gradients` build on these pieces, and
process images in horizontal strips of about STRIP_PIXELS map pixels, so
memory stays bounded whatever the image size.
"""

import math
from typing import Sequence, Tuple

from PIL import Image

from ..common.compat import Transpose, image_math

# Wang et al. 2004: an 11-tap Gaussian window with sigma 1.5.
RADIUS = 5
WINDOW = 2 * RADIUS + 1
SIGMA = 1.5
_GAUSSIAN = [math.exp(-((k - RADIUS) ** 2) / (2 * SIGMA ** 2)) for k in range(WINDOW)]
WEIGHTS = tuple(value / sum(_GAUSSIAN) for value in _GAUSSIAN)

# About this many map pixels per strip (512 kB per float image): a 12 MP
# image takes about 92 strips. Measured (benchmarks/metrics_speed.py): at
# 12 MP as fast as strips twice as big, with a peak of 284 MB instead of
# 362 MB; smaller strips multiply Python's per-call overhead.
STRIP_PIXELS = 1 << 17

# Luma minus 127.5: sums and differences of two such lumas lie in ±255, so
# their squares stay below 65026, where float32 keeps the variances precise.
CENTRE = 127.5
_CENTRED = [value - CENTRE for value in range(256)]

# The four local means of `local_moments`: μs, μd, E[s²], E[d²].
Moments = Tuple[Image.Image, Image.Image, Image.Image, Image.Image]


def centred(image: Image.Image) -> Image.Image:
    """Luma ("L" or "F") − 127.5 as a float image."""
    if image.mode == "F":
        return image_math(lambda x: x - CENTRE, image)
    return image.point(_CENTRED, "F")


def local_moments(x: Image.Image, y: Image.Image) -> Moments:
    """(μs, μd, E[s²], E[d²]): the local means of the sum s = x + y and the
    difference d = x − y of two centred lumas, and of their squares.

    Four blurs give what SSIM needs, where x and y would take five: with
    means μ and variances v, 2μxμy and μx² + μy² are (μs² ∓ μd²) / 2, and
    2σxy and σx² + σy² are (vs ∓ vd) / 2.
    """
    total = image_math(lambda x, y: x + y, x, y)
    difference = image_math(lambda x, y: x - y, x, y)
    return (blurred(total), blurred(difference), blurred(image_math(lambda s: s * s, total)),
            blurred(image_math(lambda d: d * d, difference)))


def mirrored(image: Image.Image, border: int) -> Image.Image:
    """The image grown by `border` pixels per side, mirrored at its edges (d c b a | a b c d).

    A side shorter than the border is mirrored again and again, as numpy's
    "symmetric" and scipy's "reflect" modes do.
    """
    image = _mirrored_columns(image, border)
    return _mirrored_columns(image.transpose(Transpose.TRANSPOSE), border).transpose(
        Transpose.TRANSPOSE)


def _mirrored_columns(image: Image.Image, border: int) -> Image.Image:
    while border:
        step = min(border, image.width)  # each edge stays where the pattern reflects
        width, height = image.size
        grown = Image.new(image.mode, (width + 2 * step, height))
        grown.paste(image, (step, 0))
        for left, at in ((0, 0), (width - step, width + step)):
            edge = image.crop((left, 0, left + step, height))
            grown.paste(edge.transpose(Transpose.FLIP_LEFT_RIGHT), (at, 0))
        image, border = grown, border - step
    return image


def halved(image: Image.Image) -> Image.Image:
    """2×2 means in float, an odd last row or column averaged with itself; strip by strip."""
    width, height = image.size
    result = Image.new("F", ((width + 1) // 2, (height + 1) // 2))
    rows = 2 * max(1, STRIP_PIXELS // width)
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(top + rows, height))).convert("F")
        result.paste(strip.reduce(2), (0, top // 2))
    return result


def blurred(image: Image.Image) -> Image.Image:
    """Gaussian-weighted means where the whole window fits: 2 × RADIUS px smaller."""
    width, height = image.size
    height -= 2 * RADIUS
    columns = weighted_sum([image.crop((0, k, width, k + height)) for k in range(WINDOW)])
    width -= 2 * RADIUS
    return weighted_sum([columns.crop((k, 0, k + width, height)) for k in range(WINDOW)])


def weighted_sum(taps: Sequence[Image.Image]) -> Image.Image:
    """Σ WEIGHTS[k] · taps[k], adding the taps of equal weight before multiplying."""
    def weighted(*taps):
        total = taps[RADIUS] * WEIGHTS[RADIUS]
        for k in range(RADIUS):
            total = total + (taps[k] + taps[-1 - k]) * WEIGHTS[k]
        return total
    return image_math(weighted, *taps)
