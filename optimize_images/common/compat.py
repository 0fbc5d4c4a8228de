"""Pillow API differences, resolved once (Pillow 9.5 up to the newest)."""

import contextlib
import io
from typing import Any, Callable, Iterator

from PIL import Image, ImageMath

# Enums arrived in Pillow 9.1 and the plain module constants left in 10.0.
Resampling = getattr(Image, "Resampling", Image)
Transpose = getattr(Image, "Transpose", Image)
Quantize = getattr(Image, "Quantize", Image)
Dither = getattr(Image, "Dither", Image)


@contextlib.contextmanager
def reusing_memory(blocks: int = 64) -> Iterator[None]:
    """Let Pillow keep freed memory blocks for reuse inside this block.

    A quality search makes many short-lived images of a few sizes (encodes,
    decodes, SSIM intermediates); by default Pillow returns each block to the
    system and faults fresh pages in for the next one, which can cost as much
    as the arithmetic. The previous setting is restored on exit.
    """
    core = Image.core
    if not hasattr(core, "get_blocks_max"):
        yield
        return
    previous = core.get_blocks_max()
    core.set_blocks_max(max(previous, blocks))
    try:
        yield
    finally:
        core.set_blocks_max(previous)


def image_math(function: Callable[..., Any], *images: Image.Image) -> Image.Image:
    """function(*operands) evaluated by ImageMath on images.

    Pillow 10.3 added ``lambda_eval`` and 13.0 removed ``eval``; ``eval``
    can call a function passed in its namespace, so both take the same one.
    A number in `function` costs a whole image of it: scale with `point`
    where that matters.
    """
    names = [f"image{index}" for index in range(len(images))]
    arguments = dict(zip(names, images))
    if hasattr(ImageMath, "lambda_eval"):
        return ImageMath.lambda_eval(
            lambda operands: function(*(operands[name] for name in names)), **arguments)
    # Before Pillow 10.3 only: newer Pillows (and so their types) may lack `eval`.
    legacy_eval = getattr(ImageMath, "eval")
    return legacy_eval(f"function({', '.join(names)})", function=function, **arguments)


def save_to_bytes(image: Image.Image, format_name: str, **params: Any) -> bytes:
    """Encode in memory: never let Pillow write (and truncate) a real file."""
    buffer = io.BytesIO()
    image.save(buffer, format_name, **{k: v for k, v in params.items() if v is not None})
    return buffer.getvalue()
