"""Exact reductions: every form of every mode decodes, once written as PNG by Pillow,
to the source's pixels at its own bit depth, transparency included.

The pixels are compared here by `source_pixels`, written apart from the module's
own `same_pixels` (which gets its own tests at the end)."""

import io
import random
import struct
from array import array

import pytest
from PIL import Image

from optimize_images.image import reductions
from optimize_images.image.reductions import (exact_forms, exact_palette, same_pixels,
                                              sixteen_bit_mode, writes_low_bit_grey)

SIZE = (24, 16)
BIG = (64, 64)  # room for more than 256 colours


def png_of(form):
    buffer = io.BytesIO()
    form.image.save(buffer, "PNG", **form.params)
    return buffer.getvalue()


def decoded(form):
    with Image.open(io.BytesIO(png_of(form))) as image:
        image.load()
        return image


def header(form):
    """(bit depth, colour type) of the PNG Pillow writes for the form."""
    return struct.unpack(">BB", png_of(form)[24:26])


def chunk_lengths(form):
    data, position, found = png_of(form), 8, {}
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        found[kind] = length
        position += 12 + length
    return found


def source_pixels(image):
    """Per pixel (value of each channel at 16 bits, alpha 0-255), by plain Python.

    8-bit values count as 257 times themselves, as PNG's decoders scale them.
    """
    key = image.info.get("transparency")
    if image.mode in ("I", "I;16"):
        values = array("i", image.convert("I").tobytes())
        return [((value,), 0 if value == key else 255) for value in values]
    if image.mode == "P" or image.mode in ("LA", "RGBA"):
        rgba = image.convert("RGBA").tobytes()
        return [(tuple(257 * v for v in rgba[i:i + 3]), rgba[i + 3])
                for i in range(0, len(rgba), 4)]
    if image.mode in ("1", "L"):
        levels = image.convert("L").tobytes()
        if image.mode == "1" and key is not None:
            key = 255 if key else 0
        return [((257 * v,) * 3, 0 if v == key else 255) for v in levels]
    rgb = image.convert("RGB").tobytes()
    return [(tuple(257 * v for v in rgb[i:i + 3]), 0 if tuple(rgb[i:i + 3]) == key else 255)
            for i in range(0, len(rgb), 3)]


def as_colour(pixels):
    """Grey pixels as three equal channels, so grey and colour forms compare."""
    return [(value * 3 if len(value) == 1 else value, alpha) for value, alpha in pixels]


def assert_every_form_exact(image, **options):
    forms = exact_forms(image, **options)
    expected = as_colour(source_pixels(image))
    for form in forms:
        assert as_colour(source_pixels(decoded(form))) == expected, form.name
    return forms


def noise(mode, levels, seed=1, size=SIZE):
    """An image of `mode` whose pixels are drawn from `levels` (values or tuples)."""
    rng = random.Random(seed)
    image = Image.new(mode, size)
    pixels = image.load()
    for y in range(size[1]):
        for x in range(size[0]):
            pixels[x, y] = rng.choice(levels)
    return image


def with_key(image, key):
    image.info["transparency"] = key
    return image


# --- 1-bit and 8-bit grey -------------------------------------------------------

def test_one_bit_stays_one_bit():
    forms = assert_every_form_exact(noise("1", [0, 255]))
    assert [form.name for form in forms] == ["1"] and header(forms[0]) == (1, 0)


def test_one_bit_with_a_key_also_gets_a_one_bit_palette_with_one_trns_entry():
    forms = assert_every_form_exact(with_key(noise("1", [0, 255]), 255))
    palette = forms[0]
    assert header(palette) == (1, 3) and chunk_lengths(palette)[b"tRNS"] == 1
    assert forms[-1].params == {"transparency": 1}  # the key at 1 bit, as PNG stores it


def test_black_and_white_grey_becomes_one_bit():
    forms = assert_every_form_exact(noise("L", [0, 255]))
    assert header(forms[0]) == (1, 0)


@pytest.mark.parametrize("bits, step", [(2, 85), (4, 17)])
def test_grey_on_a_coarser_grid_is_stored_at_fewer_bits(bits, step):
    if not writes_low_bit_grey():
        pytest.skip("this Pillow writes no 2- or 4-bit grey (Pillow 13 does)")
    image = noise("L", list(range(0, 256, step)))
    forms = assert_every_form_exact(image, grey_bits=True)
    assert header(forms[0]) == (bits, 0) and forms[0].params == {"bits": bits}


