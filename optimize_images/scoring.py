"""Scoring a quality search's probes against one fixed sample.

A search compares several encodings of the same sample with that sample, so
whatever depends on the sample alone is computed once, in `scorer`, and each
probe pays only for itself. For SSIM the probes are also scored on every
second window position in both directions (a quarter of the map), from the
even and odd rows and columns of the images, which keeps the Gaussian windows
exact: against `metrics.ssim` the score differs by at most 5.3e-4 on the
288×288 samples of our 33 corpus photos at qualities 50–95 (6e-5 for the
median photo), 2e-4 on small made images (tests/test_scoring.py), below a
tenth of the step between presets. `metrics.ssim` itself stays exact; this is
the search's instrument only.
"""

from . import metrics
from .compat import Resampling, image_math
from .local_means import CENTRE, RADIUS, WINDOW, centred, weighted_sum
from .metrics import C1, C2

# Below this many rows or columns a stride-2 map has too few windows to
# stand for the whole map (and the exact score is cheap): score exactly.
_SMALLEST_SIDE = 64


def scorer(metric, reference):
    """score(candidate) → the metric of `candidate` against `reference`.

    `metric` is a name of `MEASURES`; the images are the sample and its
    round trips, of one size and mode.
    """
    if metric == "ssim" and min(reference.size) >= _SMALLEST_SIDE:
        return _StridedSsim(reference)
    measure = MEASURES[metric]
    return lambda candidate: measure(reference, candidate)


MEASURES = {"ssim": metrics.ssim, "ms-ssim": metrics.ms_ssim, "sad": metrics.diff_ratio}


class _StridedSsim:
    """SSIM on the windows centred on even rows and columns, reference terms cached.

    Means, variances and the covariance come from Gaussian-weighted sums of
    x, y, x², y² and xy on luma centred on 127.5 (for float32 precision).
    The reference's mean and variance are computed once; each probe needs
    three weighted sums (y, y², xy), each over a quarter of the positions.
    """

    def __init__(self, reference):
        x = _centred_luma(reference)
        width, height = x.size
        self._rows, self._columns = (height - 2 * RADIUS) // 2, (width - 2 * RADIUS) // 2
        self._x_phases = _row_phases(x)
        mean_x = self._blurred(self._x_phases)
        mean_xx = self._blurred(_products(self._x_phases, self._x_phases))
        self._mean_x = mean_x
        self._luminance_x = image_math(lambda m: (m + CENTRE) * (m + CENTRE) + C1, mean_x)
        self._variance_x = image_math(lambda m, mm: mm - m * m + C2, mean_x, mean_xx)

    def __call__(self, candidate):
        y_phases = _row_phases(_centred_luma(candidate))
        mean_y = self._blurred(y_phases)
        mean_yy = self._blurred(_products(y_phases, y_phases))
        mean_xy = self._blurred(_products(self._x_phases, y_phases))

        def ssim(mx, my, myy, mxy, lx, vx):
            ux, uy = mx + CENTRE, my + CENTRE
            luminance = (ux * uy * 2 + C1) / (lx + uy * uy)
            contrast_structure = ((mxy - mx * my) * 2 + C2) / (vx + myy - my * my)
            return luminance * contrast_structure

        values = image_math(ssim, self._mean_x, mean_y, mean_yy, mean_xy,
                            self._luminance_x, self._variance_x)
        return metrics.exact_mean(values)

    def _blurred(self, phases):
        """Gaussian means at the map positions, from a quantity's row phases."""
        down_rows = _weighted(phases, self._rows, vertical=True)
        return _weighted(_column_phases(down_rows), self._columns, vertical=False)


def _centred_luma(image):
    return centred(image if image.mode == "L" else image.convert("L"))


def _products(first, second):
    return tuple(image_math(lambda a, b: a * b, a, b) for a, b in zip(first, second))


def _row_phases(image):
    """(rows 1, 3, 5…, rows 2, 4, 6…): what the windows centred on even rows read.

    A window centred on row c = 2(i + 3) reads rows c − 5 … c + 5: its even
    taps fall on odd rows, its odd taps on even rows.
    """
    width, height = image.size
    odd, even = height // 2, (height - 1) // 2
    nearest = Resampling.NEAREST
    return (image.resize((width, odd), nearest, box=(0, 0, width, 2 * odd)),
            image.resize((width, even), nearest, box=(0, 1, width, 1 + 2 * even)))


def _column_phases(image):
    width, height = image.size
    odd, even = width // 2, (width - 1) // 2
    nearest = Resampling.NEAREST
    return (image.resize((odd, height), nearest, box=(0, 0, 2 * odd, height)),
            image.resize((even, height), nearest, box=(1, 0, 1 + 2 * even, height)))


def _weighted(phases, count, *, vertical):
    """Σ WEIGHTS[k] · tap k for `count` windows along one direction, stride 2.

    Tap k of window i reads odd[i + k / 2] for even k and even[i + (k − 1) / 2]
    for odd k (see `_row_phases`).
    """
    odd, even = phases

    def tap(k):
        image, offset = (odd, k // 2) if k % 2 == 0 else (even, (k - 1) // 2)
        width, height = image.size
        box = (0, offset, width, offset + count) if vertical else (offset, 0, offset + count,
                                                                  height)
        return image.crop(box)

    return weighted_sum([tap(k) for k in range(WINDOW)])
