"""How much each pixel of B contributes to a metric's score: its gradient, with Pillow alone.

`gradient(a, b, metric)` returns a mode "F" image of the images' size whose
pixel q holds ∂score/∂B_q: how fast the score of `metrics` (MSE, PSNR, SSIM
or MS-SSIM of A and B) changes, per level (of 0-255), as pixel q of B is
brightened. The SSIM family differentiates with respect to B's luma, as
those metrics compare luma; MSE and PSNR with respect to a grey step of the
pixel (R, G and B each one level up), which also raises its luma by one
level. Deep-learning tools get this map from autograd; here it is written
out in closed form from the Gaussian-weighted local means that `metrics`
already computes.

SSIM (Wang et al. 2004) is the mean over N window positions p of
S = l · cs, with l = L1 / L2 = (2μxμy + C1) / (μx² + μy² + C1) and
cs = N / D = (2σxy + C2) / (σx² + σy² + C2). With, at each p,

    A = ∂S/∂μy = cs · (2μx · L2 − 2μy · L1) / L2²
    B = ∂S/∂σy² = −l · N / D²
    C = ∂S/∂σxy = 2l / D

and ∂μy/∂y_q = w(q − p), ∂σy²/∂y_q = 2w(q − p)(y_q − μy), ∂σxy/∂y_q =
w(q − p)(x_q − μx), the gradient is

    ∂SSIM/∂y_q = (G[A − 2B·μy − C·μx] + 2 y_q · G[B] + x_q · G[C]) / N

where G is the adjoint of the valid Gaussian blur: the map zero-padded by
2 × RADIUS on each side and blurred (the window is symmetric). The
contrast-structure term alone (MS-SSIM's finer scales) has l = 1 and A = 0.

MS-SSIM = Π_j m_j^w_j, m_j being the mean of cs (or of S at the coarsest
scale) of the images halved j times, so its gradient is
MS-SSIM · Σ_j w_j · ∂m_j/∂y / m_j, each scale's gradient carried back to full
size through the 2×2 means (the adjoint spreads a pixel's gradient equally
over the pixels it averaged: a quarter each, half for an odd last row or
column, which is averaged with itself). Where `metrics` mirrors a scale
smaller than the window, the gradient of each mirrored copy of a pixel is
added back to the pixel (the adjoint of mirroring), so it is exact there
too. Where a scale's mean is not positive, `metrics.ms_ssim` counts it as 0:
MS-SSIM is then 0 whatever the small changes of B, and its gradient is 0.

MSE, over the S samples of the L or RGB bands, has ∂MSE/∂y = 2(y − x) / S
per sample; PSNR = 10 log10(255² / MSE) has ∂PSNR = −10 / ln 10 · ∂MSE / MSE,
and a gradient of 0 for identical images (where PSNR is infinite).

Images are processed in strips of output rows, each reading the 4 × RADIUS
rows around it that its windows reach, so memory stays bounded.
"""

import math
from typing import Optional, Tuple

from PIL import Image

from ..common.compat import Resampling, Transpose, image_math
from ..common.modes import WHITE, comparable
from . import local_means, metrics
from .local_means import CENTRE, RADIUS, WINDOW, Moments
from .metrics import C1, C2, MS_SSIM_WEIGHTS

__all__ = ["gradient", "mse_gradient", "psnr_gradient", "ssim_gradient", "ms_ssim_gradient",
           "GRADIENT_METRICS"]

RGB = Tuple[int, int, int]
# The maps `_adjoint_maps` gives: the term's value, A − 2B·μy − C·μx, B and C.
AdjointMaps = Tuple[Image.Image, Image.Image, Image.Image, Image.Image]


