"""Diff maps: each strategy and pre-processor, the colour scale (pixelmatch's rules: test_pixelmatch)."""

import io
import random

import pytest
from PIL import Image, ImageFilter

from helpers import photo, planted
from optimize_images import diffmap
from optimize_images.compat import image_math

PATCH = (96, 64, 128, 88)  # where the tests plant a difference


def hottest(diff):
    """The (x, y) of the largest value of a map (the first, reading row by row)."""
    peak = diff.getextrema()[1]
    mask = image_math(lambda d, p: d == p, diff, Image.new("F", diff.size, peak))
    left, top, _, _ = mask.point(lambda value: value * 255).convert("L").getbbox()
    row = mask.crop((0, top, diff.width, top + 1)).point(lambda value: value * 255).convert("L")
    return row.getbbox()[0], top


def inside(point, box, margin=0):
    x, y = point
    return box[0] - margin <= x < box[2] + margin and box[1] - margin <= y < box[3] + margin


@pytest.mark.parametrize("strategy", diffmap.STRATEGIES)
def test_identical_images_give_a_zero_map(strategy):
    image = photo((96, 64))
    diff = diffmap.diff_map(image, image.copy(), strategy=strategy)
    assert diff.mode == "F" and diff.size == image.size
    assert diff.getextrema() == (0.0, 0.0)


@pytest.mark.parametrize("strategy", diffmap.STRATEGIES)
@pytest.mark.parametrize("pre", diffmap.PRE_PROCESSORS)
def test_a_planted_difference_is_where_the_map_is_hottest(strategy, pre):
    image = photo((192, 128))
    diff = diffmap.diff_map(image, planted(image, PATCH), strategy=strategy, pre=pre)
    # SSIM's window and the pre-processors' blur spread a change by a few pixels.
    assert inside(hottest(diff), PATCH, margin=6)
    outside = diff.copy()
    outside.paste(0.0, (PATCH[0] - 8, PATCH[1] - 8, PATCH[2] + 8, PATCH[3] + 8))
    assert outside.getextrema()[1] < diff.getextrema()[1] / 2


def test_difference_is_the_mean_absolute_difference_over_channels():
    a = Image.new("RGB", (4, 4), (10, 20, 30))
    b = Image.new("RGB", (4, 4), (40, 20, 0))
    assert diffmap.diff_map(a, b).getpixel((0, 0)) == pytest.approx(60 / 3 / 255, abs=1e-7)
    grey = diffmap.diff_map(Image.new("L", (4, 4), 0), Image.new("L", (4, 4), 51))
    assert grey.getextrema() == pytest.approx((0.2, 0.2), abs=1e-7)


def test_ssim_strategy_is_one_minus_local_ssim():
    image = photo((64, 64))
    blurred = image.filter(ImageFilter.GaussianBlur(2))
    diff = diffmap.diff_map(image, blurred, strategy="ssim")
    low, high = diff.getextrema()
    assert 0 <= low < high <= 1


def test_transparent_pixels_are_compared_over_white():
    clear = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    white = Image.new("RGB", (8, 8), (255, 255, 255))
    for strategy in diffmap.STRATEGIES:
        assert diffmap.diff_map(clear, white, strategy=strategy).getextrema() == (0.0, 0.0)



# pre-processors ------------------------------------------------------------------

def test_identity_keeps_the_image():
    image = photo((32, 32))
    assert diffmap.preprocess(image, "identity") is image


