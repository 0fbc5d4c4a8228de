"""Image quality metrics computed with Pillow alone: SAD ratio, PSNR, SSIM, MS-SSIM.

Every metric takes two images of the same size, in any mode: transparency is
composited over `background` first, 16-bit images are scaled to 8 bits, and
SSIM and MS-SSIM work on luma as Pillow's ``convert("L")`` computes it.

SSIM follows Wang et al. (2004) exactly, as scikit-image computes it with
``structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255)``: an 11-tap Gaussian window with
σ = 1.5, K1 = 0.01, K2 = 0.03, L = 255, population covariances, and the mean
over the region where the window fits (the map trimmed by 5 pixels a side).
The Gaussian is separable, so each local mean is 11 shifted crops combined in
one ImageMath expression per direction; large images go through in horizontal
strips, so memory stays bounded.

References
----------
Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality
assessment: from error visibility to structural similarity", IEEE Trans. Image
Processing 13(4), 2004.
Z. Wang, E. P. Simoncelli, A. C. Bovik, "Multiscale structural similarity for
image quality assessment", 37th Asilomar Conference, 2003.
"""

import contextlib
import math

from PIL import Image, ImageChops, ImageMath

from .compat import Transpose

WINDOW = 11
RADIUS = WINDOW // 2
SIGMA = 1.5
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
STRIP_PIXELS = 1 << 16  # about this many valid pixels are computed at a time (64 rows at least)
_OFFSET = 128.0  # subtracted before squaring, for float32 precision
# Exact 8-bit → float lookups: the centred value and its square.
_CENTRED = [value - _OFFSET for value in range(256)]
_SQUARED = [(value - _OFFSET) ** 2 for value in range(256)]
_GAUSS = [math.exp(-((k - RADIUS) ** 2) / (2 * SIGMA ** 2)) for k in range(WINDOW)]
_GAUSS = [weight / sum(_GAUSS) for weight in _GAUSS]


def diff_ratio(a, b, *, background=(255, 255, 255)):
    """The classic similarity of optimize-images 2.x: 1 − mean absolute difference / 255.

    The mean runs over every pixel of every band (RGB, or L when both images
    are grayscale); 1.0 means identical.
    """
    a, b = _comparable(a, b, background)
    difference = ImageChops.difference(a, b)
    total = sum(value * count
                for band in difference.split()
                for value, count in enumerate(band.histogram()))
    return 1.0 - total / (255.0 * a.width * a.height * len(a.getbands()))


def psnr(a, b, *, background=(255, 255, 255)):
    """Peak signal-to-noise ratio in dB over all bands; `math.inf` for identical images."""
    a, b = _comparable(a, b, background)
    difference = ImageChops.difference(a, b)
    squared = sum(value * value * count
                  for band in difference.split()
                  for value, count in enumerate(band.histogram()))
    if squared == 0:
        return math.inf
    mse = squared / (a.width * a.height * len(a.getbands()))
    return 10.0 * math.log10(255.0 ** 2 / mse)


def ssim(a, b, *, background=(255, 255, 255)):
    """Mean structural similarity of two images, on luma (Wang et al. 2004).

    Images smaller than the 11-pixel window on a side are compared with one
    window covering the whole image (uniform weights): the global SSIM.

    >>> from PIL import Image
    >>> image = Image.linear_gradient("L")
    >>> ssim(image, image)
    1.0
    """
    x, y = _luma_pair(a, b, background)
    if min(x.size) < WINDOW:
        return _global_ssim(x, y)
    return _mean_over_valid(x, y)


def ssim_map(a, b, *, background=(255, 255, 255)):
    """The local SSIM as a mode "F" image of the same size as the inputs.

    Pixel (x, y) is the SSIM of the window centred on image pixel (x, y);
    near the borders the images are mirrored (as scikit-image's full map is).
    Mode "F" inputs are taken as luma values already.
    """
    x, y = _luma_pair(a, b, background)
    if min(x.size) <= RADIUS:  # too small to mirror
        return Image.new("F", x.size, _global_ssim(x, y))
    x, y = _mirror_pad(x), _mirror_pad(y)
    result = Image.new("F", (x.width - 2 * RADIUS, x.height - 2 * RADIUS))
    top = 0
    for strip in _valid_strips(x, y):
        result.paste(strip, (0, top))
        top += strip.height
    return result


