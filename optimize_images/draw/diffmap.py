"""Where two images differ, with Pillow alone: diff maps, drawn through `colour_scale`.

`diff_map(a, b)` returns a mode "F" image the size of the inputs. The first
three strategies are on a 0-1 scale where 0 means "the same here" and 1 is
the largest difference the strategy can measure:

- "difference": the absolute difference of R, G and B, averaged, / 255.
- "ssim": 1 − the local SSIM of the lumas (`metrics.ssim_map`); it can
  exceed 1 where the local structure is inverted.
- "pixelmatch": the YIQ colour distance of mapbox/pixelmatch, as
  sqrt(delta / 35215), so that a pixel is "different" for pixelmatch with
  threshold t exactly where the map exceeds t. Pixels that pixelmatch's
  anti-aliasing detector excuses are 0.

The fourth is signed:

- "gradient": how much each pixel of B contributes to a metric's score
  (`metric`: mse, psnr, ssim or ms-ssim), as the gradient of the score with
  respect to B (`gradients`) times the number of pixels: the change of the
  score, in units of 1 / that number, per level (of 0-255) that the pixel
  brightens. Positive where brightening B raises the score.

A pre-processor first transforms both images alike: "normalize" stretches
each band to the full 0-255 range, "lowpass" is a Gaussian blur of `radius`,
"highpass" the image minus that blur (around mid-grey).

Maps are drawn through viridis (a signed map through a blue-white-red
scale centred on 0) up to a high percentile of the pixels that differ
(`colour_scale.scale_top`, re-exported here with `colorize` and the scales);
the legend says what the map shows and where its scale ends.

Transparent pixels are composited over white first, as pixelmatch blends
them (it does so in floating point, we in 8 bits: semi-transparent pixels
can differ by one level from its arithmetic).
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, cast

from PIL import Image, ImageChops, ImageFilter, ImageOps

from ..common.compat import image_math
from ..common.modes import check_pair, opaque_rgb
from ..common.options import check_value
from ..measure import gradients, metrics, pixelmatch
from ..measure.gradients import GRADIENT_METRICS
from ..measure.pixelmatch import DEFAULT_THRESHOLD
from . import grid
from .colour_scale import (COLOUR_SCALE, SCALE_PERCENTILE, SIGNED_COLOUR_SCALE, colorize,
                           scale_top)

__all__ = ["diff_map", "draw", "colorize", "caption", "legend_side", "preprocess", "scale_top",
           "summarize", "to_16bit", "DiffSummary", "STRATEGIES", "PRE_PROCESSORS",
           "GRADIENT_METRICS", "ACCEPTS", "COLOUR_SCALE", "SIGNED_COLOUR_SCALE",
           "SCALE_PERCENTILE"]

STRATEGIES = ("difference", "ssim", "pixelmatch", "gradient")
SIGNED_STRATEGIES = ("gradient",)
PRE_PROCESSORS = ("identity", "normalize", "highpass", "lowpass")
# The names jeongsol-kim/difference_finder gives its pre-processors.
PRE_ALIASES = {"highpass_filter": "highpass", "lowpass_filter": "lowpass"}
DEFAULT_METRIC = "ssim"  # whose gradient "gradient" maps, by default
DEFAULT_RADIUS = 2.0
MAX_RADIUS = 1000.0
# What each keyword of `diff_map` and `draw` accepts, as `options.check_value` takes it;
# the diff command declares its options with the same.
ACCEPTS: Dict[str, Dict[str, Any]] = {
    "strategy": {"choices": STRATEGIES},
    "pre": {"choices": PRE_PROCESSORS + tuple(PRE_ALIASES)},
    "radius": {"above": 0, "maximum": MAX_RADIUS},
    "threshold": {"minimum": 0, "maximum": 1},
    "metric": {"choices": GRADIENT_METRICS},
}
# The public functions ------------------------------------------------------------

def diff_map(a: Image.Image, b: Image.Image, *, strategy: str = "difference",
             pre: str = "identity", radius: float = DEFAULT_RADIUS, detect_aa: bool = True,
             metric: str = DEFAULT_METRIC) -> Image.Image:
    """Where and how much two images differ, as a mode "F" image of their size.

    Parameters
    ----------
    a, b : PIL.Image.Image
        Images of the same size, any mode.
    strategy : {"difference", "ssim", "pixelmatch", "gradient"}
    pre : {"identity", "normalize", "highpass", "lowpass"}
        Applied to both images before the strategy ("highpass_filter" and
        "lowpass_filter" are accepted too).
    radius : float
        The Gaussian radius of "highpass" and "lowpass".
    detect_aa : bool
        For "pixelmatch": set the pixels its anti-aliasing detector excuses to 0.
    metric : {"mse", "psnr", "ssim", "ms-ssim"}
        For "gradient": the metric whose gradient with respect to B is mapped.

    Returns
    -------
    PIL.Image.Image
        Mode "F", on the scale described in the module's docstring.
    """
    _check_keywords(strategy=strategy, pre=pre, radius=radius, metric=metric)
    first, second = _prepared(a, b, pre, radius)
    if strategy == "pixelmatch":
        distance, excused = pixelmatch.layers(first, second, detect_aa)
        return _cleared(distance, excused)
    return _map(first, second, strategy, metric)


def draw(a: Image.Image, b: Image.Image, *, strategy: str = "difference", pre: str = "identity",
         radius: float = DEFAULT_RADIUS, threshold: float = DEFAULT_THRESHOLD,
         detect_aa: bool = True, overlay: bool = False, legend: Optional[str] = "below",
         metric: str = DEFAULT_METRIC) -> Tuple[Image.Image, Image.Image]:
    """(map, picture): the diff map and its drawing, as the diff command writes it.

    The picture of "difference", "ssim" and "gradient" is the map through
    the colour scale (with `overlay`, blended over a grey copy of A, as
    pixelmatch greys A under its marks: colours over a colourful photo are
    hard to tell from it), with a legend below or
    right of it (`legend` None: none) saying what the map shows and where
    the scale ends: map pixel (x, y) is image pixel (x, y). The picture of
    "pixelmatch" is pixelmatch's own: differing pixels red, excused
    anti-aliased ones yellow, over a faint grey copy of A (over A itself
    with `overlay`), with a key saying what red and yellow mean (none when
    `legend` is None).
    """
    _check_keywords(strategy=strategy, pre=pre, radius=radius, threshold=threshold,
                    metric=metric)
    first, second = _prepared(a, b, pre, radius)
    if strategy != "pixelmatch":
        diff = _map(first, second, strategy, metric)
        return diff, colorize(diff, signed=strategy in SIGNED_STRATEGIES, legend=legend,
                              caption=caption(strategy, metric),
                              over=pixelmatch.grey_copy(opaque_rgb(a)) if overlay else None)
    distance, excused = pixelmatch.layers(first, second, detect_aa)
    picture = pixelmatch.pixelmatch_picture(opaque_rgb(a), distance, threshold=threshold,
                                            anti_aliased=excused, over=overlay)
    if legend is not None:
        picture = grid.attach(picture, _pixelmatch_key(distance, excused, threshold), legend)
    return _cleared(distance, excused), picture


def caption(strategy: str, metric: str = DEFAULT_METRIC) -> List[str]:
    """What a strategy's map shows, in a line or two for its legend (ASCII: every font draws it)."""
    if strategy == "gradient":
        name = metric.upper()
        return [f"how much {name} changes if this pixel of B brightens",
                f"d{name}/dB x pixel count; red: it would rise, blue: fall"]
    return [{"difference": "|A - B|, mean of R, G, B (0-1)",
             "ssim": "1 - local SSIM of the lumas (0: same)",
             "pixelmatch": "YIQ distance, as pixelmatch (0-1)"}[strategy]]


