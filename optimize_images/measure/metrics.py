"""Similarity of two images, with Pillow alone: one function per metric.

`diff_ratio` and `psnr` compare the 8-bit bands (L or RGB); `ssim`,
`ssim_map` and `ms_ssim` compare luma as Pillow's ``convert("L")`` gives it.
Every function first makes both images opaque 8-bit L or RGB as `modes` does
everywhere: alpha is composited over `background`, a palette is expanded,
CMYK, YCbCr and HSV are converted to RGB, and 16-bit samples (modes I;16 and
I, read as 0-65535) are scaled to 0-255. The SSIM family also accepts mode
"F" as luma already on the 0-255 scale.

SSIM needs Gaussian-weighted local means, which `local_means` builds from
shifted crops with ImageMath. Images are processed in horizontal strips
that overlap by the window's height less one, so memory stays bounded
whatever the image size.

`check_images` and `luma` are public for `gradients`, which differentiates
these metrics, but are not in ``__all__``.
"""

import math
from typing import Callable, Iterator, Optional, Tuple, cast

from PIL import Image, ImageChops

from ..common.compat import image_math
from .local_means import (CENTRE, RADIUS, STRIP_PIXELS, WINDOW, centred, halved, local_moments,
                          mirrored)
from ..common.modes import COMPARABLE_MODES, WHITE, check_pair, comparable, opaque

__all__ = ["diff_ratio", "psnr", "ssim", "ssim_map", "ms_ssim", "exact_mean"]

RGB = Tuple[int, int, int]
# A local term of SSIM from its luminance and contrast-structure maps.
Term = Callable[[Image.Image, Image.Image], Image.Image]

# Wang et al. 2004's constants for 8-bit data (L = 255): K1 = 0.01, K2 = 0.03.
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2

# Wang, Simoncelli and Bovik 2003: the weight of each scale, finest first.
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def diff_ratio(a: Image.Image, b: Image.Image, *, background: RGB = WHITE) -> float:
    """The classic similarity of optimize-images 2.x: 1 − mean absolute difference / 255.

    Parameters
    ----------
    a, b : PIL.Image.Image
        Images of the same size, any mode.
    background : tuple of 3 ints, optional
        The colour that transparent pixels are composited over.

    Returns
    -------
    float
        In [0, 1]; 1.0 for identical images. The mean runs over every sample
        of every band (L or RGB).

    Notes
    -----
    The metric of Yelp's 2017 post on image compression, as optimize-images
    2.x computes it. The sum of differences is exact: it is read from the
    histogram of each band of the difference image.

    Examples
    --------
    >>> from PIL import Image
    >>> diff_ratio(Image.new("L", (8, 8), 0), Image.new("L", (8, 8), 51))
    0.8
    """
    check_images(a, b, background)
    first, second = comparable(a, b, background)
    mean = _histogram_mean(ImageChops.difference(first, second), lambda value: value)
    return 1.0 - mean / 255


def psnr(a: Image.Image, b: Image.Image, *, background: RGB = WHITE) -> float:
    """Peak signal-to-noise ratio, in decibels, with a peak of 255.

    Parameters
    ----------
    a, b : PIL.Image.Image
        Images of the same size, any mode.
    background : tuple of 3 ints, optional
        The colour that transparent pixels are composited over.

    Returns
    -------
    float
        10·log10(255² / MSE), the mean squared error running over every
        sample of every band (L or RGB); ``math.inf`` for identical images.

    Examples
    --------
    >>> from PIL import Image
    >>> round(psnr(Image.new("L", (8, 8), 0), Image.new("L", (8, 8), 5)), 2)
    34.15
    """
    check_images(a, b, background)
    first, second = comparable(a, b, background)
    mse = _histogram_mean(ImageChops.difference(first, second), lambda value: value * value)
    return math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def ssim(a: Image.Image, b: Image.Image, *, background: RGB = WHITE) -> float:
    """Structural similarity (SSIM) of the lumas of two images.

    Parameters
    ----------
    a, b : PIL.Image.Image
        Images of the same size, any mode; mode "F" is taken as luma.
    background : tuple of 3 ints, optional
        The colour that transparent pixels are composited over.

    Returns
    -------
    float
        The mean of the SSIM map where the 11×11 window fits, in [-1, 1];
        1.0 for identical images. An image narrower or shorter than the
        window has no such region: its score is the mean of the whole map
        of `ssim_map`, computed on the image mirrored at its borders.

    Notes
    -----
    Wang et al. (2004) exactly: luma as ``convert("L")`` gives it, an 11-tap
    Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03, L = 255, population
    covariances, and the map's mean with a 5-pixel border left out. This is
    scikit-image's
    ``structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=255)`` on float arrays of the
    lumas: within 1e-7 on JPEG-compressed photos, though the arithmetic is
    float32 (single pixels of the map differ by up to about 2e-5). Its
    defaults (a 7×7 uniform window, sample covariances) give other numbers.

    References
    ----------
    Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image quality
    assessment: from error visibility to structural similarity", IEEE
    Transactions on Image Processing 13(4), 600-612, 2004.
    :DOI:`10.1109/TIP.2003.819861`

    Examples
    --------
    >>> from PIL import Image
    >>> image = Image.radial_gradient("L")
    >>> ssim(image, image)
    1.0
    """
    check_images(a, b, background)
    return _map_mean(luma(a, background), luma(b, background), _ssim_term)


