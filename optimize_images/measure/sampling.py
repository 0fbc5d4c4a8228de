"""Samplers: the small image a quality search encodes instead of the whole photo."""

import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

from PIL import Image

from ..common.compat import Resampling

THUMBNAIL_SIDE = 400
BLOCK = 16  # JPEG's largest MCU: tiles start on this grid and span whole blocks
TILE_SIDE = 64
# Tiles per photo: TILE_COUNT up to COUNT_FROM_PIXELS, then growing as the
# fourth root of the pixel count, so that a bigger photo, whose tiles each
# see less of the scene, is sampled in more places (at 40 MP, 114 tiles).
TILE_COUNT = 64
COUNT_FROM_PIXELS = 4_000_000
# An image whose mosaic would hold more than this share of its pixels is its
# own sample: a mosaic would cost nearly as much and predict it less well.
WHOLE_SHARE = 0.5

Size = Tuple[int, int]  # (width, height)


@dataclass(frozen=True)
class Layout:
    """Where a mosaic's tiles come from: `columns` × `rows` tiles of tile_width × tile_height."""
    columns: int
    rows: int
    tile_width: int
    tile_height: int

    @property
    def tile(self) -> Size:
        return self.tile_width, self.tile_height

    @property
    def size(self) -> Size:
        return self.columns * self.tile_width, self.rows * self.tile_height


def take(image: Image.Image, sampler: str) -> Tuple[Image.Image, Optional[Size]]:
    """(the sample the named sampler takes of `image`, the size of its tiles or None).

    A search scores a mosaic without the windows that straddle two tiles
    (`scoring.scorer`'s `tile`).
    """
    if sampler == "thumbnail":
        return thumbnail(image), None
    plan = layout(image.size)
    return tiles(image, plan), (plan.tile if plan else None)


def thumbnail(image: Image.Image, side: int = THUMBNAIL_SIDE) -> Image.Image:
    """The classic sample: the image squeezed to side × side, aspect ratio ignored.

    `reducing_gap` first shrinks by whole factors with a box filter: from the
    decoded photo this costs less than a separate draft-mode decode would.
    """
    return image.resize((side, side), Resampling.BICUBIC, reducing_gap=2.0)


def tile_count(pixels: int) -> int:
    """How many tiles a photo of `pixels` pixels is sampled with."""
    return round(TILE_COUNT * max(1.0, pixels / COUNT_FROM_PIXELS) ** 0.25)


def layout(size: Size) -> Optional[Layout]:
    """The mosaic's layout for an image of `size`, or None when the image is its own sample.

    The tiles are spread as evenly across the image as down it: as many
    columns and rows as the image's shape asks, so a panorama gets a long row
    of columns and a cube map a tall stack of rows, each face sampled. Each
    side gets at least the tiles that fit, never more.
    """
    width, height = size
    count = tile_count(width * height)
    tile_width, tile_height = min(TILE_SIDE, width), min(TILE_SIDE, height)
    if count * tile_width * tile_height > WHOLE_SHARE * width * height:
        return None
    spacing = math.sqrt(width * height / count)
    columns = min(max(1, round(width / spacing)), width // tile_width)
    rows = min(max(1, round(height / spacing)), height // tile_height)
    return Layout(columns, rows, tile_width, tile_height)


def tiles(image: Image.Image, plan: Optional[Layout] = None) -> Image.Image:
    """A mosaic of full-resolution tiles spread evenly over the image (see `layout`).

    Tiles start on the 16-pixel MCU grid and are multiples of 16 wide, so
    an encoder cuts the mosaic into the same blocks as the whole image:
    artefacts are measured at their real scale. The tiles sit at the centres
    of a columns × rows partition of the image rather than on its busiest
    parts, because smooth areas are where quality shows first. Many small
    tiles predict the whole image better than a few big ones of the same
    pixel count (docs/quality.md has the figures). An image no bigger than
    about twice the mosaic is its own sample.
    """
    plan = plan or layout(image.size)
    if plan is None:
        return image
    mosaic = Image.new(image.mode, plan.size)
    width, height = image.size
    for row, top in enumerate(_starts(height, plan.tile_height, plan.rows)):
        for column, left in enumerate(_starts(width, plan.tile_width, plan.columns)):
            tile = image.crop((left, top, left + plan.tile_width, top + plan.tile_height))
            mosaic.paste(tile, (column * plan.tile_width, row * plan.tile_height))
    return mosaic


def few_tiles(image: Image.Image, count: int = 3, side: int = 96) -> Image.Image:
    """A mosaic of count × count tiles of side² (the search's sample before it grew
    with the photo), or the image when no bigger: enough to choose how to code it."""
    width, height = image.size
    if width * height <= (count * side) ** 2:
        return image
    return tiles(image, Layout(count, count, min(side, width), min(side, height)))


def _starts(length: int, tile: int, count: int) -> List[int]:
    """Where tiles centred in `count` equal cells start, on the block grid."""
    last = (length - tile) // BLOCK * BLOCK
    return [min(last, max(0, int(length * (index + 0.5) / count - tile / 2)) // BLOCK * BLOCK)
            for index in range(count)]
