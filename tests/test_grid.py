"""Grids, placeholders, legends, outlines and the font fallback."""

import pytest
from PIL import Image, ImageFont

from optimize_images.draw import grid

COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (30, 200, 200)]


def tiles(count, size=(40, 30)):
    return [Image.new("RGB", size, COLOURS[index % len(COLOURS)]) for index in range(count)]


@pytest.mark.parametrize("count, shape", [
    (1, (1, 1)), (2, (2, 1)), (3, (3, 1)), (4, (2, 2)), (5, (3, 2)), (6, (3, 2)),
    (9, (3, 3)), (10, (4, 3)),
])
def test_grid_shape_follows_montage(count, shape):
    assert grid.grid_shape(count) == shape


def test_grid_shape_with_columns():
    assert grid.grid_shape(5, columns=2) == (2, 3)


def test_layout_geometry():
    labels = ["one", "two\nlines", "three", "four", "five"]
    geometry = grid.layout([(40, 30)] * 5, labels, title="Title")
    assert (geometry.columns, geometry.rows) == (3, 2)
    width, height = geometry.size
    last_column_right = geometry.cell_origin(2)[0] + geometry.cell_width
    assert width == last_column_right + grid.SPACING  # one spacing right of the last column
    assert height == geometry.label_box(4)[3] + grid.SPACING  # and below the last labels
    assert geometry.title_height > 0 and geometry.tile_height == 30
    boxes = [geometry.tile_box(index, (40, 30)) for index in range(5)]
    for index, box in enumerate(boxes):
        label = geometry.label_box(index)
        assert 0 <= box[0] and box[2] <= width and box[3] <= height
        assert label[1] == box[3] and label[3] <= height  # the label right under its tile
        cell_left = geometry.cell_origin(index)[0]
        assert box[0] - cell_left == cell_left + geometry.cell_width - box[2]  # centred
    for first in range(5):
        for second in range(first + 1, 5):
            a, b = boxes[first], boxes[second]
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
    assert boxes[1][1] == boxes[0][1] and boxes[3][1] > boxes[0][1]  # along rows


def test_layout_size_in_pixels():
    """Without labels or title no font is involved: the sizes are counted by hand."""
    assert grid.layout([(40, 30)] * 5, []).size == (152, 84)  # 3×40 + 4×8, 2×30 + 3×8
    assert grid.layout([(40, 30), (20, 50)], []).size == (104, 66)  # cells 40 wide, 50 high
    assert grid.layout([(40, 30)] * 3, [], columns=1).size == (56, 122)  # 40 + 2×8, 3×30 + 4×8


def test_layout_makes_room_for_long_labels():
    geometry = grid.layout([(10, 10)], ["a label much wider than the tile"])
    assert geometry.cell_width > 10


