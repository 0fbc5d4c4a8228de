"""Choosing the fragment: the spread of distortion maps and the window where it is highest."""

import pytest
from PIL import Image, ImageFilter, ImageStat

from helpers import median_tile_spread, photo
from optimize_images.measure import fragment
from optimize_images.commands.compare import matching


def checkerboard(size):
    """A luma with the same detail everywhere: every window has the same spread."""
    width, height = size
    return Image.frombytes("L", size, bytes(255 * ((x + y) % 2) for y in range(height)
                                            for x in range(width)))


def test_best_window_finds_the_hot_spot():
    heat = Image.new("F", (300, 200), 0.01)
    heat.paste(1.0, (200, 120, 230, 150))
    left, top, right, bottom = fragment.best_window(heat, checkerboard(heat.size), 64)
    assert (right - left, bottom - top) == (64, 64)
    assert left <= 200 and 230 <= right and top <= 120 and 150 <= bottom


def test_best_window_of_a_small_image_is_the_whole_image():
    assert fragment.best_window(Image.new("F", (40, 30), 0.0), checkerboard((40, 30)),
                                64) == (0, 0, 40, 30)


def test_the_fragment_shows_detail_never_a_flat_area():
    """compare's bpp fragment once landed on a flat wall, where SSIM's distortion was
    highest and every tile looked the same."""
    luma = Image.new("L", (320, 192), 100)  # a flat wall on the left...
    luma.paste(photo((160, 192)).convert("L"), (160, 0))  # ...and detail on the right
    heat = Image.new("F", luma.size, 0.05)
    heat.paste(1.0, (16, 96, 112, 176))  # the variants disagree most on the wall
    heat.paste(0.3, (200, 40, 260, 100))
    box = fragment.best_window(heat, luma, 64)
    assert ImageStat.Stat(luma.crop(box)).stddev[0] > median_tile_spread(luma, 64)
    assert box[0] >= 160 - 64 // 8  # in the detailed half


def test_spread_is_the_standard_deviation():
    maps = [Image.new("F", (4, 4), value) for value in (0.0, 2.0)]
    assert fragment.spread(maps).getextrema() == pytest.approx((1.0, 1.0))
    assert fragment.spread([maps[0], maps[0]]).getextrema() == (0.0, 0.0)


def test_a_planted_local_distortion_is_where_the_fragment_goes():
    original = photo((256, 192))
    luma = original.convert("L")
    base = matching.decode(matching.encode(original, "jpeg", 70))
    damaged = base.copy()
    patch = (176, 112, 208, 144)
    damaged.paste(damaged.crop(patch).filter(ImageFilter.GaussianBlur(3)), patch[:2])
    heat = fragment.spread([matching.distortion_map(luma, image) for image in (base, damaged, base)])
    left, top, right, bottom = fragment.best_window(heat, luma, 64)
    centre = ((patch[0] + patch[2]) // 2, (patch[1] + patch[3]) // 2)
    assert left <= centre[0] < right and top <= centre[1] < bottom