def ssim_map(a: Image.Image, b: Image.Image, *, background: RGB = WHITE) -> Image.Image:
    """The local SSIM of two images, as a mode "F" image of their size.

    Parameters
    ----------
    a, b : PIL.Image.Image
        Images of the same size, any mode; mode "F" is taken as luma.
    background : tuple of 3 ints, optional
        The colour that transparent pixels are composited over.

    Returns
    -------
    PIL.Image.Image
        Mode "F", the size of the inputs: pixel (x, y) holds the SSIM of the
        window centred on pixel (x, y). Near the borders, where the window
        does not fit, the images are mirrored (``d c b a | a b c d``, as
        scikit-image's full map does).

    Notes
    -----
    The mean of the map without its 5-pixel border is `ssim`.

    Examples
    --------
    >>> from PIL import Image
    >>> image = Image.linear_gradient("L")
    >>> ssim_map(image, image).getextrema()
    (1.0, 1.0)
    """
    check_images(a, b, background)
    x = mirrored(luma(a, background), RADIUS)
    y = mirrored(luma(b, background), RADIUS)
    result = Image.new("F", a.size)
    for top, luminance, contrast_structure in _strip_terms(x, y):
        result.paste(_ssim_term(luminance, contrast_structure), (0, top))
    return result


def ms_ssim(a: Image.Image, b: Image.Image, *, background: RGB = WHITE) -> float:
    """Multi-scale structural similarity (MS-SSIM) of the lumas of two images.

    Parameters
    ----------
    a, b : PIL.Image.Image
        Images of the same size, any mode; mode "F" is taken as luma.
    background : tuple of 3 ints, optional
        The colour that transparent pixels are composited over.

    Returns
    -------
    float
        In [0, 1]; 1.0 for identical images.

    Notes
    -----
    Wang, Simoncelli and Bovik (2003) as their MATLAB code computes it:
    five scales, each half the size of the previous one (2×2 averages, an
    odd last row or column averaged with itself); the mean of the
    contrast-structure map at each of the first four scales and of the SSIM
    map (luminance times contrast-structure) at the fifth, raised to the
    weights 0.0448, 0.2856, 0.3001, 0.2363 and 0.1333 and multiplied. Each
    scale uses the window, constants and valid region of `ssim`. A negative
    mean counts as 0, as in pytorch_msssim, rather than giving a complex
    number.

    The window fits all five scales when the short side is at least 176
    pixels. Below that, a scale where it does not fit is scored like `ssim`
    scores a small image: on the whole map of the mirrored image. Other
    implementations refuse such images, so they have no value to compare.

    References
    ----------
    Z. Wang, E. P. Simoncelli and A. C. Bovik, "Multiscale structural
    similarity for image quality assessment", 37th Asilomar Conference on
    Signals, Systems and Computers, 2003. :DOI:`10.1109/ACSSC.2003.1292216`

    Examples
    --------
    >>> from PIL import Image
    >>> image = Image.linear_gradient("L")
    >>> ms_ssim(image, image)
    1.0
    """
    check_images(a, b, background)
    x, y = luma(a, background), luma(b, background)
    result = 1.0
    for scale, weight in enumerate(MS_SSIM_WEIGHTS):
        if scale:
            x, y = halved(x), halved(y)
        coarsest = scale == len(MS_SSIM_WEIGHTS) - 1
        mean = _map_mean(x, y, _ssim_term if coarsest else _contrast_structure_term)
        result *= max(mean, 0.0) ** weight
    return result