def gradient(a: Image.Image, b: Image.Image, metric: str = "ssim", *,
             background: RGB = WHITE) -> Image.Image:
    """∂metric(A, B)/∂B per pixel, as a mode "F" image of the images' size.

    Parameters
    ----------
    a, b : PIL.Image.Image
        Images of the same size, any mode; mode "F" is taken as luma.
    metric : {"mse", "psnr", "ssim", "ms-ssim"}
    background : tuple of 3 ints, optional
        The colour that transparent pixels are composited over.

    Returns
    -------
    PIL.Image.Image
        Mode "F": pixel q holds how much the score changes per level that
        pixel q of B is brightened (see the module's docstring).

    Examples
    --------
    >>> from PIL import Image
    >>> a, b = Image.new("L", (2, 1), 10), Image.new("L", (2, 1), 13)
    >>> gradient(a, b, "mse").getpixel((0, 0))  # 2 × 3 levels / 2 samples
    3.0
    """
    if metric not in _GRADIENTS:
        raise ValueError(f"metric must be one of {', '.join(GRADIENT_METRICS)}, not {metric!r}")
    return _GRADIENTS[metric](a, b, background=background)


def mse_gradient(a: Image.Image, b: Image.Image, *, background: RGB = WHITE) -> Image.Image:
    """∂MSE/∂B: 2 · (B − A) / the number of samples, summed over the bands of each pixel."""
    return _mse_and_gradient(a, b, background)[1]


def psnr_gradient(a: Image.Image, b: Image.Image, *, background: RGB = WHITE) -> Image.Image:
    """∂PSNR/∂B in decibels per level, −10 / ln 10 · ∂MSE/∂B / MSE; 0 for identical images."""
    mse, mse_map = _mse_and_gradient(a, b, background)
    if mse == 0:
        return mse_map
    return mse_map.point(lambda value: value * (-10 / math.log(10) / mse))


def ssim_gradient(a: Image.Image, b: Image.Image, *, background: RGB = WHITE) -> Image.Image:
    """∂SSIM/∂B, B's luma brightened pixel by pixel (`metrics.ssim` differentiated)."""
    metrics.check_images(a, b, background)
    x, y = metrics.luma(a, background), metrics.luma(b, background)
    return _mean_and_gradient(x, y, coarsest=True)[1]


def ms_ssim_gradient(a: Image.Image, b: Image.Image, *, background: RGB = WHITE) -> Image.Image:
    """∂MS-SSIM/∂B, B's luma brightened pixel by pixel (`metrics.ms_ssim` differentiated)."""
    metrics.check_images(a, b, background)
    x, y = metrics.luma(a, background), metrics.luma(b, background)
    pyramid = [(x, y)]
    for _ in MS_SSIM_WEIGHTS[1:]:
        pyramid.append((local_means.halved(pyramid[-1][0]), local_means.halved(pyramid[-1][1])))
    score = 1.0
    total: Optional[Image.Image] = None  # Σ w_j ∂m_j / m_j, carried to the finer scale
    for scale in reversed(range(len(MS_SSIM_WEIGHTS))):
        x, y = pyramid[scale]
        coarsest = scale == len(MS_SSIM_WEIGHTS) - 1
        mean, scale_gradient = _mean_and_gradient(x, y, coarsest=coarsest)
        if mean <= 0:  # counted as 0: MS-SSIM is 0 and flat
            return Image.new("F", a.size, 0.0)
        weight = MS_SSIM_WEIGHTS[scale]
        score *= mean ** weight
        term = scale_gradient.point(lambda value: value * (weight / mean))
        total = term if total is None else image_math(
            lambda t, c: t + c, term, _spread_halving(total, x.size))
    assert total is not None  # MS_SSIM_WEIGHTS has five scales
    return total.point(lambda value: value * score)


# MSE ----------------------------------------------------------------------------

