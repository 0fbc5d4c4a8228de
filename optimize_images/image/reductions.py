"""Exact re-expressions of an image in fewer bytes per pixel, as PNG stores them.

Every form decodes to the very same pixels at the source's own bit depth,
transparency included (`same_pixels` says whether two images do):

- an alpha band that is all opaque → none;
- 16-bit grey whose every value is a multiple of 257 → 8-bit grey (PNG
  scales samples to the full range, so 257·k at 16 bits is k at 8 bits);
- colour whose every pixel is grey → grey (RGB → L, RGBA → LA);
- a transparent colour or level that no pixel has → no transparency;
- an alpha band that is only 0 and 255, with one colour under all the
  transparent pixels and nowhere else → that colour as a transparency key;
- grey whose levels are all on a coarser grid → 1, 2 or 4 bits a pixel;
- at most 256 colours → an exact palette: every colour once, the
  transparent entries first so that tRNS holds only those, 1, 2 or 4 bits a
  pixel when the palette is small enough (Pillow picks the bit depth from
  the palette's length); the rest by frequency, and for a palette image
  also in the source's own order.

`quantize` is no way to build such a palette: it maps colours through a cache
of 4×4×4 cells, so near colours share an index. Here each pixel's index comes
from exact lookup tables, one band at a time (see `_indices`).
"""

import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple, cast

from PIL import Image, ImageChops

from ..common.compat import Dither, image_math
from ..common.modes import SIXTEEN_BIT_MODES, key_mask
from .transforms import drop_opaque_alpha

_KEYED = ("1", "L", "RGB", "I;16", "I")
_BAND_BYTES = 1 << 22  # what `same_pixels` compares at a time: about 4 MB of RGBA
Colour = Tuple[int, int, int, int]  # (R, G, B, A)
# Levels an 8-bit grey value takes when it is stored at fewer bits: the
# decoder scales them back to 0-255 (2 bits: 0, 85, 170, 255).
_GRID_STEP = {1: 255, 2: 85, 4: 17}


@dataclass(frozen=True)
class Form:
    """An image and the PNG save parameters that store it as it is."""
    image: Image.Image
    params: dict = field(default_factory=dict)
    name: str = ""

    @property
    def palette_size(self) -> int:
        return len(self.image.getpalette() or ()) // 3 if self.image.mode == "P" else 0


def exact_forms(image: Image.Image, *, grey_bits: Optional[bool] = None) -> List[Form]:
    """The smallest exact forms of `image`, the likeliest smallest first.

    `grey_bits`: whether to store grey at 2 and 4 bits (`save(bits=...)` on
    L); by default, when this Pillow can (13 and later).
    """
    if grey_bits is None:
        grey_bits = writes_low_bit_grey()
    base = _reduced(image)
    keyed = "transparency" in base.info
    forms = []
    if base.mode not in SIXTEEN_BIT_MODES:
        levels = _grey_levels(base)
        if levels is not None and not keyed:
            forms.extend(_grey_grid_forms(base, levels, grey_bits))
        if (base.mode != "1" or keyed) and (levels is None or len(levels) <= 16):
            forms.extend(_palette_forms(base, image))
    forms.append(Form(base, _transparency_param(base), base.mode))
    return forms


def _palette_forms(base, source):
    """The exact palette of `base`, by frequency; for a palette `source`, also in the
    source's own order, which a GIF or an editor may have made compress better."""
    by_frequency = exact_palette(base)
    if by_frequency is None or source.mode != "P":
        return [by_frequency] if by_frequency else []
    as_source = exact_palette(base, order=_palette_order(source))
    if as_source.image.getpalette() == by_frequency.image.getpalette():
        return [by_frequency]
    return [by_frequency, as_source]


