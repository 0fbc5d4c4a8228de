"""Where two images differ, with Pillow alone: diff maps and a colour scale to draw them.

`diff_map(a, b)` returns a mode "F" image the size of the inputs, on a 0-1
scale where 0 means "the same here" and 1 is the largest difference the
strategy can measure:

- "difference": the absolute difference of R, G and B, averaged, / 255.
- "ssim": 1 − the local SSIM of the lumas (`metrics.ssim_map`); it can
  exceed 1 where the local structure is inverted.
- "pixelmatch": the YIQ colour distance of mapbox/pixelmatch, as
  sqrt(delta / 35215), so that a pixel is "different" for pixelmatch with
  threshold t exactly where the map exceeds t. Pixels that pixelmatch's
  anti-aliasing detector excuses are 0.

A pre-processor first transforms both images alike: "normalize" stretches
each band to the full 0-255 range, "lowpass" is a Gaussian blur of `radius`,
"highpass" the image minus that blur (around mid-grey).

Transparent pixels are composited over white first, as pixelmatch blends
them (it does so in floating point, we in 8 bits: semi-transparent pixels
can differ by one level from its arithmetic).
"""

from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps

from . import grid, metrics, pixelmatch
from .compat import image_math
from .diff.options import (
    DEFAULT_RADIUS, DEFAULT_THRESHOLD, PRE_PROCESSORS, STRATEGIES, DiffOptions)
from .modes import check_pair, opaque_rgb

__all__ = ["diff_map", "draw", "colorize", "legend_side", "preprocess", "summarize", "to_16bit",
           "Summary", "STRATEGIES", "PRE_PROCESSORS", "COLOUR_SCALE"]

LEGEND_SIDES = ("below", "right")