def legend_side(size: Tuple[int, int]) -> str:
    """Where a legend bar takes the least room: below a wide map, right of a tall one."""
    width, height = size
    return "below" if width >= height else "right"


def preprocess(image: Image.Image, pre: str, *, radius: float = DEFAULT_RADIUS) -> Image.Image:
    """The image (mode L or RGB) as the named pre-processor (or its alias) transforms it."""
    check_value("pre", pre, **ACCEPTS["pre"])
    pre = pre_processor(pre)
    if pre == "identity":
        return image
    if pre == "normalize":
        return ImageOps.autocontrast(image)
    blurred = image.filter(ImageFilter.GaussianBlur(radius))
    if pre == "lowpass":
        return blurred
    return ImageChops.subtract(image, blurred, scale=1.0, offset=128)  # highpass


def pre_processor(name: str) -> str:
    """A pre-processor's name, its alias (highpass_filter, lowpass_filter) resolved."""
    return PRE_ALIASES.get(name, name)


@dataclass(frozen=True)
class DiffSummary:
    """What a diff command prints for a pair; `mean`, `max` and `count` are of |map|."""
    mean: float  # of the map
    max: float  # of the map
    count: int  # pixels whose map value exceeds the threshold
    above: float  # their share of the pixels, 0-1
    ssim: float  # of the images themselves, before any pre-processing


