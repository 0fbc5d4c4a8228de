"""Colour scales for maps, with Pillow alone: viridis, and a blue-white-red scale for signed maps.

A map is drawn through a scale up to a high percentile of its pixels that
differ (`scale_top`), so that one outlying pixel does not leave the rest
dark; `colorize` draws it, with a legend that says where the scale ends, or
blended over a picture.
"""

import math
from typing import Iterable, Optional, Sequence, Tuple, cast

from PIL import Image

from ..common.compat import image_math
from ..measure import pixelmatch
from . import grid
from .grid import RGB

LEGEND_SIDES = ("below", "right")
# Where the colours end: this percentile of the map's pixels that differ
# (|value| > 0). Values beyond it take the last colour.
SCALE_PERCENTILE = 99.5

# viridis (van der Walt and Smith's default colour map for matplotlib) at
# nine evenly spaced points; the scale is linear between them. Lightness
# rises steadily from end to end and the scale stays readable to people
# with the common colour-vision deficiencies and in greyscale print.
_VIRIDIS_ANCHORS = (
    (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
    (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37))
# ColorBrewer's diverging RdBu (Cynthia Brewer), nine classes, blue for
# negative values, white for 0, red for positive ones: told apart by the
# common colour-vision deficiencies.
_RED_BLUE_ANCHORS = (
    (33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240), (247, 247, 247),
    (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43))


def _colour_scale(anchors, steps=256):
    scale = []
    for step in range(steps):
        position = step / (steps - 1) * (len(anchors) - 1)
        index = min(int(position), len(anchors) - 2)
        weight = position - index
        scale.append(tuple(round(low + (high - low) * weight)
                           for low, high in zip(anchors[index], anchors[index + 1])))
    return tuple(scale)


COLOUR_SCALE: Tuple[RGB, ...] = _colour_scale(_VIRIDIS_ANCHORS)  # 256 RGB triples, low to high
# negative, 0 (white), positive
SIGNED_COLOUR_SCALE: Tuple[RGB, ...] = _colour_scale(_RED_BLUE_ANCHORS)


def colorize(diff: Image.Image, *, low: Optional[float] = None, high: Optional[float] = None,
             signed: bool = False, legend: Optional[str] = None, caption: Iterable[str] = (),
             over: Optional[Image.Image] = None) -> Image.Image:
    """A diff map through a colour scale, as an RGB image.

    Parameters
    ----------
    diff : PIL.Image.Image
        Mode "F".
    low, high : float
        The values drawn with the first and the last colour of the scale.
        `high` defaults to `scale_top` of the map (the legend then says so);
        `low` to 0, or to −high for a `signed` map. Values outside are clipped.
    signed : bool
        Draw through SIGNED_COLOUR_SCALE (blue, white at 0, red) instead of viridis.
    legend : {None, "below", "right"}
        Add a legend bar there; the map stays at (0, 0).
    caption : sequence of str
        What the map shows, for the legend.
    over : PIL.Image.Image, optional
        An RGB image of the map's size to blend the colours over: each pixel
        is coloured in proportion to its distance from 0 on the scale, so
        places that did not change show the image itself.
    """
    if legend not in (None,) + LEGEND_SIDES:
        raise ValueError(f"legend must be one of {', '.join(LEGEND_SIDES)} or None, "
                         f"not {legend!r}")
    caption = list(caption)
    if high is None:
        high = scale_top([diff])
        caption.append(_percentile_note(diff, signed))
    if low is None:
        low = -high if signed else 0.0
    if high <= low:  # a flat map: show it against the full scale
        high = low + 1.0
    colours = SIGNED_COLOUR_SCALE if signed else COLOUR_SCALE
    index = _scale_index(diff, low, high)
    coloured = _through_scale(index, colours)
    if over is not None:
        coloured = Image.composite(coloured, over, _strength(diff, low, high, signed))
    if legend is None:
        return coloured
    vertical = legend == "right"
    bar = grid.legend_bar(colours, low, high,
                          length=coloured.height if vertical else coloured.width,
                          vertical=vertical, caption=caption)
    return grid.attach(coloured, bar, legend)


def scale_top(maps: Sequence[Image.Image], percentile: float = SCALE_PERCENTILE) -> float:
    """Where a colour scale ends for maps drawn on one scale: the `percentile`th
    percentile of |value| over the pixels of all `maps` that are not 0 (0 if none).

    Found from two rounds of histograms, to 1/65025 of the largest value.
    """
    magnitudes = [image_math(lambda value: abs(value), diff) for diff in maps]
    # A one-band image's extrema are numbers (Pillow types those of any image).
    high = max((cast(float, magnitude.getextrema()[1]) for magnitude in magnitudes),
               default=0.0)
    if high <= 0:
        return 0.0
    pixels = sum(magnitude.width * magnitude.height for magnitude in magnitudes)
    differing = sum(pixelmatch.above(magnitude, 0.0).histogram()[255]
                    for magnitude in magnitudes)
    rank = pixels - differing + math.ceil(differing * percentile / 100)
    largest, low, below = high, 0.0, 0
    for _ in range(2):  # 256 bins, then 256 within the bin that holds the rank
        counts = [sum(column) for column in zip(
            *(magnitude.histogram(extrema=(low, high)) for magnitude in magnitudes))]
        step = (high - low) / 255  # Pillow's bins: the last one holds `high` alone
        index = 0
        while index < len(counts) - 1 and below + counts[index] < rank:
            below += counts[index]
            index += 1
        low, high = low + index * step, low + (index + 1) * step
    return min(high, largest)


# Drawing -------------------------------------------------------------------------

def _percentile_note(diff, signed):
    largest = max(abs(value) for value in diff.getextrema())
    ends = "ends" if signed else "top colour"
    return (f"{ends}: {SCALE_PERCENTILE:g}th percentile of the pixels that differ; "
            f"largest {'|value| ' if signed else ''}{grid.format_value(largest)}")


def _scale_index(diff: Image.Image, low: float, high: float) -> Image.Image:
    """The map as "L" positions on the colour scale: low → 0, high → 255, rounded."""
    scale = 255 / (high - low)
    return diff.point(lambda value: value * scale + (0.5 - low * scale)).convert("L")


def _strength(diff: Image.Image, low: float, high: float, signed: bool) -> Image.Image:
    """An "L" mask: how far each value is from 0 on the scale, 0-255 (for overlays)."""
    if not signed:
        return _scale_index(diff, low, high)
    return _scale_index(image_math(lambda value: abs(value), diff), 0.0, high)


def _through_scale(index: Image.Image, colours: Sequence[RGB]) -> Image.Image:
    return Image.merge("RGB", [index.point([colour[band] for colour in colours])
                               for band in range(3)])
