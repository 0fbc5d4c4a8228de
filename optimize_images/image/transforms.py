"""Pure image operations: each takes an image and returns a new one (or the same).

Mode rules (16 bits to 8, transparency over a background) live in `modes`.
"""

from typing import Tuple

from PIL import Image

from ..common.compat import Dither, Quantize, Resampling, Transpose
from ..common.modes import has_alpha

ORIENTATION_TAG = 0x0112
# EXIF orientation → the transpositions that turn the pixels upright.
_UPRIGHT = {
    2: (Transpose.FLIP_LEFT_RIGHT,),
    3: (Transpose.ROTATE_180,),
    4: (Transpose.FLIP_TOP_BOTTOM,),
    5: (Transpose.TRANSPOSE,),
    6: (Transpose.ROTATE_270,),
    7: (Transpose.TRANSVERSE,),
    8: (Transpose.ROTATE_90,),
}


def orientation_of(image: Image.Image) -> int:
    """The EXIF orientation (1-8), or 1 when absent or unreadable."""
    try:
        value = image.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block must not stop the optimization
        return 1
    return value if value in _UPRIGHT else 1


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """The image with its EXIF orientation baked into the pixels."""
    for method in _UPRIGHT.get(orientation, ()):
        image = image.transpose(method)
    return image


def fitted_size(size: Tuple[int, int], max_width: int, max_height: int) -> Tuple[int, int]:
    """The size `fit_within` gives an image of `size`."""
    width, height = size
    scale = min(max_width / width if max_width else 1.0,
                max_height / height if max_height else 1.0)
    if scale >= 1.0:
        return size
    return (max(1, round(width * scale)), max(1, round(height * scale)))


def fit_within(image: Image.Image, max_width: int, max_height: int) -> Image.Image:
    """Downsize to fit max_width × max_height (0 = no limit), keeping the aspect ratio."""
    size = fitted_size(image.size, max_width, max_height)
    if size == image.size:
        return image
    if image.mode == "P":
        image = image.convert("RGBA" if has_alpha(image) else "RGB")
    return image.resize(size, Resampling.LANCZOS, reducing_gap=3.0)


def to_grayscale(image: Image.Image) -> Image.Image:
    if image.mode in ("L", "LA", "1", "I;16", "I"):
        return image
    return image.convert("LA" if has_alpha(image) else "L")


def drop_opaque_alpha(image: Image.Image) -> Image.Image:
    """RGBA/LA whose alpha is fully opaque → RGB/L (lossless)."""
    if image.mode in ("RGBA", "LA") and image.getchannel("A").getextrema() == (255, 255):
        return image.convert(image.mode[:-1])
    return image


def reduce_colors(image: Image.Image, max_colors: int) -> Image.Image:
    """At most `max_colors` colours, transparency kept (lossy; 8-bit images).

    An image that has no more colours is returned as it is (PNG's exact
    palette stores it without loss). Else fast octree's palette; an opaque
    image is mapped onto it with Floyd-Steinberg dithering (Pillow maps RGBA
    to the nearest colour only). docs/png.md has the comparison with pngquant
    that chose this.
    """
    alpha = has_alpha(image) or (image.mode == "P" and image.palette is not None
                                 and image.palette.mode == "RGBA")
    colour = image.convert("RGBA" if alpha else "RGB")
    if colour.getcolors(max_colors) is not None:
        return image
    palette = colour.quantize(max_colors, method=Quantize.FASTOCTREE)
    if alpha:
        return palette
    return colour.quantize(palette=_padded(palette, max_colors), dither=Dither.FLOYDSTEINBERG)


def _padded(palette_image, count):
    """The image with its palette's unused entries set to its first colour.

    Pillow before 10 maps onto all 256 entries of a palette image, black padding
    included, so a dithered image could take one colour more than asked.
    """
    entries = palette_image.getpalette()[:3 * count]
    palette_image.putpalette(entries + entries[:3] * (256 - len(entries) // 3))
    return palette_image


def looks_photographic(image: Image.Image, *, sample_side: int = 256,
                       min_unique_share: float = 0.25) -> bool:
    """True when a downsampled copy has many distinct colours, as photos do.

    Counting distinct colours on a small copy is one C call; graphics (flat
    colours, text, gradients of a few hues) stay far below the share.
    """
    sample = image.convert("RGB")
    sample.thumbnail((sample_side, sample_side), Resampling.BOX)
    pixels = sample.width * sample.height
    colors = sample.getcolors(pixels)
    return colors is not None and len(colors) >= min_unique_share * pixels
