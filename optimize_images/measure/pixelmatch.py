"""pixelmatch (mapbox/pixelmatch, the YIQ version of 5.x) with Pillow alone.

The YIQ colour distance of every pixel, the anti-aliasing detector and
pixelmatch's picture (differing pixels red, excused ones yellow, over a faint
grey copy of A), each computed for all pixels at once with ImageMath on
float images; `diffmap` draws its "pixelmatch" strategy with them. Both
images are opaque 8-bit RGB (see `modes`).
"""

from typing import Any, Callable, Optional, Tuple

from PIL import Image, ImageChops

from ..common.compat import image_math
from ..common.modes import opaque_rgb

DEFAULT_THRESHOLD = 0.1  # pixelmatch's default
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
# ... under --overlay: A is to be seen, in grey, so that the marks' colours stand out.
OVERLAY_ALPHA = 0.5
DIFFERENT_COLOUR = (255, 0, 0)
ANTI_ALIASED_COLOUR = (255, 255, 0)

# The 8 neighbours in the order pixelmatch visits them (x outer, y inner):
# with ties, the first darkest or brightest neighbour is the one it checks.
NEIGHBOURS = tuple((dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy)

# The public functions ------------------------------------------------------------

def layers(a: Image.Image, b: Image.Image,
           detect_aa: bool) -> Tuple[Image.Image, Optional[Image.Image]]:
    """(distance map, "L" mask of anti-aliased pixels, or None without `detect_aa`)."""
    return _yiq_distance(a, b), (anti_aliased(a, b) if detect_aa else None)


def pixelmatch_picture(a: Image.Image, distance: Image.Image, *,
                       threshold: float = DEFAULT_THRESHOLD,
                       anti_aliased: Optional[Image.Image] = None, over: bool = False,
                       alpha: float = PIXELMATCH_ALPHA) -> Image.Image:
    """pixelmatch's output: pixels of `distance` above `threshold` in red over A.

    `a` is the RGB image A; `distance` the map of the "pixelmatch" strategy
    before anti-aliased pixels are cleared; `anti_aliased` an "L" mask of
    the pixels to draw yellow instead. The background is a grey copy of A
    blended with white at `alpha`, as pixelmatch draws it, or with `over` at
    OVERLAY_ALPHA, where A is to be seen.
    """
    picture = grey_copy(a, alpha=OVERLAY_ALPHA if over else alpha)
    flagged = above(distance, threshold)
    if anti_aliased is None:
        picture.paste(DIFFERENT_COLOUR, mask=flagged)
        return picture
    picture.paste(DIFFERENT_COLOUR, mask=ImageChops.subtract(flagged, anti_aliased))
    picture.paste(ANTI_ALIASED_COLOUR, mask=ImageChops.multiply(flagged, anti_aliased))
    return picture



def grey_copy(image: Image.Image, *, alpha: float = OVERLAY_ALPHA) -> Image.Image:
    """An RGB image as pixelmatch draws A under its marks: its YIQ luma, blended with
    white at `alpha` (1: the luma itself)."""
    faint = _luma_yiq(image).point(lambda value: value * alpha + 255 * (1 - alpha))
    return faint.convert("L").convert("RGB")


def above(diff: Image.Image, threshold: float) -> Image.Image:
    """An "L" mask: 255 where a map exceeds the threshold."""
    limit = Image.new("F", diff.size, threshold)
    return image_math(lambda d, t: d > t, diff, limit).point(lambda value: value * 255).convert("L")



# Distance and anti-aliasing ------------------------------------------------------

def _yiq_distance(a: Image.Image, b: Image.Image) -> Image.Image:
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


def anti_aliased(a: Image.Image, b: Image.Image) -> Image.Image:
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


def _luma_yiq(image: Image.Image) -> Image.Image:
    """pixelmatch's Y of an RGB image, in float."""
    bands = [band.point([value * w for value in range(256)], "F")
             for band, w in zip(image.split(), Y_WEIGHTS)]
    return image_math(lambda r, g, b: r + g + b, *bands)


def _colour_key(image: Image.Image) -> Image.Image:
    """R·65536 + G·256 + B, exactly (below 2²⁴), to compare colours in one operation."""
    bands = [band.point([value * scale for value in range(256)], "F")
             for band, scale in zip(image.split(), (65536, 256, 1))]
    return image_math(lambda r, g, b: r + g + b, *bands)


def _border(size: Tuple[int, int]) -> Image.Image:
    """1.0 on the outermost pixels, 0.0 inside."""
    width, height = size
    border = Image.new("F", size, 1.0)
    if width > 2 and height > 2:
        border.paste(0.0, (1, 1, width - 1, height - 1))
    return border


def _many_equal_neighbours(image: Image.Image, border: Image.Image) -> Image.Image:
    """1.0 where more than two neighbours (+1 on the border) have the pixel's colour."""
    key = _colour_key(image)
    count = border
    for dx, dy in NEIGHBOURS:
        equal = _neighbourwise(lambda centre, other: centre == other, key, dx, dy)
        count = image_math(lambda total, add: total + add, count, equal)
    return image_math(lambda total, limit: total > limit, count, Image.new("F", image.size, 2.0))


def _excused(luma: Image.Image, plain: Image.Image, both_plain: Image.Image) -> Image.Image:
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


def _chosen(condition: Image.Image, if_true: Image.Image, otherwise: Image.Image,
            one: Image.Image) -> Image.Image:
    """if_true where condition is 1.0, otherwise where it is 0.0 (exactly: no rounding)."""
    return image_math(lambda c, x, y, one: c * x + (one - c) * y,
                      condition, if_true, otherwise, one)


def _neighbourwise(function: Callable[[Any, Any], Any], image: Image.Image, dx: int,
                   dy: int) -> Image.Image:
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