# Checking the call ------------------------------------------------------------

def check_images(a: Image.Image, b: Image.Image, background: RGB) -> None:
    check_pair(a, b)
    for name, image in (("a", a), ("b", b)):
        if image.mode not in COMPARABLE_MODES:
            raise ValueError(f"{name} has mode {image.mode}, which cannot be compared: "
                             "convert it to RGB first")
    if 0 in a.size:
        raise ValueError(f"the images are empty ({a.size[0]}×{a.size[1]}): nothing to compare")
    if not (isinstance(background, tuple) and len(background) == 3
            and all(isinstance(value, int) and 0 <= value <= 255 for value in background)):
        raise ValueError(f"background must be a tuple of 3 integers in 0-255, like "
                         f"(255, 255, 255); got {background!r}")


# Luma and exact means ----------------------------------------------------------

def luma(image: Image.Image, background: RGB) -> Image.Image:
    """8-bit luma ("L"), or the image itself when it is float ("F")."""
    if image.mode == "F":
        return image
    return opaque(image, background).convert("L")


def _histogram_mean(difference: Image.Image, weight: Callable[[int], int]) -> float:
    """The mean of weight(sample) over every sample of an 8-bit image, exactly."""
    histogram = difference.histogram()  # 256 counts per band
    total = sum(weight(index % 256) * count for index, count in enumerate(histogram))
    samples = len(histogram) // 256 * difference.width * difference.height
    return total / samples


def exact_mean(image: Image.Image, box: Optional[Tuple[int, int, int, int]] = None) -> float:
    """The exact mean of a float image, or of a box of it (left, top, right, bottom).

    ImageStat bins mode "F" into 256 buckets; a reduction to one pixel does not.
    """
    box = box or (0, 0) + image.size
    return cast(float, image.reduce((box[2] - box[0], box[3] - box[1]), box).getpixel((0, 0)))


# SSIM ---------------------------------------------------------------------------

def _map_mean(x: Image.Image, y: Image.Image, term: Term) -> float:
    """The mean of a local term over the valid region, or over the mirrored full map."""
    if min(x.size) < WINDOW:
        x, y = mirrored(x, RADIUS), mirrored(y, RADIUS)
    total = 0.0
    for _, luminance, contrast_structure in _strip_terms(x, y):
        values = term(luminance, contrast_structure)
        total += exact_mean(values) * values.width * values.height
    return total / ((x.width - 2 * RADIUS) * (x.height - 2 * RADIUS))


def _ssim_term(luminance: Image.Image, contrast_structure: Image.Image) -> Image.Image:
    return image_math(lambda l, cs: l * cs, luminance, contrast_structure)


def _contrast_structure_term(luminance: Image.Image,
                             contrast_structure: Image.Image) -> Image.Image:
    return contrast_structure


def _strip_terms(x: Image.Image,
                 y: Image.Image) -> Iterator[Tuple[int, Image.Image, Image.Image]]:
    """(top, luminance, contrast-structure) for each strip of the valid region.

    Each strip of map rows reads those rows plus the 2 × RADIUS rows its
    windows reach beyond them.
    """
    width, height = x.size
    map_height = height - 2 * RADIUS
    rows = max(1, STRIP_PIXELS // width)
    for top in range(0, map_height, rows):
        box = (0, top, width, min(top + rows, map_height) + 2 * RADIUS)
        yield (top,) + _local_terms(centred(x.crop(box)), centred(y.crop(box)))


def _local_terms(x: Image.Image, y: Image.Image) -> Tuple[Image.Image, Image.Image]:
    """The luminance and contrast-structure maps of two centred lumas (`local_moments`)."""
    ms, md, mss, mdd = local_moments(x, y)

    def luminance(ms, md):
        ms = ms + 2 * CENTRE
        ms, md = ms * ms, md * md
        return (ms - md + 2 * C1) / (ms + md + 2 * C1)

    def contrast_structure(ms, md, mss, mdd):
        vs, vd = mss - ms * ms, mdd - md * md
        return (vs - vd + 2 * C2) / (vs + vd + 2 * C2)

    return image_math(luminance, ms, md), image_math(contrast_structure, ms, md, mss, mdd)
