"""A lossy result's preview for the HTML report: the fragment where it differs most.

Cut in the worker, while the source and the result are both in memory, and
only when an HTML report was asked for (`Settings.html_report`): after an
in-place run the originals are gone.

The fragment is chosen as `compare` chooses it (`compare.fragment.best_window`:
among the windows showing at least the median window's detail, the one where
the distortion is highest), with a cheaper map of the distortion, since the
report's budget is a few percent of a run: 1 − SSIM on each 8 × 8 block (plain
means, variances and covariance per block) instead of 1 − the Gaussian-windowed
local SSIM of every pixel, and on every n-th pixel of each row and column of an
image over HEAT_PIXELS (n = 2 from 1024 × 768, 4 at 8 MP; the result's
compression artefacts are sampled, not averaged away). The fragment's score is
the same block SSIM, on all its pixels. benchmarks/html_report.py measures both
choices on the corpus.
"""

import io
import math

from PIL import Image

from . import metrics
from .compare.fragment import best_window
from .compat import Resampling, image_math
from .formats.base import save_to_bytes
from .grid import outlined
from .local_means import CENTRE, centred
from .metrics import C1, C2
from .modes import WHITE, opaque_rgb
from .results import Preview

FRAGMENT_SIDE = 256  # px, shown 1:1
BLOCK = 8  # px: the side of the squares whose SSIM maps the distortion
HEAT_PIXELS = 1 << 19  # the map of a larger image samples every n-th pixel
THUMBNAIL_SIDE = 160  # px: the longest side of the whole image's thumbnail
# The page's copies of the fragments: at JPEG quality 95 without chroma subsampling
# they add nothing one can see beside a lossy result's own losses.
FRAGMENT_QUALITY = 95
THUMBNAIL_QUALITY = 80


def cut(source, data, background=WHITE):
    """The `Preview` of a result (its encoded bytes) against the image it encodes.

    Both are compared opaque, over `background`, as the metrics compare them.
    """
    with Image.open(io.BytesIO(data)) as decoded:
        decoded.load()
        stride = sampling_stride(source.size)
        sampled = opaque_rgb(every_nth(source, stride), background)
        box = worst_fragment(sampled, opaque_rgb(every_nth(decoded, stride), background),
                             stride=stride, size=source.size)
        before = opaque_rgb(source.crop(box), background)
        after = opaque_rgb(decoded.crop(box), background)
    return Preview(box=box, ssim=block_ssim(before, after),
                   original=_jpeg(before, FRAGMENT_QUALITY, subsampling=0),
                   result=_jpeg(after, FRAGMENT_QUALITY, subsampling=0),
                   thumbnail=_jpeg(thumbnail(sampled, box, stride), THUMBNAIL_QUALITY))


def sampling_stride(size):
    """n: the map of the distortion reads every n-th pixel, at most HEAT_PIXELS of them."""
    return max(1, math.ceil(math.sqrt(size[0] * size[1] / HEAT_PIXELS)))


def every_nth(image, stride):
    """Every stride-th pixel of each row and column (the middle one of each stride)."""
    if stride == 1:
        return image
    width, height = image.width // stride, image.height // stride
    return image.resize((max(1, width), max(1, height)), Resampling.NEAREST,
                        box=(0, 0, max(1, width) * stride, max(1, height) * stride))


def worst_fragment(original, result, *, side=FRAGMENT_SIDE, stride=1, size=None):
    """The box (left, top, right, bottom) of the side × side window where `result`
    differs most from `original`, among the windows that show detail.

    With a stride, the images are every stride-th pixel of images of `size`, and
    the box is in that size's pixels.
    """
    luma = original.convert("L")
    heat = block_distortion(luma, result.convert("L"))
    if stride == 1:
        return best_window(heat, luma, side)
    left, top, _, _ = best_window(heat, luma, max(BLOCK, side // stride))
    width, height = size
    box_width, box_height = min(side, width), min(side, height)
    left, top = min(left * stride, width - box_width), min(top * stride, height - box_height)
    return left, top, left + box_width, top + box_height


def block_distortion(x, y, block=BLOCK):
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


def block_ssim(a, b):
    """The mean over the pixels of SSIM on 8 × 8 blocks: the fragment's score."""
    return 1 - metrics.exact_mean(block_distortion(a.convert("L"), b.convert("L")))


def thumbnail(sampled, box, stride):
    """The image (every stride-th pixel of it) at most THUMBNAIL_SIDE px, the box outlined."""
    scale = min(1.0, THUMBNAIL_SIDE / max(sampled.size))
    size = (max(1, round(sampled.width * scale)), max(1, round(sampled.height * scale)))
    small = sampled.resize(size, Resampling.BICUBIC, reducing_gap=2.0)
    return outlined(small, tuple(round(value * scale / stride) for value in box), width=2)


def _jpeg(image, quality, **options):
    return save_to_bytes(image, "JPEG", quality=quality, **options)