def ms_ssim(a, b, *, background=(255, 255, 255)):
    """Multi-scale SSIM (Wang, Simoncelli, Bovik 2003) over 5 scales.

    Contrast-structure is measured at every scale and luminance at the
    coarsest only; scales are 2×2 averages of the previous one, with the
    weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333. All five scales need a
    short side of at least 176 pixels; a smaller image uses the scales that
    still fit the 11-pixel window, their weights scaled to sum to one, and an
    image under 11 pixels falls back to `ssim`. Negative contrast-structure
    values are clamped to 0, as TensorFlow's implementation does.
    """
    x, y = _luma_pair(a, b, background)
    if min(x.size) < WINDOW:
        return _global_ssim(x, y)
    x, y = x.convert("F"), y.convert("F")  # the 2×2 averages must not round
    scales = []
    for weight in MS_SSIM_WEIGHTS:
        if min(x.size) < WINDOW:
            break
        scales.append((weight, x, y))
        x, y = _halve(x), _halve(y)
    total_weight = sum(weight for weight, _, _ in scales)
    result = 1.0
    for index, (weight, x, y) in enumerate(scales):
        last = index == len(scales) - 1
        value = max(0.0, _mean_over_valid(x, y, luminance=last))
        result *= value ** (weight / total_weight)
    return result


# --- validation and conversion ------------------------------------------------

def _check_pair(a, b):
    for name, image in (("a", a), ("b", b)):
        if not isinstance(image, Image.Image):
            raise TypeError(f"{name} must be a PIL.Image.Image, got {type(image).__name__}")
    if a.size != b.size:
        raise ValueError(f"the images must have the same size, got {a.size} and {b.size}")
    if a.width == 0 or a.height == 0:
        raise ValueError(f"the images are empty ({a.width}x{a.height})")


def _to_8bit(image, background):
    """RGB, L or CMYK: alpha composited over the background, 16 bits scaled to 8."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda value: value / 256).convert("L")
    if image.mode in ("1", "L", "RGB", "CMYK"):
        return image.convert("L") if image.mode == "1" else image
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        base = Image.new("RGBA", image.size, tuple(background) + (255,))
        return Image.alpha_composite(base, rgba).convert("RGB")
    return image.convert("RGB")


def _comparable(a, b, background):
    """The two images in one 8-bit mode: L when both are grayscale, else RGB."""
    _check_pair(a, b)
    a, b = _to_8bit(a, background), _to_8bit(b, background)
    if a.mode == b.mode:
        return a, b
    return a.convert("RGB"), b.convert("RGB")


def _luma(image, background):
    """Mode "L" (8-bit luma), or the image itself when it is mode "F" already."""
    if image.mode == "F":
        return image
    return _to_8bit(image, background).convert("L")


def _luma_pair(a, b, background):
    _check_pair(a, b)
    return _luma(a, background), _luma(b, background)


# --- the SSIM mathematics -----------------------------------------------------

def _evaluate(function, *images):
    """function(*operands) → image, with the newest ImageMath API this Pillow has."""
    names = [f"i{index}" for index in range(len(images))]
    operands = dict(zip(names, images))
    if hasattr(ImageMath, "lambda_eval"):  # Pillow >= 10.3
        return ImageMath.lambda_eval(lambda args: function(*(args[n] for n in names)), **operands)
    return ImageMath.eval(f"function({', '.join(names)})", function=function, **operands)


def _weighted_sum(*operands):
    """Σ g[k]·operand[k], pairing the symmetric taps to halve the multiplications."""
    total = operands[RADIUS] * _GAUSS[RADIUS]
    for k in range(RADIUS):
        total = total + (operands[k] + operands[WINDOW - 1 - k]) * _GAUSS[k]
    return total


def _blur_valid(image):
    """The Gaussian-weighted local mean where the whole window fits (size − 10 each way)."""
    width, height = image.size
    columns = [image.crop((k, 0, k + width - 2 * RADIUS, height)) for k in range(WINDOW)]
    horizontal = _evaluate(_weighted_sum, *columns)
    rows = [horizontal.crop((0, k, width - 2 * RADIUS, k + height - 2 * RADIUS))
            for k in range(WINDOW)]
    return _evaluate(_weighted_sum, *rows)


def _centred_and_squared(image):
    """(image − 128, (image − 128)²) as mode "F"; by table lookup for 8-bit luma."""
    if image.mode == "L":
        return image.point(_CENTRED, "F"), image.point(_SQUARED, "F")
    centred = _evaluate(lambda v: v - _OFFSET, image)
    return centred, _evaluate(lambda v: v * v, centred)


def _local_statistics(x, y):
    """Local means (offset) and second moments of x and y over the valid region."""
    xc, xx = _centred_and_squared(x)
    yc, yy = _centred_and_squared(y)
    xy = _evaluate(lambda p, q: p * q, xc, yc)
    return [_blur_valid(image) for image in (xc, yc, xx, yy, xy)]


def _ssim_terms(mx, my, xx, yy, xy, luminance=True):
    """The SSIM map (or, without luminance, the contrast-structure map)."""
    var_x = xx - mx * mx
    var_y = yy - my * my
    cov = xy - mx * my
    contrast_structure = (cov * 2.0 + C2) / (var_x + var_y + C2)
    if not luminance:
        return contrast_structure
    mx, my = mx + _OFFSET, my + _OFFSET
    return (mx * my * 2.0 + C1) / (mx * mx + my * my + C1) * contrast_structure


def _valid_map(x, y, luminance=True):
    stats = _local_statistics(x, y)
    return _evaluate(lambda *values: _ssim_terms(*values, luminance=luminance), *stats)


def _valid_strips(x, y, luminance=True):
    """The valid SSIM map of x and y, in horizontal strips, top to bottom.

    Each strip needs RADIUS rows of context above and below; the strip
    height keeps every intermediate image near STRIP_PIXELS.
    """
    valid_height = x.height - 2 * RADIUS
    rows = max(64, STRIP_PIXELS // x.width)
    with reusing_memory():
        for top in range(0, valid_height, rows):
            box = (0, top, x.width, min(top + rows, valid_height) + 2 * RADIUS)
            yield _valid_map(x.crop(box), y.crop(box), luminance)


def _mean_over_valid(x, y, luminance=True):
    total = 0.0
    for strip in _valid_strips(x, y, luminance):
        total += _mean(strip) * strip.width * strip.height
    return total / ((x.width - 2 * RADIUS) * (x.height - 2 * RADIUS))


@contextlib.contextmanager
def reusing_memory(blocks=64):
    """Let Pillow keep freed memory blocks for reuse inside this block.

    SSIM makes many short-lived images of one size; by default Pillow returns
    each block to the system and faults fresh pages in for the next, which
    costs more than the arithmetic (about half the time of a 400×400 SSIM).
    Every metric here uses it; wrap a loop of metric calls in it too, so the
    blocks survive from one call to the next. The previous setting is
    restored on exit.
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