def summarize(a: Image.Image, b: Image.Image, diff: Image.Image, *,
              threshold: float = DEFAULT_THRESHOLD) -> DiffSummary:
    """The numbers worth printing about a pair and its diff map (of |map|, for a signed one)."""
    magnitude = image_math(lambda value: abs(value), diff)
    count = pixelmatch.above(magnitude, threshold).histogram()[255]
    return DiffSummary(mean=metrics.exact_mean(magnitude),
                       max=cast(float, magnitude.getextrema()[1]),
                       count=count, above=count / (diff.width * diff.height),
                       ssim=metrics.ssim(a, b))


def to_16bit(diff: Image.Image) -> Image.Image:
    """The map as 16-bit grey (mode "I;16"): 0-1 → 0-65535, values beyond clipped."""
    return diff.point(lambda value: value * 65535 + 0.5).convert("I").convert("I;16")


# Preparing a pair ----------------------------------------------------------------

def _check_keywords(**keywords: Any) -> None:
    """OptionError (a ValueError) naming the first keyword whose value `ACCEPTS` refuses."""
    for name, value in keywords.items():
        check_value(name, value, **ACCEPTS[name])


def _prepared(a: Image.Image, b: Image.Image, pre: str,
              radius: float) -> Tuple[Image.Image, Image.Image]:
    """Both images, checked, opaque RGB and pre-processed."""
    check_pair(a, b, because="a diff map compares pixel with pixel")
    return (preprocess(opaque_rgb(a), pre, radius=radius),
            preprocess(opaque_rgb(b), pre, radius=radius))


# The strategies ------------------------------------------------------------------

def _map(a: Image.Image, b: Image.Image, strategy: str, metric: str) -> Image.Image:
    if strategy == "gradient":
        return _scaled_gradient(a, b, metric)
    return _STRATEGIES[strategy](a, b)


def _mean_difference(a: Image.Image, b: Image.Image) -> Image.Image:
    """|R − R'| + |G − G'| + |B − B'|, / 3 / 255."""
    bands = [ImageChops.difference(x, y).convert("F") for x, y in zip(a.split(), b.split())]
    total = image_math(lambda r, g, b: r + g + b, *bands)
    return total.point(lambda value: value / (3 * 255))


def _ssim_distortion(a: Image.Image, b: Image.Image) -> Image.Image:
    return metrics.ssim_map(a, b).point(lambda value: 1 - value)


def _scaled_gradient(a: Image.Image, b: Image.Image, metric: str) -> Image.Image:
    """∂score/∂B times the number of pixels: a map whose values do not shrink with its size."""
    pixels = a.width * a.height
    return gradients.gradient(a, b, metric).point(lambda value: value * pixels)


_STRATEGIES = {"difference": _mean_difference, "ssim": _ssim_distortion}


# pixelmatch ----------------------------------------------------------------------

def _cleared(diff: Image.Image, mask: Optional[Image.Image]) -> Image.Image:
    """The map with the pixels of an "L" mask set to 0 (the map itself without a mask)."""
    if mask is None:
        return diff
    cleared = diff.copy()
    cleared.paste(0.0, mask=mask)
    return cleared


def _pixelmatch_key(distance: Image.Image, excused: Optional[Image.Image],
                    threshold: float) -> Image.Image:
    """What red and yellow mean on pixelmatch's picture, with their counts."""
    flagged = pixelmatch.above(distance, threshold)
    if excused is None:
        red = flagged.histogram()[255]
        return grid.key([(pixelmatch.DIFFERENT_COLOUR,
                          f"{red} px differ: YIQ distance above {threshold:g}")])
    red = ImageChops.subtract(flagged, excused).histogram()[255]
    yellow = ImageChops.multiply(flagged, excused).histogram()[255]
    return grid.key([
        (pixelmatch.DIFFERENT_COLOUR, f"{red} px differ: YIQ distance above {threshold:g}"),
        (pixelmatch.ANTI_ALIASED_COLOUR, f"{yellow} px above it but anti-aliased: excused")])