def test_without_low_bit_grey_a_grey_palette_stores_few_levels():
    forms = assert_every_form_exact(noise("L", [0, 85, 170, 255]), grey_bits=False)
    assert header(forms[0]) == (2, 3)


def test_few_grey_levels_off_the_grid_become_a_small_palette():
    forms = assert_every_form_exact(noise("L", [3, 50, 51, 52, 200, 201, 202, 250, 9, 77]))
    assert header(forms[0]) == (4, 3) and forms[0].palette_size == 10


def test_many_grey_levels_stay_eight_bit_grey():
    forms = assert_every_form_exact(noise("L", list(range(0, 200, 3))))
    assert [form.name for form in forms] == ["L"]


def test_grey_with_a_used_key_keeps_it():
    image = with_key(noise("L", [0, 40, 90, 130, 255]), 40)
    forms = assert_every_form_exact(image)
    assert chunk_lengths(forms[0])[b"tRNS"] == 1  # palette: the key's entry only
    assert forms[-1].params == {"transparency": 40}


def test_a_key_no_pixel_has_is_dropped():
    forms = assert_every_form_exact(with_key(noise("L", list(range(0, 250, 2))), 1))
    assert [form.name for form in forms] == ["L"] and b"tRNS" not in chunk_lengths(forms[0])


# --- grey with alpha -----------------------------------------------------------

def test_grey_alpha_with_few_pairs_becomes_a_palette_with_trns():
    image = noise("LA", [(0, 255), (80, 128), (160, 0), (255, 255), (80, 255)])
    forms = assert_every_form_exact(image)
    assert header(forms[0]) == (4, 3) and chunk_lengths(forms[0])[b"tRNS"] == 2


def test_grey_alpha_with_on_off_alpha_and_one_hidden_grey_becomes_a_key():
    levels = [(v, 255) for v in range(1, 256)] + [(0, 0)] * 50
    forms = assert_every_form_exact(noise("LA", levels, size=BIG))
    assert forms[-1].name == "L" and forms[-1].params == {"transparency": 0}


def test_grey_alpha_hiding_different_greys_keeps_its_alpha():
    levels = [(v, 255) for v in range(2, 256)] + [(0, 0), (1, 0)] * 20
    forms = assert_every_form_exact(noise("LA", levels, size=BIG))
    assert forms[-1].name == "LA"


def test_grey_alpha_whose_key_grey_also_shows_keeps_its_alpha():
    levels = [(v, 255) for v in range(0, 256)] + [(0, 0)] * 50
    forms = assert_every_form_exact(noise("LA", levels, size=BIG))
    assert forms[-1].name == "LA"


# --- 16-bit grey -----------------------------------------------------------------

def sixteen(values, mode="I;16"):
    return noise("I", values).convert(mode)


def test_sixteen_bit_grey_keeps_its_depth():
    forms = assert_every_form_exact(sixteen([0, 1, 1000, 65535, 257, 30000]))
    assert [form.name for form in forms] == [sixteen_bit_mode()] and header(forms[0]) == (16, 0)


def test_sixteen_bit_grey_of_eight_bit_values_becomes_eight_bit():
    forms = assert_every_form_exact(sixteen([257 * v for v in range(0, 256, 3)]))
    assert forms[-1].name == "L" and header(forms[-1]) == (8, 0)


def test_sixteen_bit_grey_with_a_key_keeps_it():
    image = with_key(sixteen([0, 1, 1000, 65535, 257]), 1000)
    forms = assert_every_form_exact(image)
    assert forms[-1].params == {"transparency": 1000}


def test_sixteen_bit_grey_with_a_key_on_the_eight_bit_grid_becomes_eight_bit_with_it():
    image = with_key(sixteen([257 * v for v in (0, 10, 20, 255)] * 20), 257 * 10)
    forms = assert_every_form_exact(image)
    assert forms[-1].name == "L" and forms[-1].params == {"transparency": 10}


@pytest.mark.parametrize("mode", ["I", "I;16"])
def test_sixteen_bit_grey_is_stored_in_the_mode_this_pillow_writes(mode):
    forms = assert_every_form_exact(sixteen([0, 3, 65535, 1234], mode=mode))
    assert forms[-1].image.mode == sixteen_bit_mode()


# --- palettes ------------------------------------------------------------------------

def palette_image(entries, used, transparency=None):
    image = noise("L", used).convert("P")
    image.putpalette([channel for entry in entries for channel in entry])
    if transparency is not None:
        image.info["transparency"] = transparency
    return image