# viridis (van der Walt and Smith's default colour map for matplotlib) at
# nine evenly spaced points; the scale is linear between them. Lightness
# rises steadily from end to end and the scale stays readable to people
# with the common colour-vision deficiencies and in greyscale print.
_VIRIDIS_ANCHORS = (
    (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
    (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37))


def _colour_scale(anchors, steps=256):
    scale = []
    for step in range(steps):
        position = step / (steps - 1) * (len(anchors) - 1)
        index = min(int(position), len(anchors) - 2)
        weight = position - index
        scale.append(tuple(round(low + (high - low) * weight)
                           for low, high in zip(anchors[index], anchors[index + 1])))
    return tuple(scale)


COLOUR_SCALE = _colour_scale(_VIRIDIS_ANCHORS)  # 256 RGB triples, low to high


# The public functions ------------------------------------------------------------

def diff_map(a, b, *, strategy="difference", pre="identity", radius=DEFAULT_RADIUS,
             detect_aa=True):
    """Where and how much two images differ, as a mode "F" image of their size.

    Parameters
    ----------
    a, b : PIL.Image.Image
        Images of the same size, any mode.
    strategy : {"difference", "ssim", "pixelmatch"}
    pre : {"identity", "normalize", "highpass", "lowpass"}
        Applied to both images before the strategy.
    radius : float
        The Gaussian radius of "highpass" and "lowpass".
    detect_aa : bool
        For "pixelmatch": set the pixels its anti-aliasing detector excuses to 0.

    Returns
    -------
    PIL.Image.Image
        Mode "F", on the 0-1 scale described in the module's docstring.
    """
    first, second = _prepared(a, b, DiffOptions(strategy=strategy, pre=pre, radius=radius))
    if strategy == "pixelmatch":
        distance, excused = pixelmatch.layers(first, second, detect_aa)
        return _cleared(distance, excused)
    return _STRATEGIES[strategy](first, second)


def draw(a, b, *, strategy="difference", pre="identity", radius=DEFAULT_RADIUS,
         threshold=DEFAULT_THRESHOLD, detect_aa=True, overlay=False, legend="below"):
    """(map, picture): the diff map and its drawing, as the diff command writes it.

    The picture of "difference" and "ssim" is the map through the colour
    scale (blended over A with `overlay`), with a legend bar below or right
    of it (`legend` None: none): map pixel (x, y) is image pixel (x, y).
    The picture of "pixelmatch" is pixelmatch's own: differing pixels red,
    excused anti-aliased ones yellow, over a faint grey copy of A (over A
    itself with `overlay`).
    """
    first, second = _prepared(a, b, DiffOptions(strategy=strategy, pre=pre, radius=radius,
                                                threshold=threshold))
    if strategy != "pixelmatch":
        diff = _STRATEGIES[strategy](first, second)
        return diff, colorize(diff, legend=legend, over=opaque_rgb(a) if overlay else None)
    distance, excused = pixelmatch.layers(first, second, detect_aa)
    picture = pixelmatch.pixelmatch_picture(opaque_rgb(a), distance, threshold=threshold,
                                            anti_aliased=excused, over=overlay)
    return _cleared(distance, excused), picture


def colorize(diff, *, low=0.0, high=None, legend=None, over=None):
    """A diff map through the colour scale, as an RGB image.

    Parameters
    ----------
    diff : PIL.Image.Image
        Mode "F".
    low, high : float
        The values drawn with the first and the last colour of the scale;
        `high` defaults to the map's maximum. Values outside are clipped.
    legend : {None, "below", "right"}
        Add a legend bar there; the map stays at (0, 0).
    over : PIL.Image.Image, optional
        An RGB image of the map's size to blend the colours over: each pixel
        is coloured in proportion to its place on the scale, so places that
        did not change show the image itself.
    """
    if legend not in (None,) + LEGEND_SIDES:
        raise ValueError(f"legend must be one of {', '.join(LEGEND_SIDES)} or None, "
                         f"not {legend!r}")
    if high is None:
        high = diff.getextrema()[1]
    if high <= low:  # a flat map: show it against the full scale
        high = low + 1.0
    index = _scale_index(diff, low, high)
    coloured = _through_scale(index)
    if over is not None:
        coloured = Image.composite(coloured, over, index)
    if legend is None:
        return coloured
    vertical = legend == "right"
    bar = grid.legend_bar(COLOUR_SCALE, low, high,
                          length=coloured.height if vertical else coloured.width,
                          vertical=vertical)
    return grid.attach(coloured, bar, legend)


def legend_side(size):
    """Where a legend bar takes the least room: below a wide map, right of a tall one."""
    width, height = size
    return "below" if width >= height else "right"

def preprocess(image, pre, *, radius=DEFAULT_RADIUS):
    """The image (mode L or RGB) as the named pre-processor transforms it."""
    if pre == "identity":
        return image
    if pre == "normalize":
        return ImageOps.autocontrast(image)
    blurred = image.filter(ImageFilter.GaussianBlur(radius))
    if pre == "lowpass":
        return blurred
    if pre == "highpass":
        return ImageChops.subtract(image, blurred, scale=1.0, offset=128)
    raise ValueError(f"pre must be one of {', '.join(PRE_PROCESSORS)}, not {pre!r}")


@dataclass(frozen=True)
class Summary:
    """What a diff command prints for a pair."""
    mean: float  # of the map
    max: float  # of the map
    above: float  # the share of pixels whose map value exceeds the threshold, 0-1
    ssim: float  # of the images themselves, before any pre-processing


def summarize(a, b, diff, *, threshold=DEFAULT_THRESHOLD):
    """The numbers worth printing about a pair and its diff map."""
    flagged = pixelmatch.above(diff, threshold).histogram()[255]
    return Summary(mean=metrics.exact_mean(diff), max=diff.getextrema()[1],
                   above=flagged / (diff.width * diff.height), ssim=metrics.ssim(a, b))


def to_16bit(diff):
    """The map as 16-bit grey (mode "I;16"): 0-1 → 0-65535, values beyond clipped."""
    return diff.point(lambda value: value * 65535 + 0.5).convert("I").convert("I;16")


# Preparing a pair ----------------------------------------------------------------

def _prepared(a, b, options):
    """Both images, checked, opaque RGB and pre-processed as `options` say."""
    check_pair(a, b, because="a diff map compares pixel with pixel")
    return (preprocess(opaque_rgb(a), options.pre, radius=options.radius),
            preprocess(opaque_rgb(b), options.pre, radius=options.radius))


# The strategies ------------------------------------------------------------------

def _mean_difference(a, b):
    """|R − R'| + |G − G'| + |B − B'|, / 3 / 255."""
    bands = [ImageChops.difference(x, y).convert("F") for x, y in zip(a.split(), b.split())]
    total = image_math(lambda r, g, b: r + g + b, *bands)
    return total.point(lambda value: value / (3 * 255))


def _ssim_distortion(a, b):
    return metrics.ssim_map(a, b).point(lambda value: 1 - value)


_STRATEGIES = {"difference": _mean_difference, "ssim": _ssim_distortion}


# pixelmatch ----------------------------------------------------------------------
def _cleared(diff, mask):
    """The map with the pixels of an "L" mask set to 0 (the map itself without a mask)."""
    if mask is None:
        return diff
    cleared = diff.copy()
    cleared.paste(0.0, mask=mask)
    return cleared


# Drawing -------------------------------------------------------------------------
def _scale_index(diff, low, high):
    """The map as "L" positions on the colour scale: low → 0, high → 255, rounded."""
    scale = 255 / (high - low)
    return diff.point(lambda value: value * scale + (0.5 - low * scale)).convert("L")


def _through_scale(index):
    return Image.merge("RGB", [index.point([colour[band] for colour in COLOUR_SCALE])
                               for band in range(3)])
