"""Choosing the image: in a folder, the one whose variants differ most.

The highest coefficient of variation (std / mean) across formats of the
other metric (bpp at matched SSIM, SSIM at matched bpp), averaged over the
target values and measured on samples.
"""

import math
import os
from typing import Callable, Dict, Iterable, List, Sequence

from PIL import Image

from ...common.modes import opaque_rgb
from ...image.transforms import orientation_of, upright
from ...run import discovery
from .matching import Measure, match_quality
from .options import CompareOptions


def candidates(source: str, options: CompareOptions) -> List[str]:
    """The image paths to choose from: the file itself, or the folder's images."""
    if not os.path.isdir(source):
        return [source]
    paths = [found.path for found in discovery.find_images([source], exclude=options.exclude)]
    if options.source_image is not None:
        wanted = options.source_image
        paths = [path for path in paths
                 if wanted in (os.path.basename(path), os.path.relpath(path, source), path)]
    return paths


def load_source(path: str) -> Image.Image:
    """An image file as the study sees it: upright, opaque, 8-bit RGB."""
    with Image.open(path) as image:
        image.load()
        return opaque_rgb(upright(image, orientation_of(image)))


def coefficient_of_variation(values: Sequence[float]) -> float:
    """Population std / mean; 0 for fewer than two values or a zero mean."""
    if len(values) < 2:
        return 0.0
    average = sum(values) / len(values)
    if average == 0:
        return 0.0
    return math.sqrt(sum((value - average) ** 2 for value in values) / len(values)) / average


def variation(measures: Sequence[Measure], metric: str, values: Sequence[float]) -> float:
    """How much the formats differ on an image: the mean over target values of the
    coefficient of variation, across formats, of the other metric at the matched quality."""
    other = "bpp" if metric == "ssim" else "ssim"
    ratios = []
    for target in values:
        outputs = []
        for measure in measures:
            quality = match_quality(lambda level: measure(level).value(metric), target)
            outputs.append(measure(quality).value(other))
        ratios.append(coefficient_of_variation(outputs))
    return sum(ratios) / len(ratios)


def most_varied(paths: Iterable[str], metric: str, values: Sequence[float],
                measures_of: Callable[[str], Dict[str, Measure]]) -> str:
    """The path whose variants vary most; `measures_of(path)` → {format: sample measure}."""
    return max(paths, key=lambda path: variation(list(measures_of(path).values()), metric,
                                                 values))