def test_a_palette_loses_its_unused_and_repeated_entries():
    entries = [(10, 20, 30), (10, 20, 30), (200, 0, 0), (0, 0, 0)] + [(5, 5, 5)] * 252
    forms = assert_every_form_exact(palette_image(entries, [0, 1, 2]))
    assert forms[0].palette_size == 2 and header(forms[0]) == (1, 3)


def test_a_palette_with_one_transparent_index_keeps_it_in_one_trns_entry():
    entries = [(v, 255 - v, 3 * v % 256) for v in range(256)]
    image = palette_image(entries, list(range(0, 200, 2)), transparency=100)
    forms = assert_every_form_exact(image)
    assert chunk_lengths(forms[0])[b"tRNS"] == 1


def test_a_palette_with_many_alpha_levels_puts_them_first_and_trims_trns():
    entries = [(v, v, 255 - v) for v in range(256)]
    alphas = bytes([255] * 10 + [0, 30, 200] + [255] * 243)
    forms = assert_every_form_exact(palette_image(entries, list(range(20)), alphas))
    assert chunk_lengths(forms[0])[b"tRNS"] == 3
    trns = forms[0].params["transparency"]
    assert list(trns) == sorted(trns) and 255 not in trns


# --- colour ------------------------------------------------------------------------

def test_colour_that_is_all_grey_becomes_grey():
    image = noise("L", list(range(256))).convert("RGB")
    forms = assert_every_form_exact(image)
    assert [form.name for form in forms] == ["L"]


def test_grey_colour_with_a_grey_key_becomes_grey_with_the_key():
    image = with_key(noise("L", list(range(0, 256, 1))).convert("RGB"), (7, 7, 7))
    forms = assert_every_form_exact(image)
    assert forms[-1].name == "L" and forms[-1].params == {"transparency": 7}


def test_near_colours_get_their_own_palette_entries():
    """quantize() maps colours through 4x4x4 cells and would merge these."""
    colours = [(100 + d, 100, 100) for d in range(4)] + [(0, 0, d) for d in range(3)]
    forms = assert_every_form_exact(noise("RGB", colours))
    assert forms[0].palette_size == 7


def test_colour_with_more_than_256_colours_stays_colour():
    colours = [(r, g, 9) for r in range(0, 256, 15) for g in range(0, 256, 15)]
    forms = assert_every_form_exact(noise("RGB", colours, size=BIG))
    assert [form.name for form in forms] == ["RGB"]


def test_colour_with_a_used_key_gets_a_palette_entry_for_it():
    colours = [(200, 10, 10), (0, 255, 52), (9, 9, 9)]
    forms = assert_every_form_exact(with_key(noise("RGB", colours), (0, 255, 52)))
    assert forms[0].params == {"transparency": b"\x00"}


def test_colour_alpha_that_is_all_grey_becomes_grey_alpha():
    image = noise("RGBA", [(v, v, v, a) for v in range(0, 256, 1) for a in (0, 255)], size=BIG)
    forms = assert_every_form_exact(image)
    assert forms[-1].name == "LA"


def test_colour_alpha_with_few_colours_becomes_a_palette_with_trimmed_trns():
    colours = [(255, 0, 0, 255), (0, 0, 0, 0), (0, 0, 0, 255), (9, 200, 9, 128), (1, 2, 3, 255)]
    forms = assert_every_form_exact(noise("RGBA", colours))
    palette = forms[0]
    assert palette.palette_size == 5 and chunk_lengths(palette)[b"tRNS"] == 2


def test_colour_alpha_with_one_hidden_colour_becomes_a_colour_key():
    colours = [(r, g, 5, 255) for r in range(0, 256, 15) for g in range(0, 256, 15)]
    forms = assert_every_form_exact(noise("RGBA", colours + [(1, 2, 3, 0)] * 100, size=BIG))
    assert [form.name for form in forms] == ["RGB"]
    assert forms[0].params == {"transparency": (1, 2, 3)}


def test_colour_alpha_hiding_different_colours_keeps_its_alpha():
    colours = [(r, g, 5, 255) for r in range(0, 256, 15) for g in range(0, 256, 15)]
    forms = assert_every_form_exact(noise("RGBA", colours + [(1, 2, 3, 0), (3, 2, 1, 0)] * 50, size=BIG))
    assert [form.name for form in forms] == ["RGBA"]