def _mean(image):
    """The exact mean of a mode "F" image (ImageStat works on a histogram, so not on "F")."""
    return image.reduce(image.size).getpixel((0, 0))


def _global_ssim(x, y):
    """SSIM with one uniform window over the whole (small) image."""
    x, y = x.convert("F"), y.convert("F")
    mx, my = _mean(x), _mean(y)
    xx = _mean(_evaluate(lambda p: (p - mx) * (p - mx), x))
    yy = _mean(_evaluate(lambda q: (q - my) * (q - my), y))
    xy = _mean(_evaluate(lambda p, q: (p - mx) * (q - my), x, y))
    return ((2 * mx * my + C1) * (2 * xy + C2)) / ((mx * mx + my * my + C1) * (xx + yy + C2))


def _mirror_pad(image):
    """The image with RADIUS pixels mirrored on every side (edge pixel repeated)."""
    width, height = image.size
    wide = Image.new(image.mode, (width + 2 * RADIUS, height))
    wide.paste(image, (RADIUS, 0))
    wide.paste(image.crop((0, 0, RADIUS, height)).transpose(Transpose.FLIP_LEFT_RIGHT), (0, 0))
    wide.paste(image.crop((width - RADIUS, 0, width, height)).transpose(Transpose.FLIP_LEFT_RIGHT),
               (width + RADIUS, 0))
    padded = Image.new(image.mode, (wide.width, height + 2 * RADIUS))
    padded.paste(wide, (0, RADIUS))
    padded.paste(wide.crop((0, 0, wide.width, RADIUS)).transpose(Transpose.FLIP_TOP_BOTTOM), (0, 0))
    padded.paste(wide.crop((0, height - RADIUS, wide.width, height))
                 .transpose(Transpose.FLIP_TOP_BOTTOM), (0, height + RADIUS))
    return padded


def _halve(image):
    """2×2 averages, dropping an odd last row or column."""
    width, height = image.width // 2 * 2, image.height // 2 * 2
    return image.crop((0, 0, width, height)).reduce(2)
