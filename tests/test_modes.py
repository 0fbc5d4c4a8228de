"""One rule per kind of sample: 16 bits and floats to 8, transparency, other modes."""

import pytest
from PIL import Image

from optimize_images.measure import metrics
from optimize_images.common import modes
from optimize_images.image.formats import base, jpeg
from optimize_images.common.settings import Settings

SIXTEEN = (0, 128, 129, 257 * 100, 257 * 100 + 128, 65280, 65535)
EIGHT = (0, 0, 1, 100, 100, 254, 255)  # value / 257, rounded


def row(mode, values):
    image = Image.new(mode, (len(values), 1))
    for x, value in enumerate(values):
        image.putpixel((x, 0), value)
    return image


def pixels(image):
    return [image.getpixel((x, 0)) for x in range(image.width)]


@pytest.mark.parametrize("mode", ["I", "I;16"])
def test_sixteen_bits_go_to_the_nearest_8_bit_level(mode):
    image = row("I", SIXTEEN).convert(mode)
    eight = modes.to_8bit(image)
    assert eight.mode == "L" and pixels(eight) == list(EIGHT)


@pytest.mark.parametrize("mode", ["I", "I;16"])
def test_a_16_bit_key_becomes_alpha_at_8_bits(mode):
    image = row("I", SIXTEEN).convert(mode)
    image.info["transparency"] = SIXTEEN[2]
    eight = modes.to_8bit(image)
    assert eight.mode == "LA" and "transparency" not in eight.info
    assert [grey for grey, _ in pixels(eight)] == list(EIGHT)
    assert [alpha for _, alpha in pixels(eight)] == [0 if value == SIXTEEN[2] else 255
                                                    for value in SIXTEEN]


def test_16_bit_grey_with_a_key_is_flattened_over_the_background_for_jpeg():
    image = row("I", SIXTEEN).convert("I;16")
    image.info["transparency"] = SIXTEEN[2]
    flat = jpeg.prepare(image, Settings(background=(0, 0, 0)))
    assert flat.mode == "L"
    assert pixels(flat) == [0 if value == SIXTEEN[2] else level
                            for value, level in zip(SIXTEEN, EIGHT)]


def test_floats_round_to_the_nearest_level_and_clip():
    eight = modes.to_8bit(row("F", (0.4, 0.6, 254.5, 300.0, -3.0)))
    assert pixels(eight) == [0, 1, 255, 255, 0]


def test_other_modes_pass_to_8bit_unchanged():
    image = Image.new("RGB", (2, 2), (1, 2, 3))
    assert modes.to_8bit(image) is image


def test_encoders_metrics_and_maps_read_16_bits_alike():
    image = row("I", SIXTEEN).convert("I;16")
    expected = pixels(modes.to_8bit(image))
    assert pixels(jpeg.prepare(image, Settings())) == expected
    assert [rgb[0] for rgb in pixels(base.rgb_or_rgba(image, Settings()))] == expected
    assert pixels(modes.opaque_rgb(image).convert("L")) == expected
    assert metrics.diff_ratio(image, Image.frombytes("L", image.size, bytes(expected))) == 1.0


@pytest.mark.parametrize("mode, colour", [("RGBA", (10, 20, 30, 0)), ("LA", (10, 0)),
                                          ("La", (10, 0)), ("PA", (1, 0))])
def test_transparency_is_composited_over_the_background(mode, colour):
    flat = modes.opaque(Image.new(mode, (2, 2), colour), (0, 128, 0))
    expected = 75 if flat.mode == "L" else (0, 128, 0)  # green's luma
    assert flat.getpixel((0, 0)) == expected
    assert modes.opaque(Image.new(mode, (2, 2), colour)).convert("RGB").getpixel((0, 0)) == \
        modes.WHITE


def test_a_transparent_palette_index_counts_as_alpha():
    image = Image.new("P", (2, 2), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    assert not modes.has_alpha(image)
    image.info["transparency"] = 1
    assert modes.has_alpha(image)
    assert modes.opaque_rgb(image).getpixel((0, 0)) == modes.WHITE


@pytest.mark.parametrize("mode, expected", [("1", "L"), ("P", "RGB"), ("CMYK", "RGB"),
                                            ("YCbCr", "RGB"), ("L", "L"), ("RGB", "RGB")])
def test_every_mode_becomes_l_or_rgb(mode, expected):
    assert modes.opaque(Image.new(mode, (2, 2))).mode == expected


def test_grey_beside_colour_compares_in_rgb():
    first, second = modes.comparable(Image.new("L", (2, 2)), Image.new("P", (2, 2)))
    assert first.mode == second.mode == "RGB"
    first, second = modes.comparable(Image.new("L", (2, 2)), Image.new("LA", (2, 2)))
    assert first.mode == second.mode == "L"


def test_a_pair_must_be_two_images_of_one_size():
    with pytest.raises(TypeError, match="b must be a PIL.Image.Image"):
        modes.check_pair(Image.new("L", (2, 2)), "b.png")
    with pytest.raises(ValueError, match="differ in size.*2.2 and 2.3"):
        modes.check_pair(Image.new("L", (2, 2)), Image.new("L", (2, 3)))
