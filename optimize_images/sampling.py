"""Samplers: the small image a quality search encodes instead of the whole photo."""

from .compat import Resampling

THUMBNAIL_SIDE = 400


def thumbnail(image, side=THUMBNAIL_SIDE):
    """The classic sample: the image squeezed to side × side, aspect ratio ignored.

    `reducing_gap` first shrinks by whole factors with a box filter, so a
    12 MP photo costs about as much here as a draft-mode decode would.
    """
    return image.resize((side, side), Resampling.BICUBIC, reducing_gap=2.0)
