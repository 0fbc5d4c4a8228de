"""Diff maps: each strategy and pre-processor, the colour scale (pixelmatch's rules: test_pixelmatch)."""

import io
import random

import pytest
from PIL import Image, ImageDraw, ImageFilter

from helpers import drawing, ink_bands, ink_crop, photo, planted, shows_line
from optimize_images.draw import diffmap, grid
from optimize_images.measure import gradients, pixelmatch
from optimize_images.common.compat import Transpose, image_math
from optimize_images.commands.diff.options import DiffOptions
from optimize_images.draw.diffmap import GRADIENT_METRICS as METRICS

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
    beside = (framed.crop((plain.width, 0, framed.width, plain.height)) if side == "below"
              else framed.crop((0, plain.height, plain.width, framed.height)))
    assert 0 in beside.size or beside.getextrema() == ((255, 255),) * 3  # only paper
    if side == "below":
        assert framed.height > plain.height  # a caption wider than the map widens it
    else:
        assert framed.width > plain.width


def test_legend_side_suits_the_shape():
    assert diffmap.legend_side((200, 100)) == "below"
    assert diffmap.legend_side((100, 200)) == "right"


def test_a_flat_map_can_be_drawn():
    coloured = diffmap.colorize(Image.new("F", (8, 8), 0.0), legend="below")
    assert coloured.getpixel((0, 0)) == diffmap.COLOUR_SCALE[0]


def test_overlay_shows_a_grey_copy_of_a_where_nothing_changed():
    """Viridis over a colourful photo is hard to read: as pixelmatch does, A goes grey first."""
    a = photo((64, 48))
    _, coloured = diffmap.draw(a, planted(a, (0, 0, 8, 8)), overlay=True, legend=None)
    red, green, blue = coloured.getpixel((30, 30))
    assert red == green == blue
    assert coloured.getpixel((30, 30)) == pixelmatch.grey_copy(a).getpixel((30, 30))
    assert coloured.getpixel((2, 2)) != pixelmatch.grey_copy(a).getpixel((2, 2))


def test_summary_of_a_known_map():
    a = photo((40, 40))
    diff = Image.new("F", (40, 40), 0.05)
    diff.paste(0.5, (0, 0, 10, 40))  # a quarter of the pixels
    summary = diffmap.summarize(a, a, diff, threshold=0.1)
    assert summary.mean == pytest.approx(0.25 * 0.5 + 0.75 * 0.05)
    assert summary.max == pytest.approx(0.5)
    assert summary.count == 400 and summary.above == 0.25
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


def test_a_signed_map_is_summarized_by_its_magnitude():
    diff = Image.new("F", (10, 10), 0.0)
    diff.paste(-0.5, (0, 0, 5, 10))
    diff.paste(0.2, (5, 0, 6, 10))
    summary = diffmap.summarize(photo((10, 10)), photo((10, 10)), diff, threshold=0.1)
    assert summary.count == 60 and summary.max == pytest.approx(0.5)
    assert summary.mean == pytest.approx((50 * 0.5 + 10 * 0.2) / 100)


# Readable scales and legends ---------------------------------------------------------

def scale_position(colour, scale=diffmap.COLOUR_SCALE):
    """Where a drawn colour sits on a colour scale, 0-255 (the nearest of its colours)."""
    return min(range(len(scale)),
               key=lambda index: sum((a - b) ** 2 for a, b in zip(scale[index], colour)))


def test_one_outlying_pixel_does_not_leave_the_map_dark():
    """The scale runs to a high percentile of the pixels that differ, not to the maximum."""
    a = Image.new("RGB", (200, 100), (100, 100, 100))
    b = a.copy()
    b.paste((112, 112, 112), (0, 0, 80, 100))  # 40 % of the pixels, 12 levels
    b.putpixel((150, 50), (227, 227, 227))  # one pixel, 127 levels
    _, picture = diffmap.draw(a, b, legend=None)
    assert scale_position(picture.getpixel((40, 50))) >= 250  # drawn bright, not dark
    assert picture.getpixel((150, 50)) == diffmap.COLOUR_SCALE[-1]  # the outlier: clipped
    assert picture.getpixel((120, 50)) == diffmap.COLOUR_SCALE[0]  # unchanged: the bottom