def test_normalize_stretches_to_the_full_range():
    dull = Image.linear_gradient("L").point(lambda value: 60 + value // 2)
    assert diffmap.preprocess(dull, "normalize").getextrema() == (0, 255)


def test_normalize_removes_a_brightness_shift():
    dull = Image.linear_gradient("L").resize((64, 64)).point(lambda value: 40 + value // 2)
    brighter = dull.point(lambda value: value + 30)
    assert diffmap.diff_map(dull, brighter).getextrema()[1] > 0.1
    assert diffmap.diff_map(dull, brighter, pre="normalize").getextrema()[1] <= 2 / 255


def test_highpass_keeps_detail_around_mid_grey():
    flat = Image.new("L", (32, 32), 90)
    assert diffmap.preprocess(flat, "highpass").getextrema() == (128, 128)
    shifted = Image.new("L", (32, 32), 150)
    assert diffmap.diff_map(flat, shifted, pre="highpass").getextrema() == (0.0, 0.0)


def test_lowpass_is_the_gaussian_blur():
    image = photo((48, 48))
    expected = image.filter(ImageFilter.GaussianBlur(3))
    assert diffmap.preprocess(image, "lowpass", radius=3).tobytes() == expected.tobytes()


def test_lowpass_hides_pixel_noise():
    image = photo((96, 96))
    rng = random.Random(5)
    noise = Image.frombytes("L", image.size, bytes(rng.choice((0, 255)) for _ in range(96 * 96)))
    noisy = Image.composite(Image.new("RGB", image.size, "white"), image,
                            noise.point(lambda value: 64 if value else 0))
    plain = diffmap.summarize(image, noisy, diffmap.diff_map(image, noisy)).mean
    smooth = diffmap.summarize(image, noisy, diffmap.diff_map(image, noisy, pre="lowpass")).mean
    assert smooth < plain


@pytest.mark.parametrize("call, message", [
    (dict(strategy="nope"), "strategy"),
    (dict(pre="nope"), "pre"),
    (dict(radius=0), "radius"),
])
def test_bad_options_are_errors(call, message):
    image = photo((16, 16))
    with pytest.raises(ValueError, match=message):
        diffmap.diff_map(image, image, **call)


def test_images_of_different_sizes_are_an_error():
    with pytest.raises(ValueError, match="differ in size.*16.16 and 16.8"):
        diffmap.diff_map(Image.new("RGB", (16, 16)), Image.new("RGB", (16, 8)))


# colour scale, colorize, summary, raw -----------------------------------------------

def test_the_colour_scale_is_viridis_like():
    scale = diffmap.COLOUR_SCALE
    assert len(scale) == 256
    assert scale[0] == (68, 1, 84) and scale[-1] == (253, 231, 37)
    lumas = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in scale]
    assert all(later >= earlier for earlier, later in zip(lumas, lumas[1:]))  # 8-bit steps


def ramp(width=64, height=8):
    """A mode "F" map rising from 0 at the left to 1 at the right."""
    diff = Image.new("F", (width, height))
    for x in range(width):
        diff.paste(x / (width - 1), (x, 0, x + 1, height))
    return diff


def test_colorize_maps_low_and_high_to_the_ends_of_the_scale():
    coloured = diffmap.colorize(ramp(), low=0.0, high=1.0)
    assert coloured.mode == "RGB" and coloured.size == (64, 8)
    assert coloured.getpixel((0, 0)) == diffmap.COLOUR_SCALE[0]
    assert coloured.getpixel((63, 0)) == diffmap.COLOUR_SCALE[-1]
    clipped = diffmap.colorize(ramp(), low=0.0, high=0.5)
    assert clipped.getpixel((63, 0)) == diffmap.COLOUR_SCALE[-1]


@pytest.mark.parametrize("side", ["below", "right"])
def test_the_legend_leaves_the_map_at_the_origin(side):
    diff = ramp(48, 40)
    plain = diffmap.colorize(diff)
    framed = diffmap.colorize(diff, legend=side)
    assert framed.crop((0, 0) + plain.size).tobytes() == plain.tobytes()
    if side == "below":
        assert framed.width == plain.width and framed.height > plain.height
    else:
        assert framed.height == plain.height and framed.width > plain.width


def test_legend_side_suits_the_shape():
    assert diffmap.legend_side((200, 100)) == "below"
    assert diffmap.legend_side((100, 200)) == "right"


def test_a_flat_map_can_be_drawn():
    coloured = diffmap.colorize(Image.new("F", (8, 8), 0.0), legend="below")
    assert coloured.getpixel((0, 0)) == diffmap.COLOUR_SCALE[0]


def test_overlay_shows_a_where_nothing_changed():
    a = photo((64, 48))
    diff = Image.new("F", a.size, 0.0)
    diff.paste(1.0, (0, 0, 8, 8))
    coloured = diffmap.colorize(diff, over=a)
    assert coloured.getpixel((30, 30)) == a.getpixel((30, 30))
    assert coloured.getpixel((2, 2)) == diffmap.COLOUR_SCALE[-1]


def test_summary_of_a_known_map():
    a = photo((40, 40))
    diff = Image.new("F", (40, 40), 0.05)
    diff.paste(0.5, (0, 0, 10, 40))  # a quarter of the pixels
    summary = diffmap.summarize(a, a, diff, threshold=0.1)
    assert summary.mean == pytest.approx(0.25 * 0.5 + 0.75 * 0.05)
    assert summary.max == pytest.approx(0.5)
    assert summary.above == 0.25
    assert summary.ssim == 1.0


def test_raw_maps_are_16_bit():
    diff = Image.new("F", (5, 1))
    for x, value in enumerate((0.0, 0.5, 1.0, 1.5, -0.1)):
        diff.putpixel((x, 0), value)
    raw = diffmap.to_16bit(diff)
    buffer = io.BytesIO()
    raw.save(buffer, "PNG")
    with Image.open(io.BytesIO(buffer.getvalue())) as reread:
        assert reread.mode.startswith("I")
        assert [reread.getpixel((x, 0)) for x in range(5)] == [0, 32768, 65535, 65535, 0]
