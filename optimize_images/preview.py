"""A lossy result's preview for the HTML report: the fragment where it differs most.

Cut in the worker, while the source and the result are both in memory, and
only when an HTML report was asked for (`Settings.html_report`): after an
in-place run the originals are gone.

The fragment is chosen as `compare` chooses it (`compare.fragment.best_window`:
among the windows showing at least the median window's detail, the one where
the distortion is highest), with a cheaper map of the distortion: 1 − SSIM on
each 8 × 8 block (plain means, variances and covariance per block) instead of
1 − the Gaussian-windowed local SSIM of every pixel. Over the corpus the full
map costs 0.45× the run's own work, the blocks about a twentieth of it, and
the two choose fragments of the same SSIM (benchmarks/html_report.py).
"""

import io

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
        result = opaque_rgb(decoded, background)
    original = opaque_rgb(source, background)
    box = worst_fragment(original, result)
    before, after = original.crop(box), result.crop(box)
    return Preview(box=box, ssim=metrics.ssim(before, after),
                   original=_jpeg(before, FRAGMENT_QUALITY, subsampling=0),
                   result=_jpeg(after, FRAGMENT_QUALITY, subsampling=0),
                   thumbnail=_jpeg(thumbnail(original, box), THUMBNAIL_QUALITY))


def worst_fragment(original, result, side=FRAGMENT_SIDE):
    """The box (left, top, right, bottom) of the side × side window where `result`
    differs most from `original`, among the windows that show detail."""
    luma = original.convert("L")
    return best_window(block_distortion(luma, result.convert("L")), luma, side)


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


def thumbnail(image, box):
    """The image at most THUMBNAIL_SIDE px, with the box outlined."""
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    scale = small.width / image.width
    return outlined(small, tuple(round(value * scale) for value in box), width=2)


def _jpeg(image, quality, **options):
    return save_to_bytes(image, "JPEG", quality=quality, **options)
