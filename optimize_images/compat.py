"""Pillow API differences, resolved once (Pillow 9.5 up to the newest)."""

import contextlib

from PIL import Image

# Enums arrived in Pillow 9.1 and the plain module constants left in 10.0.
Resampling = getattr(Image, "Resampling", Image)
Transpose = getattr(Image, "Transpose", Image)
Quantize = getattr(Image, "Quantize", Image)
Dither = getattr(Image, "Dither", Image)


@contextlib.contextmanager
def reusing_memory(blocks=64):
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
