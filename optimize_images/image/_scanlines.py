"""PNG's scanline filters computed by Pillow on whole images, and the smallest deflate.

A PNG stores its pixels as scanlines, each led by a byte naming its filter
(none, sub, up, average, Paeth: the difference of every byte from a
prediction by its neighbours), and deflates the lot. Pillow's encoder picks
the filters itself, with no say for the caller: none for palettes, for
everything else per row the filter whose bytes lie closest to zero. Yet a
greyscale gradient or a screenshot may shrink by a third under another
choice. Here the raw bytes are viewed as an L image, one byte a pixel, so
each filter is a handful of ImageChops/ImageMath operations on the whole
image, and Python's zlib deflates the result: nothing runs per byte in Python.
"""

import zlib
from array import array
from typing import List, Optional, Tuple, Union, cast

from PIL import Image, ImageChops

from ..common.compat import Resampling

NONE, SUB, UP, AVERAGE, PAETH = FILTERS = tuple(range(5))
ADAPTIVE = "adaptive"  # per row, the filter whose bytes are closest to zero (libpng's rule)
# PNG's a, b and c of every byte, as L images: left, above, and above left.
Neighbours = Tuple[Image.Image, Image.Image, Image.Image]
# A filtering of the scanlines: one of FILTERS for every row, or ADAPTIVE.
Method = Union[int, str]
METHODS: Tuple[Method, ...] = FILTERS + (ADAPTIVE,)
STRATEGIES = {
    "default": zlib.Z_DEFAULT_STRATEGY,
    "filtered": zlib.Z_FILTERED,
    "huffman": zlib.Z_HUFFMAN_ONLY,
    "rle": zlib.Z_RLE,
}
_FEED = 1 << 16  # bytes handed to zlib at a time, between checks of the output's size
# A filtered byte's distance from zero, as libpng's heuristic counts it.
_MAGNITUDE = [value if value < 128 else 256 - value for value in range(256)]
_ZERO_ONLY = [255] + [0] * 255


class Scanlines:
    """The raw rows of an image (`row_bytes` each, `pixel_bytes` a pixel, at least 1),
    filtered on demand; each filter's bytes are computed once."""

    def __init__(self, raw: bytes, row_bytes: int, pixel_bytes: int) -> None:
        self.row_bytes, self.pixel_bytes = row_bytes, pixel_bytes
        self.height = len(raw) // row_bytes
        self._raw = raw
        self._images = {NONE: Image.frombytes("L", (row_bytes, self.height), raw)}
        self._around: Optional[Neighbours] = None
        self._choice: Optional[List[int]] = None

    def filtered(self, method: Method) -> bytes:
        """The scanlines, each led by its filter byte: `method` for every row, or ADAPTIVE."""
        choice = (self._adaptive_choice() if method == ADAPTIVE
                  else [cast(int, method)] * self.height)
        data = {kind: (self._raw if kind == NONE else self._image(kind).tobytes())
                for kind in set(choice)}
        size = self.row_bytes
        parts = []
        for row, kind in enumerate(choice):
            parts.append(bytes((kind,)))
            parts.append(data[kind][row * size:(row + 1) * size])
        return b"".join(parts)

    def _adaptive_choice(self) -> List[int]:
        """Per row, the filter whose bytes add up closest to zero."""
        if self._choice is None:
            costs = {kind: _row_costs(self._image(kind)) for kind in FILTERS}
            self._choice = [min(FILTERS, key=lambda kind: costs[kind][row])
                            for row in range(self.height)]
        return self._choice

    def _image(self, kind: int) -> Image.Image:
        if kind not in self._images:
            self._images[kind] = _filter_image(self._images[NONE], self._neighbours(), kind)
        return self._images[kind]

    def _neighbours(self) -> Neighbours:
        """PNG's a, b and c of every byte: the same byte of the pixel to the left,
        the byte above, and the byte above a (zeros past the edges)."""
        if self._around is None:
            image, step = self._images[NONE], self.pixel_bytes
            above = _shifted(image, 0, 1)
            self._around = (_shifted(image, step, 0), above, _shifted(above, step, 0))
        return self._around


def _filter_image(image: Image.Image, neighbours: Neighbours, kind: int) -> Image.Image:
    """The bytes of filter `kind`, as an L image of the raw bytes' shape."""
    left, above, corner = neighbours
    if kind == SUB:
        prediction = left
    elif kind == UP:
        prediction = above
    elif kind == AVERAGE:  # add(..., scale=2) is floor((a + b) / 2), as PNG's average
        prediction = ImageChops.add(left, above, scale=2.0)
    else:
        prediction = _paeth_prediction(left, above, corner)
    return ImageChops.subtract_modulo(image, prediction)


def _paeth_prediction(left: Image.Image, above: Image.Image,
                      corner: Image.Image) -> Image.Image:
    """PNG's Paeth predictor, of whichever of left (a), above (b) and corner (c) is
    nearest to a + b - c, ties in that order, in 8-bit operations only.

    When c is at or beyond both a and b, the nearest is the one of a, b on
    the far side from c (the smaller when c is the larger). When c lies
    strictly between them, with pa = |b - c| and pb = |a - c|, the nearest
    is a if 2 pa <= pb, else b if 2 pb <= pa, else c.
    """
    low, high = ImageChops.darker(left, above), ImageChops.lighter(left, above)
    to_left = ImageChops.difference(above, corner)  # pa: |p - a| = |b - c|
    to_above = ImageChops.difference(left, corner)  # pb: |p - b| = |a - c|
    # pa <= pb - pa, with pb - pa clipped at 0: "2 pa <= pb" without overflow.
    pick_left = _at_most(to_left, ImageChops.subtract(to_above, to_left))
    pick_above = _at_most(to_above, ImageChops.subtract(to_left, to_above))
    between = Image.composite(left, Image.composite(above, corner, pick_above), pick_left)
    beyond_low = Image.composite(high, between, _at_most(corner, low))
    return Image.composite(low, beyond_low, _at_most(high, corner))


def _at_most(first: Image.Image, second: Image.Image) -> Image.Image:
    """Mask (L): 255 where first <= second, else 0."""
    return ImageChops.subtract(first, second).point(_ZERO_ONLY)


def _shifted(image: Image.Image, right: int, down: int) -> Image.Image:
    """The image moved `right` and `down`, zeros coming in."""
    moved = Image.new("L", image.size, 0)
    if right < image.width and down < image.height:
        moved.paste(image.crop((0, 0, image.width - right, image.height - down)),
                    (right, down))
    return moved


def _row_costs(image: Image.Image) -> "array[float]":
    """Per row, the mean distance from zero of its bytes (their sum over the width)."""
    magnitude = image.point(_MAGNITUDE).convert("F")
    means = magnitude.resize((1, image.height), Resampling.BOX)
    return array("f", means.tobytes())


def deflated(data: bytes, strategy: int, *, limit: Optional[int] = None,
             level: int = 9) -> Optional[bytes]:
    """`data` as a zlib stream (`strategy` one of STRATEGIES' values), or None as
    soon as it is sure to exceed `limit` bytes."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 15, 9, strategy)
    parts, size = [], 0
    for start in range(0, len(data), _FEED):
        part = compressor.compress(data[start:start + _FEED])
        parts.append(part)
        size += len(part)
        if limit is not None and size > limit:
            return None
    parts.append(compressor.flush())
    result = b"".join(parts)
    return None if limit is not None and len(result) > limit else result
