"""pixelmatch's rules, pixel for pixel: the YIQ distance, the anti-aliasing detector, the picture."""

import pytest
from PIL import Image

from helpers import drawing, photo, planted
from optimize_images.draw import diffmap
from optimize_images.measure import pixelmatch


def reference_pixelmatch(a, b, threshold, include_aa):
    """mapbox/pixelmatch's classification of opaque pixels, one by one, in float64:
    (set of different (x, y), set of anti-aliased (x, y))."""
    width, height = a.size
    first, second = a.load(), b.load()

    def luma(p):
        return p[0] * 0.29889531 + p[1] * 0.58662247 + p[2] * 0.11448223

    def colour_delta(p, q):
        y = luma(p) - luma(q)
        i = ((p[0] - q[0]) * 0.59597799 - (p[1] - q[1]) * 0.27417610
             - (p[2] - q[2]) * 0.32180189)
        z = ((p[0] - q[0]) * 0.21147017 - (p[1] - q[1]) * 0.52261711
             + (p[2] - q[2]) * 0.31114694)
        return 0.5053 * y * y + 0.299 * i * i + 0.1957 * z * z

    def around(x, y):
        on_border = x in (0, width - 1) or y in (0, height - 1)
        cells = [(nx, ny) for nx in range(max(x - 1, 0), min(x + 1, width - 1) + 1)
                 for ny in range(max(y - 1, 0), min(y + 1, height - 1) + 1) if (nx, ny) != (x, y)]
        return int(on_border), cells

    def many_siblings(pixels, x, y):
        zeroes, cells = around(x, y)
        return zeroes + sum(pixels[n] == pixels[x, y] for n in cells) > 2

    def antialiased(pixels, x, y, others):
        zeroes, cells = around(x, y)
        low = high = 0
        darkest = brightest = None
        for n in cells:
            delta = 0 if pixels[n] == pixels[x, y] else luma(pixels[x, y]) - luma(pixels[n])
            if delta == 0:
                zeroes += 1
                if zeroes > 2:
                    return False
            elif delta < low:
                low, darkest = delta, n
            elif delta > high:
                high, brightest = delta, n
        if low == 0 or high == 0:
            return False
        return any(many_siblings(pixels, *n) and many_siblings(others, *n)
                   for n in (darkest, brightest))

    different, excused = set(), set()
    for y in range(height):
        for x in range(width):
            if colour_delta(first[x, y], second[x, y]) > 35215 * threshold ** 2:
                if not include_aa and (antialiased(first, x, y, second)
                                       or antialiased(second, x, y, first)):
                    excused.add((x, y))
                else:
                    different.add((x, y))
    return different, excused


def pixels_of(picture, colour):
    width = picture.width
    data = picture.tobytes()
    return {(index % width, index // width) for index in range(width * picture.height)
            if tuple(data[3 * index:3 * index + 3]) == colour}


@pytest.mark.parametrize("include_aa", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
def test_pixelmatch_classifies_pixels_as_pixelmatch_does(seed, include_aa):
    a, b = drawing(seed), drawing(seed, shift=3)
    different, excused = reference_pixelmatch(a, b, 0.1, include_aa)
    diff, picture = diffmap.draw(a, b, strategy="pixelmatch", detect_aa=not include_aa,
                                legend=None)
    assert different  # the test means something
    assert pixels_of(picture, pixelmatch.DIFFERENT_COLOUR) == different
    assert pixels_of(picture, pixelmatch.ANTI_ALIASED_COLOUR) == excused
    assert diffmap.summarize(a, b, diff).above * a.width * a.height == len(different)


def test_pixelmatch_detects_anti_aliasing_somewhere():
    a, b = drawing(3), drawing(3, shift=3)
    _, excused = reference_pixelmatch(a, b, 0.1, include_aa=False)
    assert excused
    assert pixelmatch.anti_aliased(a, b).histogram()[255] >= len(excused)


def test_pixelmatch_package_flags_the_same_pixels():
    reference = pytest.importorskip("pixelmatch.contrib.PIL")
    a, b = drawing(4, size=(96, 72)), drawing(4, shift=2, size=(96, 72))
    for include_aa in (True, False):
        output = Image.new("RGBA", a.size)
        count = reference.pixelmatch(a, b, output, threshold=0.1, includeAA=include_aa)
        _, picture = diffmap.draw(a, b, strategy="pixelmatch", detect_aa=not include_aa,
                                legend=None)
        assert picture.tobytes() == output.convert("RGB").tobytes()
        assert len(pixels_of(picture, pixelmatch.DIFFERENT_COLOUR)) == count


def test_pixelmatch_distance_is_normalised_yiq():
    black, white = Image.new("RGB", (2, 2), "black"), Image.new("RGB", (2, 2), "white")
    distance = diffmap.diff_map(black, white, strategy="pixelmatch", detect_aa=False)
    # Black against white differs in Y only: delta = 0.5053 · 255².
    expected = (0.5053 * 255 ** 2 / 35215) ** 0.5
    assert distance.getextrema() == pytest.approx((expected, expected), abs=1e-6)


def test_pixelmatch_overlay_draws_over_a_grey_copy_of_a():
    a = photo((64, 48))
    _, picture = diffmap.draw(a, planted(a, (8, 8, 16, 16)), strategy="pixelmatch",
                              overlay=True)
    assert picture.getpixel((40, 40)) == pixelmatch.grey_copy(a).getpixel((40, 40))
    assert picture.getpixel((10, 10)) == pixelmatch.DIFFERENT_COLOUR