def test_montage_puts_tiles_in_order():
    labels = [f"tile {index}" for index in range(5)]
    picture = grid.montage(tiles(5), labels, title="A title")
    geometry = grid.layout([(40, 30)] * 5, labels, title="A title")
    assert picture.size == geometry.size
    for index in range(5):
        left, top, right, bottom = geometry.tile_box(index, (40, 30))
        assert picture.getpixel(((left + right) // 2, (top + bottom) // 2)) == COLOURS[index]
        label = picture.crop(geometry.label_box(index)).convert("L")
        assert label.getextrema()[0] < 128  # some ink


def test_montage_centres_smaller_tiles():
    small = Image.new("RGB", (20, 10), (1, 2, 3))
    picture = grid.montage([tiles(1)[0], small], ["big", "small"])
    geometry = grid.layout([(40, 30), (20, 10)], ["big", "small"])
    left, top, right, bottom = geometry.tile_box(1, small.size)
    assert picture.getpixel((left, top)) == (1, 2, 3)
    assert picture.getpixel((left - 1, top)) == grid.WHITE


def test_montage_needs_a_label_per_tile():
    with pytest.raises(ValueError, match="one label per tile"):
        grid.montage(tiles(2), ["only one"])


def test_placeholder():
    tile = grid.placeholder((60, 40), "missing")
    assert tile.size == (60, 40) and tile.mode == "RGB"
    assert tile.getpixel((59, 20)) == grid.PLACEHOLDER_FILL
    assert len(tile.getcolors()) > 2  # a cross and a text on the fill


SCALE = [(value, 0, 255 - value) for value in range(256)]


def near(colour, expected, steps=3):
    """Equal within a few steps of the scale: the strip is resampled to its length."""
    return all(abs(a - b) <= steps for a, b in zip(colour, expected))


def test_horizontal_legend_bar():
    bar = grid.legend_bar(SCALE, 0.0, 0.25, length=200)
    assert bar.width == 200 and bar.height > grid.THICKNESS
    assert near(bar.getpixel((0, 2)), SCALE[0])
    assert near(bar.getpixel((199, 2)), SCALE[-1])
    assert bar.crop((0, grid.THICKNESS, 200, bar.height)).convert("L").getextrema()[0] < 128


def test_vertical_legend_bar_runs_upwards():
    bar = grid.legend_bar(SCALE, 0.0, 1.0, length=120, vertical=True)
    assert bar.height == 120 and bar.width > grid.THICKNESS
    assert near(bar.getpixel((2, 119)), SCALE[0])
    assert near(bar.getpixel((2, 0)), SCALE[-1])


def ink_pixels(image, left=0, top=0):
    """The (x, y) of the darker-than-paper pixels at or right of `left` and at or below `top`."""
    grey = image.convert("L")
    return {(x, y) for y in range(top, grey.height) for x in range(left, grey.width)
            if grey.getpixel((x, y)) < 250}


def touching(pixels, start, reach=3):
    """The pixels connected to `start` through steps of at most `reach` px in x and y."""
    found, todo = {start}, [start]
    while todo:
        x, y = todo.pop()
        for dx in range(-reach, reach + 1):
            for dy in range(-reach, reach + 1):
                neighbour = (x + dx, y + dy)
                if neighbour in pixels and neighbour not in found:
                    found.add(neighbour)
                    todo.append(neighbour)
    return found


def first_paper(image, vertical, length):
    """The first column (vertical bars) or row (horizontal ones) that is not all bar, along
    the bar's `length`."""
    grey = image.convert("L")
    for index in range(image.width if vertical else image.height):
        line = (grey.crop((index, 0, index + 1, length)) if vertical
                else grey.crop((0, index, length, index + 1)))
        if line.getextrema()[1] == 255:
            return index
    raise AssertionError("no paper beside the bar")


@pytest.mark.parametrize("vertical", [True, False])
@pytest.mark.parametrize("low, high", [(0.0, 0.0915), (-0.413, 0.413), (0.0, 1234.5)])
def test_no_tick_touches_its_label(vertical, low, high):
    """A tick that joins its label reads as a minus sign: '-0.0915'. At least 3 px of
    paper must part each tick from any ink of its label."""
    length = 240 if vertical else 320
    bar = grid.legend_bar(SCALE, low, high, length=length, vertical=vertical)
    edge = first_paper(bar, vertical, length)
    pixels = ink_pixels(bar, left=edge if vertical else 0, top=0 if vertical else edge)
    starts = sorted(pixel for pixel in pixels if pixel[0 if vertical else 1] == edge)
    assert len(starts) >= 2  # the end ticks at least
    labels = 0
    for start in starts:
        tick = touching(pixels, start)
        xs, ys = [x for x, _ in tick], [y for _, y in tick]
        across = max(ys) - min(ys) if vertical else max(xs) - min(xs)
        assert across <= 1, f"the tick at {start} touches its label"
        labels += any(x > max(xs) for x, _ in pixels) if vertical else any(
            y > max(ys) for _, y in pixels)
    assert labels == len(starts)  # and every tick has ink (its label) beyond it


def components(pixels, reach):
    """The groups of pixels connected through steps of at most `reach` px, each as a set."""
    left, groups = set(pixels), []
    while left:
        group = touching(left, next(iter(left)), reach)
        groups.append(group)
        left -= group
    return groups


@pytest.mark.parametrize("vertical", [False, True])
@pytest.mark.parametrize("length, high", [(60, 0.604), (96, 0.604), (200, 0.0915),
                                          (400, 1234.5), (40, 0.5)])
def test_labels_never_run_into_one_another(vertical, length, high):
    """On a short bar the middle label gives way rather than overlap an end's ("0.3020.604").

    A label's glyphs lie within 4 px of one another (the bitmap font spaces them so);
    labels are at least 5 px apart.
    """
    bar = grid.legend_bar(SCALE, 0.0, high, length=length, vertical=vertical)
    edge = first_paper(bar, vertical, length)
    groups = components(ink_pixels(bar, left=edge if vertical else 0,
                                   top=0 if vertical else edge), reach=4)

    def across(group):  # a tick is one pixel across: a row (vertical bars) or a column
        values = [y if vertical else x for x, y in group]
        return max(values) - min(values)

    ticks = [group for group in groups if across(group) == 0]
    labels = [group for group in groups if across(group) > 0]
    assert len(ticks) >= 2 and len(labels) == len(ticks)


@pytest.mark.parametrize("side", ["below", "right"])
def test_attach_keeps_the_image_at_the_origin(side):
    image = tiles(1, (50, 40))[0]
    legend = Image.new("RGB", (30, 20), (0, 0, 0))
    joined = grid.attach(image, legend, side)
    assert joined.crop((0, 0, 50, 40)).tobytes() == image.tobytes()
    if side == "below":
        assert joined.size == (50, 40 + grid.SPACING + 20)
    else:
        assert joined.size == (50 + grid.SPACING + 30, 40)


def test_attach_refuses_other_sides():
    with pytest.raises(ValueError, match="side"):
        grid.attach(tiles(1)[0], tiles(1)[0], "above")


def test_outline_frames_the_box_without_covering_it():
    image = Image.new("RGB", (100, 80), (10, 10, 10))
    framed = grid.outlined(image, (20, 20, 60, 50), width=3)
    assert framed.crop((20, 20, 60, 50)).getcolors() == [(40 * 30, (10, 10, 10))]
    assert framed.getpixel((18, 30)) == grid.OUTLINE
    assert framed.getpixel((40, 51)) == grid.OUTLINE
    assert framed.getpixel((10, 10)) == (10, 10, 10)
    assert image.getpixel((18, 30)) == (10, 10, 10)  # the original is untouched


def sides_drawn(picture, box, colour=grid.OUTLINE):
    """Which sides of a frame around the box show: lines of `colour` as long as that side,
    up to 4 px outside the box or inside it."""
    left, top, right, bottom = box
    candidates = {"left": [(x, top, x + 1, bottom) for x in range(left - 4, left + 4)],
                  "right": [(x, top, x + 1, bottom) for x in range(right - 4, right + 4)],
                  "top": [(left, y, right, y + 1) for y in range(top - 4, top + 4)],
                  "bottom": [(left, y, right, y + 1) for y in range(bottom - 4, bottom + 4)]}
    return {side for side, lines in candidates.items()
            if any(_all_of(picture, line, colour) for line in lines)}


def _all_of(picture, box, colour):
    """Whether the box lies within the picture and holds that colour only."""
    x0, y0, x1, y1 = box
    inside = x0 >= 0 and y0 >= 0 and x1 <= picture.width and y1 <= picture.height
    return inside and picture.crop(box).getcolors() == [((x1 - x0) * (y1 - y0), colour)]


@pytest.mark.parametrize("box", [(0, 96, 128, 224), (172, 0, 300, 128), (0, 0, 300, 240),
                                 (100, 112, 228, 240), (60, 50, 188, 178)])
def test_an_outline_has_four_sides_even_at_the_edges(box):
    """The fragment at (0, 96) of compare's bpp figure had no left side."""
    image = Image.new("RGB", (300, 240), (10, 10, 10))
    framed = grid.outlined(image, box, width=3)
    assert sides_drawn(framed, box) == {"left", "right", "top", "bottom"}


def test_zoom_is_nearest_neighbour():
    image = Image.new("L", (2, 1))
    image.putpixel((1, 0), 255)
    zoomed = grid.zoomed(image, 3)
    assert zoomed.size == (6, 3)
    assert zoomed.getpixel((2, 2)) == 0 and zoomed.getpixel((3, 0)) == 255


def test_font_falls_back_to_the_bitmap_font(monkeypatch):
    original = ImageFont.load_default

    def old_pillow(*args, **kwargs):
        if "size" in kwargs:
            raise TypeError("load_default() got an unexpected keyword argument 'size'")
        return original()

    monkeypatch.setattr(ImageFont, "load_default", old_pillow)
    grid.font.cache_clear()
    try:
        text_font = grid.font(20)
        assert grid.line_height(text_font) > 0
        assert grid.montage(tiles(2), ["a", "b"], title="t").size[0] > 80
    finally:
        grid.font.cache_clear()


@pytest.mark.parametrize("value, text", [
    (0, "0"), (0.5, "0.500"), (0.04567, "0.0457"), (12.345, "12.3"), (1234.5, "1234"),
    (0.0004, "0.0004"),
])
def test_format_value(value, text):
    assert grid.format_value(value) == text