def _palette_order(image):
    """{(R, G, B, A): its first index} over the used entries of a palette image."""
    entries = image.getpalette() or []
    key = image.info.get("transparency")
    if image.palette.mode == "RGBA":
        alphas = image.getpalette("RGBA")[3::4]
    elif isinstance(key, bytes):
        alphas = list(key)
    else:
        alphas = [0 if index == key else 255 for index in range(256)]
    order = {}
    for index, count in enumerate(image.histogram()[:len(entries) // 3]):
        if count:
            alpha = alphas[index] if index < len(alphas) else 255
            order.setdefault(tuple(entries[3 * index:3 * index + 3]) + (alpha,), index)
    return order


def _reduced(image):
    """The image in the fewest channels and bits that keep it exact (no palette yet)."""
    if image.mode == "P":  # its alpha in tRNS, or in the palette itself (quantize's)
        alpha = "transparency" in image.info or image.palette.mode == "RGBA"
        image = image.convert("RGBA" if alpha else "RGB")
    if image.mode in SIXTEEN_BIT_MODES:
        image = _as_sixteen_bits(image)
    image = _without_unused_key(image)
    if image.mode in SIXTEEN_BIT_MODES:
        image = _eight_bits_if_exact(image)
    image = _grey_if_exact(drop_opaque_alpha(image))
    return _keyed_if_exact(image)


def _as_sixteen_bits(image: Image.Image) -> Image.Image:
    """16-bit grey in the mode this Pillow writes (see `sixteen_bit_mode`); convert()
    keeps the key."""
    mode = sixteen_bit_mode()
    return image if image.mode == mode else image.convert("I").convert(mode)


def _without_unused_key(image: Image.Image) -> Image.Image:
    """A transparency key that no pixel has says nothing: drop it."""
    key = image.info.get("transparency")
    if image.mode not in _KEYED or key is None:
        return image
    if image.mode == "RGB":
        used = image.convert("RGBA").getchannel("A").getextrema()[0] == 0
    else:
        used = _key_mask(image).getextrema()[0] == 0
    if used:
        return image
    image = image.copy()
    del image.info["transparency"]
    return image


def _key_mask(image: Image.Image) -> Image.Image:
    """L: 0 where a pixel has the transparency key's value, else 255 (modes 1, L, I;16, I)."""
    key = image.info["transparency"]
    if image.mode in SIXTEEN_BIT_MODES:
        return key_mask(image.convert("I"), key)
    if image.mode == "1":
        key = 255 if key else 0
    table = [255] * 256
    table[key] = 0
    return image.convert("L").point(table, "L")


def _eight_bits_if_exact(image: Image.Image) -> Image.Image:
    """16-bit grey whose values (and key) are all multiples of 257 → L."""
    wide = image.convert("I")
    key = image.info.get("transparency")
    if image_math(lambda value: value % 257, wide).getextrema()[1] or (key or 0) % 257:
        return image
    narrow = image_math(lambda value: value / 257, wide).convert("L")  # I: exact division
    if key is not None:
        narrow.info["transparency"] = key // 257
    return narrow


def _grey_if_exact(image: Image.Image) -> Image.Image:
    """RGB/RGBA whose every pixel has R = G = B → L/LA (a key too)."""
    if image.mode not in ("RGB", "RGBA"):
        return image
    red, green, blue = image.split()[:3]
    if (ImageChops.difference(red, green).getbbox() is not None
            or ImageChops.difference(green, blue).getbbox() is not None):
        return image
    if image.mode == "RGBA":
        return Image.merge("LA", (red, image.getchannel("A")))
    key = image.info.get("transparency")
    if key is not None:  # a grey key: a colour key no pixel had was dropped before
        red.info["transparency"] = key[0]
    return red


def _keyed_if_exact(image):
    """RGBA/LA whose alpha is 0 or 255, with one colour under every transparent
    pixel and under no opaque one → RGB/L with that colour as the key."""
    if image.mode not in ("RGBA", "LA"):
        return image
    alpha = image.getchannel("A")
    counts = alpha.histogram()
    if counts[0] + counts[255] != image.width * image.height or not counts[0]:
        return image
    colour = image.convert(image.mode[:-1])
    clear = ImageChops.invert(alpha)  # 255 where transparent
    key = []
    for band in colour.split():
        under = [value for value, count in enumerate(band.histogram(mask=clear)) if count]
        if len(under) != 1:
            return image
        key.append(under[0])
    key = tuple(key) if len(key) > 1 else key[0]
    distance = _max_band(ImageChops.difference(colour, Image.new(colour.mode, colour.size, key)))
    if distance.histogram(mask=alpha)[0]:  # an opaque pixel of the key's colour
        return image
    colour.info["transparency"] = key
    return colour


def _max_band(image: Image.Image) -> Image.Image:
    """L: per pixel, the largest of the bands."""
    bands = image.split()
    result = bands[0]
    for band in bands[1:]:
        result = ImageChops.lighter(result, band)
    return result


def _grey_levels(image: Image.Image) -> Optional[List[int]]:
    """The sorted 8-bit levels of an L or 1 image; None for other modes."""
    if image.mode not in ("L", "1"):
        return None
    histogram = image.convert("L").histogram()
    return [level for level in range(256) if histogram[level]]


def _grey_grid_forms(image: Image.Image, levels: List[int], grey_bits: bool) -> List[Form]:
    """Grey stored at 1, 2 or 4 bits, when every level is on that grid."""
    if image.mode == "1":
        return []
    for bits in (1, 2, 4):
        if all(level % _GRID_STEP[bits] == 0 for level in levels):
            if bits == 1:
                return [Form(image.convert("1", dither=Dither.NONE), {}, "1")]
            return [Form(image, {"bits": bits}, f"L;{bits}")] if grey_bits else []
    return []


def exact_palette(image: Image.Image, *,
                  order: Optional[Dict[Colour, int]] = None) -> Optional[Form]:
    """A palette form of an image with at most 256 colours (transparency included); else None.

    Entries with transparency come first, most transparent first, so tRNS
    stops at the last of them; the rest follow by frequency, or by their
    place in `order` ({(R, G, B, A): rank}) when given.
    """
    rgba = image.mode in ("RGBA", "LA") or "transparency" in image.info
    content = image.convert("RGBA" if rgba else "RGB")
    counted = cast(Optional[List[Tuple[int, Tuple[int, ...]]]],  # RGB(A): colours are tuples
                   content.getcolors(256))
    if counted is None:
        return None

    def rank(item):
        count, colour = item
        full = colour if rgba else colour + (255,)
        return full[3], (-count if order is None else order.get(full, 256))
    colours = [colour for _, colour in sorted(counted, key=rank)]
    index = _indices(content.split(), colours)
    indexed = Image.frombytes("P", image.size, index.tobytes())
    indexed.putpalette(b"".join(bytes(colour[:3]) for colour in colours), "RGB")
    alphas = bytes(colour[3] for colour in colours if rgba and colour[3] < 255)
    params = {"transparency": alphas} if alphas else {}
    return Form(indexed, params, f"P{len(colours)}{'' if order is None else ' as the source'}")


def _indices(bands, colours):
    """L: each pixel's position in `colours` (tuples of one value per band).

    Bands are folded in one at a time, each pixel carrying the id of the
    prefix of its values so far; a band the ones before decide is passed
    over. The id and the band's next value make a key, which an exact lookup
    table maps to the id of the longer prefix. The key is the id plus an
    offset chosen per value, modulo 256 (`_offsets`: all 8-bit operations),
    or, when no such offsets are found, id * 256 + value in a 16-bit image,
    whose 65536-entry table costs Pillow a few milliseconds to take. No id
    exceeds 255, as no prefix of the colours takes more than 256 values.
    """
    index, ids = None, {(): 0}
    for position, band in enumerate(bands):
        prefixes = sorted({colour[:position + 1] for colour in colours})
        if len(prefixes) == len(ids):
            ids = {prefix: ids[prefix[:-1]] for prefix in prefixes}
            continue
        offsets = _offsets(prefixes, ids) if index is not None else {}
        if offsets is not None:
            shift = band.point([offsets.get(value, 0) for value in range(256)])
            keys = band if index is None else ImageChops.add_modulo(index, shift)

            def key_of(prefix):
                return ((ids[prefix[:-1]] if index is not None else prefix[-1])
                        + offsets.get(prefix[-1], 0)) & 255
        else:
            keys = image_math(lambda low, high: low * 256 + high, index, band)

            def key_of(prefix):
                return ids[prefix[:-1]] * 256 + prefix[-1]
        table = [0] * (256 if keys.mode == "L" else 65536)
        new_ids = {prefix: number for number, prefix in enumerate(prefixes)}
        for prefix, number in new_ids.items():
            table[key_of(prefix)] = number
        index, ids = keys.point(table, "L"), new_ids
    table = [0] * 256
    for number, colour in enumerate(colours):
        table[ids[colour]] = number
    return index.point(table, "L") if index is not None else Image.new("L", bands[0].size, 0)


def _offsets(prefixes, ids):
    """{value: offset} that makes (id of a prefix's head + offset of its last value)
    modulo 256 differ for every prefix; None when first-fit finds none.

    Sets of ids are 256-bit integers, an offset a rotation of one.
    """
    heads = {}
    for prefix in prefixes:
        heads[prefix[-1]] = heads.get(prefix[-1], 0) | 1 << ids[prefix[:-1]]
    taken, offsets, full = 0, {}, (1 << 256) - 1
    for value, members in sorted(heads.items(), key=lambda item: -bin(item[1]).count("1")):
        for offset in range(256):
            rotated = ((members << offset) | (members >> (256 - offset))) & full
            if not rotated & taken:
                taken |= rotated
                offsets[value] = offset
                break
        else:
            return None
    return offsets


def _transparency_param(image: Image.Image) -> Dict[str, Any]:
    """The key as PNG stores it (at the image's bit depth: 0 or 1 for mode 1)."""
    key = image.info.get("transparency")
    if key is None or image.mode not in _KEYED:
        return {}
    return {"transparency": (1 if key else 0) if image.mode == "1" else key}


@lru_cache(maxsize=None)
def writes_low_bit_grey() -> bool:
    """True when this Pillow writes 2- and 4-bit grey (`bits` on mode L: Pillow 13)."""
    return _png_header(Image.new("L", (1, 1)), bits=2)[0] == 2


@lru_cache(maxsize=None)
def sixteen_bit_mode() -> str:
    """The mode in which this Pillow writes 16-bit grey PNGs, transparency key included:
    I;16, or I before Pillow 10 (which keys only I), while Pillow 13 writes no I."""
    try:
        _png_header(Image.new("I;16", (1, 1)), transparency=0)
    except OSError:
        return "I"
    return "I;16"


def _png_header(image: Image.Image, **params: Any) -> Tuple[int, ...]:
    """(bit depth, colour type) of the PNG Pillow writes for `image`."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **params)
    return tuple(buffer.getvalue()[24:26])


def same_pixels(first: Image.Image, second: Image.Image) -> bool:
    """True when both images decode to the same pixels and transparency, compared at
    16 bits when either is 16-bit grey and as 8-bit RGBA otherwise; band by band of
    rows, so that the copies compared stay small whatever the image's size."""
    if first.size != second.size:
        return False
    sixteen = first.mode in SIXTEEN_BIT_MODES or second.mode in SIXTEEN_BIT_MODES
    rows = max(1, _BAND_BYTES // (4 * first.width))
    for top in range(0, first.height, rows):
        box = (0, top, first.width, min(first.height, top + rows))
        band, other = first.crop(box), second.crop(box)
        if sixteen:
            if _grey16(band) != _grey16(other):
                return False
        elif band.convert("RGBA").tobytes() != other.convert("RGBA").tobytes():
            return False
    return True


def _grey16(image: Image.Image) -> Optional[Tuple[bytes, bytes]]:
    """(16-bit values, alpha) of a grey image as bytes; None when it has colour."""
    if image.mode in SIXTEEN_BIT_MODES:
        image = _as_sixteen_bits(image)
        values = image.convert("I")
        alpha = (_key_mask(image) if "transparency" in image.info
                 else Image.new("L", image.size, 255))
    else:
        rgba = image.convert("RGBA")
        red, green, blue, alpha = rgba.split()
        if (ImageChops.difference(red, green).getbbox() is not None
                or ImageChops.difference(green, blue).getbbox() is not None):
            return None
        values = red.convert("I").point(lambda v: v * 257)
    return values.tobytes(), alpha.tobytes()
