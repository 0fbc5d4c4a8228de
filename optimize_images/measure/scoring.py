"""Scoring a quality search's probes against one fixed sample.

A search compares several encodings of the same sample with that sample, so
whatever depends on the sample alone is computed once, in `scorer`, and each
probe pays only for itself. For SSIM the probes are also scored on every
second window position in both directions (a quarter of the map), or every
fifth on big samples, from the rows and columns of the images taken in phases,
which keeps the Gaussian windows exact: against `metrics.ssim` (of each tile
apart, for a mosaic) the score differs by at most 9.6e-4 on the search samples
of our 33 corpus photos at qualities 50–95 (4e-5 for the median photo), 5e-4
on small made images at stride 2 (tests/test_scoring.py). `metrics.ssim`
itself stays exact; this is the search's instrument only.
"""

from typing import Callable, List, Optional, Sequence, Tuple

from PIL import Image

from ..common.compat import Resampling, Transpose, image_math
from . import metrics
from .local_means import CENTRE, WINDOW, centred, weighted_sum
from .metrics import C1, C2

# Below this many rows or columns a stride-2 map has too few windows to
# stand for the whole map (and the exact score is cheap): score exactly.
_SMALLEST_SIDE = 64
# A sample with more stride-2 windows than this is scored at stride 5.
_WINDOWS_AT_STRIDE_2 = 30_000

Score = Callable[[Image.Image], float]  # a probe's score against the fixed sample


def scorer(metric: str, reference: Image.Image, *,
           tile: Optional[Tuple[int, int]] = None) -> Score:
    """score(candidate) → the metric of `candidate` against `reference`.

    `metric` is a name of `MEASURES`; the images are the sample and its
    round trips, of one size and mode. `tile` is the (width, height) of the
    tiles when the sample is a mosaic (`sampling.tiles`): SSIM then leaves
    out the windows that straddle two tiles. Those read an edge that the
    photo does not have, and a strong edge scores high whatever the
    encoding does around it, so they made a mosaic of smooth tiles look
    better than the photo (by 0.002-0.005 on smooth photos of 3 MP or more).
    A sample thinner than _SMALLEST_SIDE is scored exactly, seams and all.
    """
    if metric == "ssim" and min(reference.size) >= _SMALLEST_SIDE:
        return _StridedSsim(reference, tile)
    measure = MEASURES[metric]
    return lambda candidate: measure(reference, candidate)


MEASURES = {"ssim": metrics.ssim, "ms-ssim": metrics.ms_ssim, "sad": metrics.diff_ratio}


class _StridedSsim:
    """SSIM on the windows at every `stride`-th row and column, reference terms cached.

    Means, variances and the covariance come from Gaussian-weighted sums of
    x, y, x², y² and xy on luma centred on 127.5 (for float32 precision).
    The reference's mean and variance are computed once; each probe needs
    three weighted sums (y, y², xy), each over 1 / stride² of the positions.
    """

    def __init__(self, reference: Image.Image, tile: Optional[Tuple[int, int]] = None,
                 stride: Optional[int] = None) -> None:
        x = _centred_luma(reference)
        self._stride = stride or stride_for(x.size)
        self._x_phases = _phases(x, self._stride, vertical=True)
        width, height = x.size
        self._rows, self._columns = (_window_count(height, self._stride),
                                     _window_count(width, self._stride))
        self._inside = _inside_tiles(self._columns, self._rows, tile, self._stride) if tile \
            else None
        mean_x = self._blurred(self._x_phases)
        mean_xx = self._blurred(_products(self._x_phases, self._x_phases))
        self._mean_x = mean_x
        self._luminance_x = image_math(lambda m: (m + CENTRE) * (m + CENTRE) + C1, mean_x)
        self._variance_x = image_math(lambda m, mm: mm - m * m + C2, mean_x, mean_xx)

    def __call__(self, candidate: Image.Image) -> float:
        y_phases = _phases(_centred_luma(candidate), self._stride, vertical=True)
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
        if self._inside is None:
            return metrics.exact_mean(values)
        mask, share = self._inside
        return metrics.exact_mean(image_math(lambda v, m: v * m, values, mask)) / share

    def _blurred(self, phases: Sequence[Image.Image]) -> Image.Image:
        """Gaussian means at the map positions, from a quantity's row phases."""
        down_rows = _weighted(phases, self._rows, self._stride, vertical=True)
        across = _phases(down_rows, self._stride, vertical=False)
        return _weighted(across, self._columns, self._stride, vertical=False)


