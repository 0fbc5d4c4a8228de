"""Choosing the fragment: where a group's variants disagree most.

A distortion map (1 − local SSIM) per variant; per figure their per-pixel
standard deviation, the "anisotropic" map, where the variants disagree (a
lone variant's own distortion); its mean over the group's figures; among
the crop-size windows with at least the median window's detail, the one
where that mean is highest.
"""

from array import array
from typing import Iterable, List, Sequence, Tuple

from PIL import Image

from ..common.compat import image_math

GRID_STEP_DIVISOR = 8  # the fragment window moves in steps of crop-size / 8

Box = Tuple[int, int, int, int]  # (left, top, right, bottom)


def spread(maps: Sequence[Image.Image]) -> Image.Image:
    """The per-pixel (population) standard deviation of mode "F" maps."""
    count = len(maps)
    average = _summed(maps).point(lambda value: value / count)
    squares = [image_math(lambda x, m: (x - m) * (x - m), image, average)
               for image in maps]
    variance = _summed(squares).point(lambda value: value / count)
    return image_math(lambda v: v ** 0.5, variance)


def figure_heat(maps: Sequence[Image.Image]) -> Image.Image:
    """Where a figure's variants disagree (their spread); for a lone variant, its distortion."""
    return spread(maps) if len(maps) > 1 else maps[0]


def _summed(images: Sequence[Image.Image]) -> Image.Image:
    total = images[0]
    for image in images[1:]:
        total = image_math(lambda x, y: x + y, total, image)
    return total


def best_window(heat: Image.Image, luma: Image.Image, size: int) -> Box:
    """The box (left, top, right, bottom) of a size × size window that shows detail
    and has the highest mean heat there.

    Windows start on a grid of size / 8 px: the maps are averaged over blocks
    of that size and the blocks summed window by window. Only windows whose
    luma (of the original) varies at least as much as the median window's
    (by standard deviation) are candidates, so that the fragment never lands
    on a flat area, where SSIM's distortion is large but there is nothing to
    see. A side shorter than `size` gives the whole side.
    """
    width, height = heat.size
    box_width, box_height = min(size, width), min(size, height)
    step = max(1, size // GRID_STEP_DIVISOR)
    span = (max(1, box_width // step), max(1, box_height // step))
    sums = _window_sums(_blocks(heat, step), *span)
    heats = array("f", sums.tobytes())
    spreads = _window_spreads(luma, step, span)
    middle = sorted(spreads)[len(spreads) // 2]
    best = max((index for index, spread in enumerate(spreads) if spread >= middle),
               key=heats.__getitem__)
    row, column = divmod(best, sums.width)
    left, top = min(column * step, width - box_width), min(row * step, height - box_height)
    return left, top, left + box_width, top + box_height


def _blocks(image: Image.Image, step: int) -> Image.Image:
    """Block means of a float image (partial blocks at the right and bottom too)."""
    return image.reduce(step) if step > 1 else image


def _window_spreads(luma: Image.Image, step: int, span: Tuple[int, int]) -> List[float]:
    """The standard deviation of the luma in each window of the grid, as a list."""
    values = luma.convert("F")
    count = span[0] * span[1]
    sums = _window_sums(_blocks(values, step), *span)
    squares = _window_sums(_blocks(image_math(lambda v: v * v, values), step), *span)
    variance = image_math(lambda s, q: q / count - (s / count) * (s / count), sums, squares)
    return [max(0.0, value) ** 0.5 for value in array("f", variance.tobytes())]


def _window_sums(blocks: Image.Image, span_x: int, span_y: int) -> Image.Image:
    """Sums of span_x × span_y neighbouring blocks, one per window position."""
    width, height = blocks.size
    span_x, span_y = min(span_x, width), min(span_y, height)
    columns = _summed([blocks.crop((k, 0, k + width - span_x + 1, height))
                       for k in range(span_x)])
    return _summed([columns.crop((0, k, columns.width, k + height - span_y + 1))
                    for k in range(span_y)])


def average(images: Iterable[Image.Image], size: Tuple[int, int]) -> Image.Image:
    """The per-pixel mean of mode "F" images, one at a time; zeros of `size` for none."""
    total, count = Image.new("F", size, 0.0), 0
    for image in images:
        total = image_math(lambda x, y: x + y, total, image)
        count += 1
    return total.point(lambda value: value / max(count, 1))
