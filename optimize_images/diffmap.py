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

from . import grid, metrics
from .compat import image_math
from .modes import check_pair, opaque_rgb

STRATEGIES = ("difference", "ssim", "pixelmatch")
PRE_PROCESSORS = ("identity", "normalize", "highpass", "lowpass")
LEGEND_SIDES = ("below", "right")
DEFAULT_THRESHOLD = 0.1  # pixelmatch's default
DEFAULT_RADIUS = 2.0

# pixelmatch's YIQ (after Kotsarenko and Ramos, "Measuring perceived color
# difference using YIQ NTSC transmission color space in mobile
# applications", 2010): delta = 0.5053·Y² + 0.299·I² + 0.1957·Q² of the
# differences, at most 35215 (black against white).
Y_WEIGHTS = (0.29889531, 0.58662247, 0.11448223)
I_WEIGHTS = (0.59597799, -0.27417610, -0.32180189)
Q_WEIGHTS = (0.21147017, -0.52261711, 0.31114694)
DELTA_WEIGHTS = (0.5053, 0.299, 0.1957)
MAX_DELTA = 35215
PIXELMATCH_ALPHA = 0.1  # opacity of the grey copy of A under the marks
DIFFERENT_COLOUR = (255, 0, 0)
ANTI_ALIASED_COLOUR = (255, 255, 0)