def stride_for(size: Tuple[int, int]) -> int:
    """The window stride for a sample of `size`: 2, or 5 above _WINDOWS_AT_STRIDE_2
    stride-2 windows, so that a big sample's probes cost about what a small one's do.

    5 is coprime with JPEG's 8-pixel blocks, so the windows still fall at every
    offset within a block (at stride 4 they fall at two of eight, and the score
    was 4× further off).
    """
    width, height = size
    return 2 if width * height / 4 <= _WINDOWS_AT_STRIDE_2 else 5


def _window_count(length: int, stride: int) -> int:
    """Windows of one direction: window i reads the pixels from stride·i + offset on,
    WINDOW of them (see `_phases`)."""
    return (length - WINDOW - stride // 2) // stride + 1


def _inside_tiles(columns: int, rows: int, tile: Tuple[int, int],
                  stride: int) -> Tuple[Image.Image, float]:
    """(mask, its mean): 1.0 at the strided map positions whose window lies inside one
    tile, 0.0 where it straddles two."""
    tile_width, tile_height = tile
    across = _inside_line(columns, tile_width, stride).resize((columns, rows), Resampling.NEAREST)
    down = _inside_line(rows, tile_height, stride).transpose(Transpose.TRANSPOSE).resize(
        (columns, rows), Resampling.NEAREST)
    mask = image_math(lambda a, b: a * b, across, down)
    return mask, metrics.exact_mean(mask)


def _inside_line(count: int, tile: int, stride: int) -> Image.Image:
    """A 1-pixel-high "F" line: 1.0 where window i stays inside one tile."""
    offset = stride // 2
    line = Image.new("F", (count, 1))
    line.putdata([1.0 if (stride * i + offset) // tile == (stride * i + offset + WINDOW - 1) // tile
                  else 0.0 for i in range(count)])
    return line


def _centred_luma(image: Image.Image) -> Image.Image:
    return centred(image if image.mode == "L" else image.convert("L"))


def _products(first: Sequence[Image.Image],
              second: Sequence[Image.Image]) -> Tuple[Image.Image, ...]:
    return tuple(image_math(lambda a, b: a * b, a, b) for a, b in zip(first, second))


def _phases(image: Image.Image, stride: int, *, vertical: bool) -> List[Image.Image]:
    """The image's rows (columns) in `stride` phases: phase j holds rows
    j + stride // 2, j + stride // 2 + stride, …

    That is what a nearest-neighbour resize by 1 / stride from row j picks (it
    samples each output row's centre). So window i, which reads rows
    stride·i + stride // 2 onwards, finds its tap t in phase t % stride at
    index i + t // stride.
    """
    width, height = image.size
    length = height if vertical else width
    phases = []
    for phase in range(stride):
        count = (length - phase) // stride
        if vertical:
            phases.append(image.resize((width, count), Resampling.NEAREST,
                                       box=(0, phase, width, phase + stride * count)))
        else:
            phases.append(image.resize((count, height), Resampling.NEAREST,
                                       box=(phase, 0, phase + stride * count, height)))
    return phases


def _weighted(phases: Sequence[Image.Image], count: int, stride: int, *,
              vertical: bool) -> Image.Image:
    """Σ WEIGHTS[t] · tap t for `count` windows along one direction (see `_phases`)."""
    def tap(t):
        image, offset = phases[t % stride], t // stride
        width, height = image.size
        box = (0, offset, width, offset + count) if vertical else (offset, 0, offset + count,
                                                                  height)
        return image.crop(box)

    return weighted_sum([tap(t) for t in range(WINDOW)])