def _mse_and_gradient(a: Image.Image, b: Image.Image,
                      background: RGB) -> Tuple[float, Image.Image]:
    """(MSE over every sample, ∂MSE/∂B per pixel summed over its bands)."""
    metrics.check_images(a, b, background)
    first, second = comparable(a, b, background)
    differences = [image_math(lambda x, y: y - x, x.convert("F"), y.convert("F"))
                   for x, y in zip(first.split(), second.split())]
    samples = len(differences) * a.width * a.height
    squares = sum(metrics.exact_mean(image_math(lambda d: d * d, difference))
                  for difference in differences)
    mse = squares / len(differences)
    total = differences[0]
    for difference in differences[1:]:
        total = image_math(lambda t, d: t + d, total, difference)
    return mse, total.point(lambda value: value * (2 / samples))


# SSIM: one scale ----------------------------------------------------------------

def _mean_and_gradient(x: Image.Image, y: Image.Image, *,
                       coarsest: bool) -> Tuple[float, Image.Image]:
    """(the mean of S, or of cs when not `coarsest`, and its gradient with respect to y).

    An image smaller than the window is mirrored, as `metrics` scores it; the
    gradients of a pixel's mirrored copies are added back to it.
    """
    if min(x.size) >= WINDOW:
        return _valid_mean_and_gradient(x, y, coarsest)
    mean, grown = _valid_mean_and_gradient(
        local_means.mirrored(x, RADIUS), local_means.mirrored(y, RADIUS), coarsest)
    return mean, _folded(grown, RADIUS, x.size)