# The 8 neighbours in the order pixelmatch visits them (x outer, y inner):
# with ties, the first darkest or brightest neighbour is the one it checks.
NEIGHBOURS = tuple((dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy)

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
    first, second = _prepared(a, b, strategy, pre, radius)
    if strategy == "pixelmatch":
        distance, excused = _pixelmatch_layers(first, second, detect_aa)
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
    first, second = _prepared(a, b, strategy, pre, radius)
    if strategy != "pixelmatch":
        diff = _STRATEGIES[strategy](first, second)
        return diff, colorize(diff, legend=legend, over=opaque_rgb(a) if overlay else None)
    distance, excused = _pixelmatch_layers(first, second, detect_aa)
    picture = pixelmatch_picture(opaque_rgb(a), distance, threshold=threshold,
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


def pixelmatch_picture(a, distance, *, threshold=DEFAULT_THRESHOLD, anti_aliased=None,
                       over=False, alpha=PIXELMATCH_ALPHA):
    """pixelmatch's output: pixels of `distance` above `threshold` in red over A.

    `a` is the RGB image A; `distance` the map of the "pixelmatch" strategy
    before anti-aliased pixels are cleared; `anti_aliased` an "L" mask of
    the pixels to draw yellow instead. The background is a grey copy of A
    blended with white at `alpha`, as pixelmatch draws it, or A itself with
    `over`.
    """
    if over:
        picture = a.copy()
    else:
        faint = _luma_yiq(a).point(lambda value: value * alpha + 255 * (1 - alpha))
        picture = faint.convert("L").convert("RGB")
    flagged = _above(distance, threshold)
    if anti_aliased is None:
        picture.paste(DIFFERENT_COLOUR, mask=flagged)
        return picture
    picture.paste(DIFFERENT_COLOUR, mask=ImageChops.subtract(flagged, anti_aliased))
    picture.paste(ANTI_ALIASED_COLOUR, mask=ImageChops.multiply(flagged, anti_aliased))
    return picture


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
    return Summary(mean=metrics.exact_mean(diff), max=diff.getextrema()[1],
                   above=_above(diff, threshold).histogram()[255] / (diff.width * diff.height),
                   ssim=metrics.ssim(a, b))


def to_16bit(diff):
    """The map as 16-bit grey (mode "I;16"): 0-1 → 0-65535, values beyond clipped."""
    return diff.point(lambda value: value * 65535 + 0.5).convert("I").convert("I;16")


# Preparing a pair ----------------------------------------------------------------

def _prepared(a, b, strategy, pre, radius):
    _check_call(a, b, strategy, pre, radius)
    return (preprocess(opaque_rgb(a), pre, radius=radius),
            preprocess(opaque_rgb(b), pre, radius=radius))


def _check_call(a, b, strategy, pre, radius):
    check_pair(a, b)
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
    if pre not in PRE_PROCESSORS:
        raise ValueError(f"pre must be one of {', '.join(PRE_PROCESSORS)}, not {pre!r}")
    if not radius > 0:
        raise ValueError(f"radius must be above 0, not {radius!r}")


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

def _pixelmatch_layers(a, b, detect_aa):
    """(distance map, "L" mask of anti-aliased pixels or None)."""
    return _yiq_distance(a, b), (anti_aliased(a, b) if detect_aa else None)


def _yiq_distance(a, b):
    """sqrt(delta / 35215) per pixel, delta as pixelmatch's colorDelta computes it.

    The channel differences are exact; the rest is float32 arithmetic,
    checked against pixelmatch's float64 over every difference of two opaque
    colours (511³ of them): at thresholds 0.05 and 0.1 both flag exactly the
    same pixels; at 0.2 and 0.3, 2 and 4 of those differences, which lie
    within float32 rounding of the threshold, fall the other way.
    """
    differences = [image_math(lambda x, y: x - y, x.convert("F"), y.convert("F"))
                   for x, y in zip(a.split(), b.split())]
    terms = []
    for weights, delta_weight in zip((Y_WEIGHTS, I_WEIGHTS, Q_WEIGHTS), DELTA_WEIGHTS):
        scaled = [difference.point(lambda value, w=w: value * w)
                  for difference, w in zip(differences, weights)]
        component = image_math(lambda r, g, b: r + g + b, *scaled)
        square = image_math(lambda c: c * c, component)
        terms.append(square.point(lambda value, w=delta_weight: value * w))
    delta = image_math(lambda y, i, q: y + i + q, *terms)
    return image_math(lambda d: d ** 0.5, delta.point(lambda value: value / MAX_DELTA))


def anti_aliased(a, b):
    """An "L" mask (255) of the pixels pixelmatch takes for anti-aliasing in A or in B.

    pixelmatch's test (after Vysniauskas, "Anti-aliased pixel and intensity
    slope detector", 2009), for every pixel at once: a pixel is anti-aliased
    in an image when at most two of its neighbours have its colour (a pixel
    on the border counts one more), some neighbour is darker and some
    brighter, and the darkest or the brightest of them has more than two
    neighbours of its own colour in both images. "Colour" is the exact RGB
    value; brightness is pixelmatch's Y.
    """
    a, b = opaque_rgb(a), opaque_rgb(b)
    border = _border(a.size)
    plain = [_many_equal_neighbours(image, border) for image in (a, b)]
    both_plain = image_math(lambda x, y: x * y, *plain)
    excused = [_excused(_luma_yiq(image), image_plain, both_plain)
               for image, image_plain in zip((a, b), plain)]
    either = image_math(lambda x, y: x + y - x * y, *excused)
    return either.point(lambda value: value * 255).convert("L")


def _luma_yiq(image):
    """pixelmatch's Y of an RGB image, in float."""
    bands = [band.point([value * w for value in range(256)], "F")
             for band, w in zip(image.split(), Y_WEIGHTS)]
    return image_math(lambda r, g, b: r + g + b, *bands)


def _colour_key(image):
    """R·65536 + G·256 + B, exactly (below 2²⁴), to compare colours in one operation."""
    bands = [band.point([value * scale for value in range(256)], "F")
             for band, scale in zip(image.split(), (65536, 256, 1))]
    return image_math(lambda r, g, b: r + g + b, *bands)


def _border(size):
    """1.0 on the outermost pixels, 0.0 inside."""
    width, height = size
    border = Image.new("F", size, 1.0)
    if width > 2 and height > 2:
        border.paste(0.0, (1, 1, width - 1, height - 1))
    return border


def _many_equal_neighbours(image, border):
    """1.0 where more than two neighbours (+1 on the border) have the pixel's colour."""
    key = _colour_key(image)
    count = border
    for dx, dy in NEIGHBOURS:
        equal = _neighbourwise(lambda centre, other: centre == other, key, dx, dy)
        count = image_math(lambda total, add: total + add, count, equal)
    return image_math(lambda total, limit: total > limit, count, Image.new("F", image.size, 2.0))


def _excused(luma, plain, both_plain):
    """1.0 where pixelmatch's antialiased() holds for this image.

    Walks the neighbours in pixelmatch's order, keeping the darkest and
    brightest brightness deltas so far and whether the neighbour holding
    each is plain in both images (strict comparisons: the first one wins).
    """
    zero, one = Image.new("F", luma.size, 0.0), Image.new("F", luma.size, 1.0)
    darkest, brightest, darkest_plain, brightest_plain = zero, zero, zero, zero
    for dx, dy in NEIGHBOURS:
        delta = _neighbourwise(lambda centre, other: centre - other, luma, dx, dy)
        neighbour_plain = _neighbourwise(lambda centre, other: other, both_plain, dx, dy)
        darker = image_math(lambda d, low: d < low, delta, darkest)
        brighter = image_math(lambda d, high: d > high, delta, brightest)
        darkest = _chosen(darker, delta, darkest, one)
        brightest = _chosen(brighter, delta, brightest, one)
        darkest_plain = _chosen(darker, neighbour_plain, darkest_plain, one)
        brightest_plain = _chosen(brighter, neighbour_plain, brightest_plain, one)
    either_plain = image_math(lambda x, y: x + y - x * y, darkest_plain, brightest_plain)
    return image_math(
        lambda own, low, high, chosen, one: (one - own) * (low < 0) * (high > 0) * chosen,
        plain, darkest, brightest, either_plain, one)


def _chosen(condition, if_true, otherwise, one):
    """if_true where condition is 1.0, otherwise where it is 0.0 (exactly: no rounding)."""
    return image_math(lambda c, x, y, one: c * x + (one - c) * y,
                      condition, if_true, otherwise, one)


def _neighbourwise(function, image, dx, dy):
    """function(pixel, its neighbour at (dx, dy)) where that neighbour exists, else 0."""
    width, height = image.size
    left, top = max(0, -dx), max(0, -dy)
    right, bottom = width - max(0, dx), height - max(0, dy)
    result = Image.new("F", image.size, 0.0)
    if right > left and bottom > top:
        centre = image.crop((left, top, right, bottom))
        other = image.crop((left + dx, top + dy, right + dx, bottom + dy))
        result.paste(image_math(function, centre, other), (left, top))
    return result


def _cleared(diff, mask):
    """The map with the pixels of an "L" mask set to 0 (the map itself without a mask)."""
    if mask is None:
        return diff
    cleared = diff.copy()
    cleared.paste(0.0, mask=mask)
    return cleared


# Drawing -------------------------------------------------------------------------

def _above(diff, threshold):
    """An "L" mask: 255 where the map exceeds the threshold."""
    limit = Image.new("F", diff.size, threshold)
    return image_math(lambda d, t: d > t, diff, limit).point(lambda value: value * 255).convert("L")


def _scale_index(diff, low, high):
    """The map as "L" positions on the colour scale: low → 0, high → 255, rounded."""
    scale = 255 / (high - low)
    return diff.point(lambda value: value * scale + (0.5 - low * scale)).convert("L")


def _through_scale(index):
    return Image.merge("RGB", [index.point([colour[band] for colour in COLOUR_SCALE])
                               for band in range(3)])
