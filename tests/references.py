"""Independent numpy (float64) computations of the metrics, for the tests that compare with them.

numpy is imported only when a function is called, so the modules that import
this one still run without it (their tests skip).
"""

# Wang, Simoncelli and Bovik 2003, written here again rather than imported.
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def luma_array(image):
    import numpy as np
    return np.asarray(image.convert("L"), dtype=np.float64)


def ssim_of_arrays(x, y):
    """The mean SSIM of two luma arrays: over the valid region, or over the mirrored
    full map for arrays smaller than the window."""
    luminance, contrast_structure = ssim_maps(x, y)
    return float((luminance * contrast_structure).mean())


def ms_ssim_of_arrays(x, y):
    """MS-SSIM as Wang's msssim.m computes it, in numpy float64.

    Each scale: 11-tap Gaussian (σ = 1.5) 'valid' filtering, population
    statistics, K1 = 0.01, K2 = 0.03; between scales, 2×2 means with the
    image extended symmetrically (an odd last row or column averaged with
    itself) and every second pixel kept. A scale smaller than the window is
    mirrored by 5 pixels first (numpy's 'symmetric' padding), as
    optimize_images.measure.metrics documents; negative means count as 0.
    """
    result = 1.0
    for scale, weight in enumerate(MS_SSIM_WEIGHTS):
        if scale:
            x, y = halved(x), halved(y)
        luminance, contrast_structure = ssim_maps(x, y)
        coarsest = scale == len(MS_SSIM_WEIGHTS) - 1
        mean = (luminance * contrast_structure).mean() if coarsest else contrast_structure.mean()
        result *= max(float(mean), 0.0) ** weight
    return result


def ssim_maps(x, y):
    """(luminance, contrast-structure) maps where the window fits (of the mirrored
    arrays when they are smaller than it)."""
    import numpy as np
    if min(x.shape) < 11:
        x, y = np.pad(x, 5, mode="symmetric"), np.pad(y, 5, mode="symmetric")
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = gaussian_valid(x), gaussian_valid(y)
    vx = gaussian_valid(x * x) - mx * mx
    vy = gaussian_valid(y * y) - my * my
    cov = gaussian_valid(x * y) - mx * my
    luminance = (2 * mx * my + c1) / (mx * mx + my * my + c1)
    return luminance, (2 * cov + c2) / (vx + vy + c2)


def gaussian_valid(image):
    import numpy as np
    taps = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5 ** 2))
    taps /= taps.sum()
    height, width = image.shape
    rows = sum(taps[k] * image[k:height - 10 + k] for k in range(11))
    return sum(taps[k] * rows[:, k:width - 10 + k] for k in range(11))


def halved(image):
    import numpy as np
    padded = np.pad(image, ((0, image.shape[0] % 2), (0, image.shape[1] % 2)), mode="edge")
    return (padded[0::2, 0::2] + padded[1::2, 0::2] + padded[0::2, 1::2] + padded[1::2, 1::2]) / 4