def _valid_mean_and_gradient(x: Image.Image, y: Image.Image,
                             coarsest: bool) -> Tuple[float, Image.Image]:
    """The mean of the local term over the valid region, and its gradient.

    Output rows [top, bottom) need the term's adjoint maps at window
    positions [top − 2R, bottom), which read input rows [top − 2R, bottom + 2R).
    """
    width, height = x.size
    map_width, map_height = width - 2 * RADIUS, height - 2 * RADIUS
    count = map_width * map_height
    result = Image.new("F", x.size)
    total = 0.0
    rows = max(1, local_means.STRIP_PIXELS // width)
    for top in range(0, height, rows):
        bottom = min(top + rows, height)
        first, last = max(0, top - 2 * RADIUS), min(map_height, bottom)
        box = (0, first, width, last + 2 * RADIUS)
        xc, yc = local_means.centred(x.crop(box)), local_means.centred(y.crop(box))
        moments = local_means.local_moments(xc, yc)
        value, p, b, c = _adjoint_maps(moments, coarsest)
        own = min(bottom, map_height) - top  # window positions counted in this strip
        if own > 0:
            own_box = (0, top - first, map_width, top - first + own)
            total += metrics.exact_mean(value, own_box) * map_width * own
        spread = [_adjoint_blur(part, first - (top - 2 * RADIUS), bottom - top)
                  for part in (p, b, c)]
        inside = (0, top - first, width, bottom - first)
        result.paste(image_math(lambda gp, gb, gc, x, y: gp + y * gb * 2 + x * gc,
                                *spread, xc.crop(inside), yc.crop(inside)), (0, top))
    return total / count, result.point(lambda value: value / count)


def _adjoint_maps(moments: Moments, coarsest: bool) -> AdjointMaps:
    """(the term's value, A − 2B·μy − C·μx, B, C) from the local moments of centred lumas.

    With μx = (μs + μd) / 2 and μy = (μs − μd) / 2 (centred), N and D from the
    variances of s and d as `local_means.local_moments` says, C = 2l / D and
    B = −C · N / (2D), and the term is l · N / D = C · N / 2.
    """
    ms, md = moments[:2]
    numerator = image_math(lambda ms, md, mss, mdd: (mss - ms * ms - mdd + md * md) * 0.5 + C2,
                           *moments)
    denominator = image_math(
        lambda ms, md, mss, mdd: (mss - ms * ms + mdd - md * md) * 0.5 + C2, *moments)
    if coarsest:
        l1 = image_math(lambda ms, md: ((ms + 2 * CENTRE) ** 2 - md * md) * 0.5 + C1, ms, md)
        l2 = image_math(lambda ms, md: ((ms + 2 * CENTRE) ** 2 + md * md) * 0.5 + C1, ms, md)
        c = image_math(lambda l1, l2, d: l1 / l2 * 2 / d, l1, l2, denominator)
    else:
        c = image_math(lambda d: 2 / d, denominator)
    b = image_math(lambda c, n, d: c * n / d * -0.5, c, numerator, denominator)
    value = image_math(lambda c, n: c * n * 0.5, c, numerator)
    p = image_math(lambda b, c, ms, md: c * (ms + md) * -0.5 - b * (ms - md), b, c, ms, md)
    if coarsest:  # A = cs · (2μx · L2 − 2μy · L1) / L2², the means uncentred
        p = image_math(
            lambda p, n, d, l1, l2, ms, md:
                p + n / d * ((ms + md + 2 * CENTRE) * l2 - (ms - md + 2 * CENTRE) * l1) / (l2 * l2),
            p, numerator, denominator, l1, l2, ms, md)
    return value, p, b, c


def _adjoint_blur(values: Image.Image, offset: int, rows: int) -> Image.Image:
    """G[values] for `rows` output rows: the map placed `offset` rows down in a zero
    canvas padded by 2 × RADIUS columns each side, then blurred (valid)."""
    canvas = Image.new("F", (values.width + 4 * RADIUS, rows + 2 * RADIUS), 0.0)
    canvas.paste(values, (2 * RADIUS, offset))
    return local_means.blurred(canvas)


# Carrying gradients back through `metrics`' resampling ------------------------------

def _folded(grown: Image.Image, border: int, size: Tuple[int, int]) -> Image.Image:
    """The adjoint of `local_means.mirrored`: each mirrored copy's gradient added to its pixel."""
    columns = _folded_columns(grown, border, size[0]).transpose(Transpose.TRANSPOSE)
    return _folded_columns(columns, border, size[1]).transpose(Transpose.TRANSPOSE)


def _folded_columns(grown: Image.Image, border: int, width: int) -> Image.Image:
    """Undo `local_means.mirrored`'s column steps, last first."""
    steps, remaining, current = [], border, width
    while remaining:
        step = min(remaining, current)
        steps.append((step, current))
        current, remaining = current + 2 * step, remaining - step
    for step, inner in reversed(steps):
        height = grown.height
        result = grown.crop((step, 0, step + inner, height))
        for edge_left, into in ((0, 0), (inner + step, inner - step)):
            edge = grown.crop((edge_left, 0, edge_left + step, height)).transpose(
                Transpose.FLIP_LEFT_RIGHT)
            place = (into, 0, into + step, height)
            result.paste(image_math(lambda r, e: r + e, result.crop(place), edge), place[:2])
        grown = result
    return grown


def _spread_halving(coarse: Image.Image, size: Tuple[int, int]) -> Image.Image:
    """The adjoint of `local_means.halved`: each pixel's gradient shared equally among the
    pixels of `size` it averaged (a quarter each; half along an odd last row or column)."""
    width, height = size
    shares = Image.new("F", coarse.size, 0.25)
    if width % 2:
        shares.paste(0.5, (coarse.width - 1, 0, coarse.width, coarse.height))
    if height % 2:
        shares.paste(0.5, (0, coarse.height - 1, coarse.width, coarse.height))
    if width % 2 and height % 2:
        shares.putpixel((coarse.width - 1, coarse.height - 1), 1.0)
    shared = image_math(lambda g, s: g * s, coarse, shares)
    spread = shared.resize((2 * coarse.width, 2 * coarse.height), Resampling.NEAREST)
    return spread.crop((0, 0) + size)


_GRADIENTS = {"mse": mse_gradient, "psnr": psnr_gradient, "ssim": ssim_gradient,
              "ms-ssim": ms_ssim_gradient}
GRADIENT_METRICS = tuple(_GRADIENTS)  # the metrics `gradient` knows by name
