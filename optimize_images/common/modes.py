"""Any image mode made comparable, by one rule per kind of sample.

The metrics, the diff maps, the compare command and the encoders' `prepare`
all start from here, so two images compare the same way everywhere:

- 16-bit samples (modes I;16*, and I read as 0-65535) become 8-bit L at the
  nearest level, value / 257 rounded: 65535 is 255 and 257·k is k exactly;
  a 16-bit transparency key becomes an alpha band (LA), since no 8-bit value
  can name the pixels it marks.
  Float samples (mode F, on the 0-255 scale) are rounded the same way.
  Pillow's own conversions clip 16-bit values above 255 and truncate floats.
- Transparency (an alpha band, or a transparent palette index or colour) is
  composited over a background colour, white unless one is given.
- Every other mode (palette, 1-bit, CMYK, YCbCr, HSV, RGBX) becomes L or RGB.
"""

from typing import Optional, Tuple

from PIL import Image

from .compat import image_math

RGB = Tuple[int, int, int]  # a colour, e.g. the background transparency is flattened over
WHITE: RGB = (255, 255, 255)
ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
SIXTEEN_BIT_MODES = ("I", "I;16", "I;16L", "I;16B", "I;16N")
COLOUR_MODES = ("RGB", "RGBX", "CMYK", "YCbCr", "HSV", "P")
COMPARABLE_MODES = ("1", "L", "F") + ALPHA_MODES + SIXTEEN_BIT_MODES + COLOUR_MODES
# Modes whose transparency, if any, is one colour or palette index named in image.info.
_KEYED_MODES = ("P", "L", "RGB", "I;16", "I")


def has_alpha(image: Image.Image) -> bool:
    """True for an alpha band, or a transparent colour or palette index."""
    return image.mode in ALPHA_MODES or (
        image.mode in _KEYED_MODES and "transparency" in image.info)


def to_8bit(image: Image.Image) -> Image.Image:
    """16-bit and float grayscale (I;16*, I, F) as 8-bit L, at the nearest level, and
    16-bit grey with a transparency key as LA (alpha 0 where a pixel has the key's
    16-bit value); other modes unchanged."""
    if image.mode in SIXTEEN_BIT_MODES:
        wide = image.convert("I")
        grey = wide.point(lambda value: value / 257 + 0.5).convert("L")
        grey.info.pop("transparency", None)  # a 16-bit value: no 8-bit pixel has it
        if "transparency" not in image.info:
            return grey
        return Image.merge("LA", (grey, key_mask(wide, image.info["transparency"])))
    if image.mode == "F":
        return image.point(lambda value: value + 0.5).convert("L")
    return image


def key_mask(wide: Image.Image, key: int) -> Image.Image:
    """L: 0 where a pixel of `wide` (mode I) has the transparency key's value, else 255."""
    return image_math(lambda value: (value != key) * 255, wide).convert("L")


def flatten(image: Image.Image, background: RGB = WHITE) -> Image.Image:
    """Transparency composited over `background` (R, G, B), as RGB (L for L and LA);
    opaque images pass through."""
    if not has_alpha(image):
        return image
    if image.mode == "La":  # premultiplied: Pillow converts it to LA only
        image = image.convert("LA")
    base = Image.new("RGBA", image.size, tuple(background) + (255,))
    flat = Image.alpha_composite(base, image.convert("RGBA")).convert("RGB")
    return flat.convert("L") if image.mode in ("L", "LA") else flat


def opaque(image: Image.Image, background: RGB = WHITE) -> Image.Image:
    """The image as opaque 8-bit L or RGB: 8 bits first, then transparency flattened."""
    image = flatten(to_8bit(image), background)
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("L" if image.mode == "1" else "RGB")


def opaque_rgb(image: Image.Image, background: RGB = WHITE) -> Image.Image:
    """The image as opaque 8-bit RGB."""
    return opaque(image, background).convert("RGB")


def comparable(a: Image.Image, b: Image.Image,
               background: RGB = WHITE) -> Tuple[Image.Image, Image.Image]:
    """Both images opaque and 8-bit: both L, or both RGB when either has colour."""
    first, second = opaque(a, background), opaque(b, background)
    if first.mode != second.mode:
        first, second = first.convert("RGB"), second.convert("RGB")
    return first, second


def check_pair(a: Image.Image, b: Image.Image, *, because: Optional[str] = None) -> None:
    """Raise TypeError unless both are Pillow images, ValueError unless of one size;
    `because` says why the size matters."""
    for name, image in (("a", a), ("b", b)):
        if not isinstance(image, Image.Image):
            raise TypeError(f"{name} must be a PIL.Image.Image, not {type(image).__name__}: "
                            "open the file with PIL.Image.open() first")
    if a.size != b.size:
        raise ValueError(f"the images differ in size ({a.size[0]}×{a.size[1]} and "
                         f"{b.size[0]}×{b.size[1]}): {f'{because}, so ' if because else ''}"
                         "resize one to the other's size first")
