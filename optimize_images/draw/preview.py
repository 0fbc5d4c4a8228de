"""A lossy result's preview for the HTML report: the fragment where it differs most.

Cut in the worker, while the source and the result are both in memory, and
only when an HTML report was asked for (`Settings.html_report`): after an
in-place run the originals are gone.

The fragment is chosen as `compare` chooses it (`measure.fragment.best_window`:
among the windows showing at least the median window's detail, the one where
the distortion is highest), with a cheaper map of the distortion, since the
report may cost only a few percent of a run: 1 − SSIM on each 8 × 8 block
(plain means, variances and covariance per block) instead of 1 − the
Gaussian-windowed local SSIM of every pixel; and in an image over HEAT_PIXELS,
on one block in n × n (n = 2 from 1024 × 768, 4 at 8 MP), each block at full
resolution, so that the result's compression artefacts are measured, not
averaged away. The fragment's score is the same block SSIM, over all its
pixels. On the corpus's lossy photos the fragments chosen so have the SSIM of
those chosen on the full map to 0.004, for a seventeenth of its time
(benchmarks/html_report.py --fragments).
"""

import io
import math
from typing import Any, Optional, cast

from PIL import Image

from ..common.compat import Resampling, image_math, save_to_bytes
from ..common.modes import WHITE, opaque_rgb
from ..common.results import Preview
from ..measure import metrics
from ..measure.fragment import best_window
from ..measure.local_means import CENTRE, centred
from ..measure.metrics import C1, C2
from .grid import RGB, Box, Size, outlined

FRAGMENT_SIDE = 256  # px, shown 1:1
BLOCK = 8  # px: the side of the squares whose SSIM maps the distortion
HEAT_PIXELS = 1 << 19  # the map of a larger image reads one block in n × n (`sampled_blocks`)
THUMBNAIL_SIDE = 160  # px: the longest side of the whole image's thumbnail
# The page's copies of the fragments: at JPEG quality 95 without chroma subsampling
# they add nothing one can see beside a lossy result's own losses.
FRAGMENT_QUALITY = 95
THUMBNAIL_QUALITY = 80


def cut(source: Image.Image, data: bytes, background: RGB = WHITE) -> Preview:
    """The `Preview` of a result (its encoded bytes) against the image it encodes.

    Both are compared opaque, over `background`, as the metrics compare them.
    """
    with Image.open(io.BytesIO(data)) as decoded:
        decoded.load()
        stride = sampling_stride(source.size)
        sampled = opaque_rgb(sampled_blocks(source, stride), background)
        box = worst_fragment(sampled, opaque_rgb(sampled_blocks(decoded, stride), background),
                             stride=stride, size=source.size)
        before = opaque_rgb(source.crop(box), background)
        after = opaque_rgb(decoded.crop(box), background)
    return Preview(box=box, ssim=block_ssim(before, after),
                   original=_jpeg(before, FRAGMENT_QUALITY, subsampling=0),
                   result=_jpeg(after, FRAGMENT_QUALITY, subsampling=0),
                   thumbnail=_jpeg(thumbnail(sampled, box, stride), THUMBNAIL_QUALITY))


def sampling_stride(size: Size) -> int:
    """n: the map of the distortion reads one block in n × n, at most HEAT_PIXELS pixels."""
    return max(1, math.ceil(math.sqrt(size[0] * size[1] / HEAT_PIXELS)))


def sampled_blocks(image: Image.Image, stride: int, block: int = BLOCK) -> Image.Image:
    """One block × block square of each (stride · block)² cell, side by side: the middle
    one, at full resolution, where it fits (so the cells' counts are those of the image,
    rounded down, at least one)."""
    if stride == 1:
        return image
    for axis in (1, 0):  # rows first: they are contiguous in memory
        image = _squares_along(image, axis, stride * block, block)
    return image


def _squares_along(image: Image.Image, axis: int, cell: int, block: int) -> Image.Image:
    """The `block`-wide strips in the middle of each `cell` along one axis, side by side."""
    length = image.size[axis]
    offset = min((cell - block) // 2, max(0, length - block))
    count = max(1, (length - offset - block) // cell + 1)
    size = (count * block, image.height) if axis == 0 else (image.width, count * block)
    strips = Image.new(image.mode, size)
    for index in range(count):
        start = offset + index * cell
        box = ((start, 0, start + block, image.height) if axis == 0
               else (0, start, image.width, start + block))
        strips.paste(image.crop(box), (index * block, 0) if axis == 0 else (0, index * block))
    return strips


def worst_fragment(original: Image.Image, result: Image.Image, *, side: int = FRAGMENT_SIDE,
                   stride: int = 1, size: Optional[Size] = None) -> Box:
    """The box (left, top, right, bottom) of the side × side window where `result`
    differs most from `original`, among the windows that show detail.

    With a stride, the images are the `sampled_blocks` of images of `size`, and the
    box is in that size's pixels.
    """
    luma = original.convert("L")
    heat = block_distortion(luma, result.convert("L"))
    if stride == 1:
        return best_window(heat, luma, side)
    left, top, _, _ = best_window(heat, luma, max(BLOCK, side // stride))
    assert size is not None  # a stride is given with the size it samples
    width, height = size
    box_width, box_height = min(side, width), min(side, height)
    left, top = min(left * stride, width - box_width), min(top * stride, height - box_height)
    return left, top, left + box_width, top + box_height


def block_distortion(x: Image.Image, y: Image.Image, block: int = BLOCK) -> Image.Image:
    """1 − SSIM of each block × block square of two lumas ("L"), as a mode "F" image of
    their size, each pixel holding its block's value (partial blocks at the edges)."""
    x, y = centred(x), centred(y)
    means = [image.reduce(block) for image in (
        x, y, image_math(lambda a: a * a, x), image_math(lambda b: b * b, y),
        image_math(lambda a, b: a * b, x, y))]

    def distortion(mx, my, mxx, myy, mxy):
        ux, uy = mx + CENTRE, my + CENTRE
        luminance = (ux * uy * 2 + C1) / (ux * ux + uy * uy + C1)
        structure = ((mxy - mx * my) * 2 + C2) / (mxx - mx * mx + myy - my * my + C2)
        return 1 - luminance * structure

    blocks = image_math(distortion, *means)
    return blocks.resize(x.size, Resampling.NEAREST,
                         box=(0, 0, x.width / block, x.height / block))


def block_ssim(a: Image.Image, b: Image.Image) -> float:
    """The mean over the pixels of SSIM on 8 × 8 blocks: the fragment's score."""
    return 1 - metrics.exact_mean(block_distortion(a.convert("L"), b.convert("L")))


def thumbnail(sampled: Image.Image, box: Box, stride: int = 1) -> Image.Image:
    """At most THUMBNAIL_SIDE px, the box outlined: from the `sampled_blocks` of an
    image (at that size its squares read as the image) and a box in the image's pixels."""
    scale = min(1.0, THUMBNAIL_SIDE / max(sampled.size))
    size = (max(1, round(sampled.width * scale)), max(1, round(sampled.height * scale)))
    small = sampled.resize(size, Resampling.BICUBIC, reducing_gap=2.0)
    scaled = cast(Box, tuple(round(value * scale / stride) for value in box))
    return outlined(small, scaled, width=2)


def _jpeg(image: Image.Image, quality: int, **options: Any) -> bytes:
    return save_to_bytes(image, "JPEG", quality=quality, **options)
