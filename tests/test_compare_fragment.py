"""Choosing the fragment: the spread of distortion maps and the window where it is highest."""

import pytest
from PIL import Image, ImageFilter

from helpers import photo
from optimize_images.compare import fragment, matching


def test_best_window_finds_the_hot_spot():
    heat = Image.new("F", (300, 200), 0.01)
    heat.paste(1.0, (200, 120, 230, 150))
    left, top, right, bottom = fragment.best_window(heat, 64)
    assert (right - left, bottom - top) == (64, 64)
    assert left <= 200 and 230 <= right and top <= 120 and 150 <= bottom


def test_best_window_of_a_small_image_is_the_whole_image():
    assert fragment.best_window(Image.new("F", (40, 30), 0.0), 64) == (0, 0, 40, 30)


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
    left, top, right, bottom = fragment.best_window(heat, 64)
    centre = ((patch[0] + patch[2]) // 2, (patch[1] + patch[3]) // 2)
    assert left <= centre[0] < right and top <= centre[1] < bottom
