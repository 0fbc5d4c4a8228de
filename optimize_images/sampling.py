"""Samplers: the small image a quality search encodes instead of the whole photo."""

from PIL import Image

from .compat import Resampling

THUMBNAIL_SIDE = 400
TILE_GRID = 3  # a 3×3 grid of tiles...
TILE_SIDE = 96  # ...of 96 px: a 288×288 mosaic, about half a thumbnail's pixels
BLOCK = 16  # JPEG's largest MCU: tiles start on this grid


def thumbnail(image, side=THUMBNAIL_SIDE):
    """The classic sample: the image squeezed to side × side, aspect ratio ignored.

    `reducing_gap` first shrinks by whole factors with a box filter: from the
    decoded photo this costs less than a separate draft-mode decode would.
    """
    return image.resize((side, side), Resampling.BICUBIC, reducing_gap=2.0)


def tiles(image, grid=TILE_GRID, side=TILE_SIDE):
    """A mosaic of full-resolution tiles spread evenly over the image.

    Tiles start on the 16-pixel MCU grid and are multiples of 16 wide, so
    an encoder cuts the mosaic into the same blocks as the whole image:
    artefacts are measured at their real scale. The tiles sit at the centres
    of a grid × grid partition of the image rather than on its busiest parts,
    because smooth areas are where quality shows first. An image no bigger
    than the mosaic is its own sample.
    """
    width, height = image.size
    if width * height <= (grid * side) ** 2:
        return image
    tile_width, tile_height = min(side, width), min(side, height)
    mosaic = Image.new(image.mode, (grid * tile_width, grid * tile_height))
    for row, top in enumerate(_starts(height, tile_height, grid)):
        for column, left in enumerate(_starts(width, tile_width, grid)):
            tile = image.crop((left, top, left + tile_width, top + tile_height))
            mosaic.paste(tile, (column * tile_width, row * tile_height))
    return mosaic


def _starts(length, tile, grid):
    """Where tiles centred in `grid` equal cells start, on the block grid."""
    last = (length - tile) // BLOCK * BLOCK
    return [min(last, max(0, int(length * (index + 0.5) / grid - tile / 2)) // BLOCK * BLOCK)
            for index in range(grid)]