def test_scale_top_is_a_high_percentile_of_the_pixels_that_differ():
    diff = Image.new("F", (100, 100), 0.0)
    for index in range(1000):  # 1000 pixels differ, by 0.001 ... 1.0
        diff.putpixel((index % 100, index // 100), (index + 1) / 1000)
    assert diffmap.scale_top([diff]) == pytest.approx(0.995, abs=1e-4)
    assert diffmap.scale_top([diff], percentile=50) == pytest.approx(0.5, abs=1e-4)
    assert diffmap.scale_top([Image.new("F", (4, 4), 0.0)]) == 0.0
    negative = diff.point(lambda value: -value)
    assert diffmap.scale_top([diff, negative]) == pytest.approx(0.995, abs=1e-4)


def legend_region(picture, size, side):
    """The legend beside a map of `size`, turned so that its caption reads left to right."""
    if side == "below":
        return picture.crop((0, size[1], picture.width, picture.height))
    return picture.crop((size[0], 0, picture.width, picture.height)).transpose(
        Transpose.ROTATE_270)


@pytest.mark.parametrize("side, size", [("below", (420, 90)), ("right", (90, 420))])
@pytest.mark.parametrize("strategy", ["difference", "ssim", "gradient"])
def test_the_legend_says_what_the_map_shows(strategy, side, size):
    a = photo(size)
    _, picture = diffmap.draw(a, planted(a, (30, 30, 60, 60)), strategy=strategy, legend=side)
    legend = legend_region(picture, size, side)
    for line in diffmap.caption(strategy):
        assert shows_line(legend, line, grid.font()), line


def test_the_captions_name_the_quantity():
    assert diffmap.caption("difference") == ["|A - B|, mean of R, G, B (0-1)"]
    assert diffmap.caption("ssim") == ["1 - local SSIM of the lumas (0: same)"]
    assert diffmap.caption("gradient", "ms-ssim") == [
        "how much MS-SSIM changes if this pixel of B brightens",
        "dMS-SSIM/dB x pixel count; red: it would rise, blue: fall"]


def test_the_legend_states_where_the_scale_ends():
    a = Image.new("RGB", (600, 80), (100, 100, 100))
    b = a.copy()
    b.paste((112, 112, 112), (0, 0, 200, 80))
    b.putpixel((300, 40), (227, 227, 227))
    _, picture = diffmap.draw(a, b, legend="below")
    note = ("top colour: 99.5th percentile of the pixels that differ; largest "
            + grid.format_value(127 / 255))
    assert shows_line(legend_region(picture, a.size, "below"), note, grid.font())


def swatch_texts(key):
    """{swatch colour: its line's text, cut right of the swatch} for each line of a key."""
    found = {}
    for top, bottom in ink_bands(key):
        line = key.crop((0, top, key.width, bottom))
        colours = {colour for _, colour in line.getcolors(line.width * line.height)}
        for swatch in (pixelmatch.DIFFERENT_COLOUR, pixelmatch.ANTI_ALIASED_COLOUR):
            if swatch in colours:
                grey = line.convert("L")
                x = 0
                while grey.crop((x, 0, x + 1, grey.height)).getextrema()[0] < 250:
                    x += 1  # across the swatch
                found[swatch] = line.crop((x, 0, line.width, line.height))
    return found


def test_the_pixelmatch_picture_has_a_key_with_counts_and_threshold():
    a, b = drawing(3, size=(300, 120)), drawing(3, shift=3, size=(300, 120))
    diff, picture = diffmap.draw(a, b, strategy="pixelmatch", threshold=0.05)
    drawn = picture.crop((0, 0) + a.size)
    counts = {colour: count for count, colour in drawn.getcolors(a.width * a.height)}
    red = counts.get(pixelmatch.DIFFERENT_COLOUR, 0)
    yellow = counts.get(pixelmatch.ANTI_ALIASED_COLOUR, 0)
    assert red and yellow
    texts = swatch_texts(legend_region(picture, a.size, "below"))
    assert ink_crop(texts[pixelmatch.DIFFERENT_COLOUR]).tobytes() == ink_crop(
        _alone(f"{red} px differ: YIQ distance above 0.05")).tobytes()
    assert ink_crop(texts[pixelmatch.ANTI_ALIASED_COLOUR]).tobytes() == ink_crop(
        _alone(f"{yellow} px above it but anti-aliased: excused")).tobytes()


def _alone(text):
    canvas = Image.new("RGB", (grid.text_width(text, grid.font()) + 20, 40), "white")
    ImageDraw.Draw(canvas).text((10, 10), text, fill=grid.INK, font=grid.font())
    return canvas


# The gradient strategy ---------------------------------------------------------------

def test_the_diff_options_name_the_gradient_metrics():
    assert METRICS == gradients.GRADIENT_METRICS


@pytest.mark.parametrize("metric", METRICS)
def test_the_gradient_map_is_the_metrics_gradient_times_the_pixel_count(metric):
    a, b = photo((48, 40)), photo((48, 40), seed=2)
    expected = gradients.gradient(a, b, metric).point(lambda value: value * 48 * 40)
    got = diffmap.diff_map(a, b, strategy="gradient", metric=metric)
    assert got.tobytes() == expected.tobytes()


def test_the_gradient_map_is_drawn_signed_red_for_up_and_blue_for_down():
    a = Image.new("RGB", (120, 60), (100, 100, 100))
    b = a.copy()
    b.paste((120, 120, 120), (10, 10, 40, 50))  # brighter: MSE rises as B brightens
    b.paste((80, 80, 80), (70, 10, 100, 50))  # darker: MSE falls as B brightens
    _, picture = diffmap.draw(a, b, strategy="gradient", metric="mse", legend=None)
    scale = diffmap.SIGNED_COLOUR_SCALE
    assert scale_position(picture.getpixel((25, 30)), scale) >= 250  # red end
    assert scale_position(picture.getpixel((85, 30)), scale) <= 5  # blue end
    assert picture.getpixel((55, 30)) == scale[128]  # 0: the middle, near white
    assert min(scale[128]) > 240


def test_the_gradient_finds_a_scratch_that_a_brightness_change_hides():
    """B is A brightened by 20 levels, with a faint dark scratch: the difference map is
    brightest everywhere but on the scratch; the SSIM gradient is brightest on it."""
    a = photo((160, 120)).convert("L")
    scratch = Image.new("L", a.size, 0)
    ImageDraw.Draw(scratch).line((100, 30, 130, 90), fill=255, width=2)
    brighter = a.point(lambda value: min(255, value + 20))
    b = Image.composite(brighter.point(lambda value: value - 15), brighter, scratch)
    near = scratch.filter(ImageFilter.MaxFilter(7))  # the scratch and 3 px around it

    def share_near_scratch(diff):
        """The share of the map's 200 largest magnitudes that lie on or by the scratch."""
        largest = sorted(((abs(diff.getpixel((x, y))), (x, y)) for y in range(120)
                          for x in range(160)), reverse=True)[:200]
        return sum(bool(near.getpixel(point)) for _, point in largest) / 200

    assert share_near_scratch(diffmap.diff_map(a, b)) < 0.1
    assert share_near_scratch(diffmap.diff_map(a, b, strategy="gradient")) > 0.9


def test_the_difference_finders_pre_processor_names_are_aliases():
    image = photo((48, 40))
    other = planted(image, (5, 5, 20, 20))
    for alias, name in (("highpass_filter", "highpass"), ("lowpass_filter", "lowpass")):
        assert DiffOptions(pre=alias).pre == name
        assert diffmap.diff_map(image, other, pre=alias).tobytes() == diffmap.diff_map(
            image, other, pre=name).tobytes()
        assert diffmap.preprocess(image, alias).tobytes() == diffmap.preprocess(
            image, name).tobytes()