def test_colour_alpha_whose_hidden_colour_also_shows_keeps_its_alpha():
    colours = [(r, g, 5, 255) for r in range(0, 256, 15) for g in range(0, 256, 15)]
    hidden = [(0, 0, 5, 0)] * 100  # (0, 0, 5) is also an opaque colour
    forms = assert_every_form_exact(noise("RGBA", colours + hidden, size=BIG))
    assert [form.name for form in forms] == ["RGBA"]


def test_exact_palette_takes_256_colours_and_refuses_257():
    colours = [(v, v // 2, 0) for v in range(256)]
    full, over = Image.new("RGB", (256, 1)), Image.new("RGB", (257, 1))
    full.putdata(colours)
    over.putdata(colours + [(1, 1, 1)])
    assert exact_palette(full).palette_size == 256 and exact_palette(over) is None


# --- the comparison ------------------------------------------------------------------

def test_same_pixels_sees_one_changed_pixel_and_one_changed_alpha():
    image = noise("RGBA", [(10, 20, 30, 255), (40, 50, 60, 128)])
    changed, hidden = image.copy(), image.copy()
    changed.putpixel((3, 3), (11, 20, 30, 255))
    hidden.putpixel((5, 5), (10, 20, 30, 254))
    assert same_pixels(image, image.copy())
    assert not same_pixels(image, changed) and not same_pixels(image, hidden)


def test_same_pixels_compares_sixteen_bits_with_eight_bits_scaled():
    eight = noise("L", [0, 1, 128, 255])
    scaled = eight.point(lambda v: v * 257, "I").convert("I;16")
    off = scaled.copy()
    off.putpixel((0, 0), scaled.getpixel((0, 0)) + 1)
    assert same_pixels(scaled, eight) and same_pixels(eight, scaled)
    assert not same_pixels(off, eight)


def test_same_pixels_sees_a_lost_key():
    image = with_key(noise("L", [0, 40, 90]), 40)
    plain = image.copy()
    del plain.info["transparency"]
    assert not same_pixels(image, plain)


def test_a_palette_whose_entries_carry_alpha_keeps_it():
    """quantize() of an RGBA image gives a palette of RGBA entries, no tRNS in info."""
    colours = [(255, 0, 0, 255), (0, 0, 255, 0), (0, 200, 0, 100)]
    quantized = noise("RGBA", colours).quantize(3)
    assert quantized.palette.mode == "RGBA" and "transparency" not in quantized.info
    forms = assert_every_form_exact(quantized)
    assert chunk_lengths(forms[0])[b"tRNS"] == 2


def test_without_8_bit_keys_the_16_bit_keys_map_colours_exactly_too(monkeypatch):
    monkeypatch.setattr(reductions, "_offsets", lambda prefixes, ids: None)
    colours = [(255, 0, 0, 255), (0, 0, 0, 0), (0, 0, 0, 255), (9, 200, 9, 128), (1, 2, 3, 255)]
    forms = assert_every_form_exact(noise("RGBA", colours))
    assert forms[0].palette_size == 5


def test_an_alpha_that_is_all_opaque_is_dropped():
    colours = [(r, g, 5, 255) for r in range(0, 256, 15) for g in range(0, 256, 15)]
    forms = assert_every_form_exact(noise("RGBA", colours, size=BIG))
    assert [form.name for form in forms] == ["RGB"]


def test_a_palette_source_also_gets_its_own_order():
    entries = [(v, 255 - v, (7 * v) % 256) for v in range(256)]
    image = palette_image(entries, [200, 3, 90, 17, 250, 60])  # used out of frequency order
    forms = assert_every_form_exact(image)
    names = [form.name for form in forms]
    assert names[:2] == ["P6", "P6 as the source"]
    kept = forms[1].image.getpalette()[:18]
    assert kept == [c for v in (3, 17, 60, 90, 200, 250) for c in entries[v]]


def test_same_pixels_compares_band_by_band_to_the_last_row(monkeypatch):
    monkeypatch.setattr(reductions, "_BAND_BYTES", 64)  # one row a band
    image = noise("RGBA", [(10, 20, 30, 255), (40, 50, 60, 128)])
    last = image.copy()
    last.putpixel((SIZE[0] - 1, SIZE[1] - 1), (0, 0, 0, 0))
    assert same_pixels(image, image.copy()) and not same_pixels(image, last)
    sixteen_bits = sixteen([0, 1, 1000, 65535])
    changed = sixteen_bits.copy()
    changed.putpixel((0, SIZE[1] - 1), 7)
    assert same_pixels(sixteen_bits, sixteen_bits.copy())
    assert not same_pixels(sixteen_bits, changed)
