"""Drawing a group's figures: the fragment of each variant, their distortion maps, the
anisotropic map and the annotated original, written without loss (see `pictures`).

Under OUTDIR/<metric>/: comparison_<value> (the fragment of each variant,
zoomed, labelled, in a stable order, a placeholder where a variant is
missing), distortion_map_comparison_<value> (the same tiles of the distortion
maps, on one colour scale for the figure, with its legend),
distortion_map_anisotropic and original_annotated. Tiles whose variant is
not within tolerance of its target, on either side, are framed: they are not
matched to the others; the label says which way and by how much.
"""

import os
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, cast

from PIL import Image

from ...common.compat import Resampling
from ...common.modes import WHITE
from ...draw import diffmap, grid
from ...draw.pictures import write_picture
from ...image.transforms import fit_within
from ...measure import metrics
from .matching import Made, Missing, Variant, decode, distortion_map, value_name
from .options import CompareOptions

METRIC_TITLES = {"ssim": "matched quality", "bpp": "matched size"}
FIGURE_SIDE = 1200  # px: the longest side of the anisotropic map and annotated original
MIN_SCALE_TOP = 1e-3  # where the distortion scale ends when no variant differs at all
DISTORTION_CAPTION = "1 - local SSIM against the original (0: the same)"
ANISOTROPIC_CAPTION = "where the variants disagree: std of their 1 - local SSIM"

Box = Tuple[int, int, int, int]  # (left, top, right, bottom)
Tile = Tuple[str, float]  # (format, target value)
Plan = List[Tuple[str, List[Tile]]]  # [(figure name, its tiles), ...]
Figure = Tuple[str, Image.Image]  # (file stem, picture)


def figure_plan(options: CompareOptions, metric: str, values: Iterable[float],
                format_names: Sequence[str]) -> Plan:
    """[(figure name, [(format, target value), ...]), ...] in a stable order.

    With tile parameter "format" there is a figure per target value and a
    tile per format; with "quality", a figure per format and a tile per
    target value. Tiles keep this order whether or not their variant exists.
    """
    if options.tile_parameter == "format":
        return [(value_name(value), [(name, value) for name in format_names])
                for value in values]
    return [(name, [(name, value) for value in values]) for name in format_names]


def figure_title(source: str, metric: str, figure: str, tile_parameter: str) -> str:
    if tile_parameter == "quality":
        subject = figure.upper()
    else:
        subject = f"SSIM {figure}" if metric == "ssim" else f"{figure} bpp"
    return f"{os.path.basename(source)}: {subject}, {METRIC_TITLES[metric]}"


def tile_label(variant: Made) -> str:
    """Format and quality (with the target), then bpp and SSIM; then how far off the
    target it lies, if it is not within tolerance."""
    target = f"target {value_name(variant.target)}"
    if isinstance(variant, Missing):
        return f"{variant.format.upper()}, {target}\nnot made"
    measured = variant.measurement
    label = (f"{variant.format.upper()} q{measured.quality}, {target}\n"
             f"{measured.bpp:.2f} bpp, SSIM {measured.ssim:.3f}")
    return f"{label}\n{variant.off_target}" if variant.off_target else label


def flagged(variants: Iterable[Made]) -> List[int]:
    """The indexes of the variants not matched to their target (above or below it):
    their tiles get a frame."""
    return [index for index, variant in enumerate(variants)
            if isinstance(variant, Variant) and variant.off_target]


def fragment(variant: Variant, luma: Image.Image,
             box: Box) -> Tuple[Image.Image, Image.Image]:
    """(RGB crop, distortion-map crop) of a variant in the box.

    The distortion is computed on the box grown by SSIM's window radius
    (within the image), so every window sees what it sees in the whole image.
    """
    width, height = luma.size
    border = metrics.RADIUS
    grown = (max(0, box[0] - border), max(0, box[1] - border),
             min(width, box[2] + border), min(height, box[3] + border))
    inner = (box[0] - grown[0], box[1] - grown[1], box[2] - grown[0], box[3] - grown[1])
    around = decode(variant.data).crop(grown)
    return around.crop(inner), distortion_map(luma.crop(grown), around).crop(inner)


def comparison_figure(original_crop: Image.Image, crops: Iterable[Optional[Image.Image]],
                      labels: List[str], *, zoom: int, title: str,
                      flags: Iterable[int] = ()) -> Image.Image:
    """The fragment of the original, then of each variant (None: a placeholder), zoomed;
    the variants whose indexes are in `flags` framed."""
    size = (original_crop.width * zoom, original_crop.height * zoom)
    tiles = [grid.zoomed(original_crop, zoom)] + [
        grid.placeholder(size, "not made") if crop is None else grid.zoomed(crop, zoom)
        for crop in crops]
    return grid.montage(tiles, ["original\n"] + labels, title=title,
                        flagged=[index + 1 for index in flags])


def distortion_figure(maps: Sequence[Optional[Image.Image]], labels: List[str], *,
                      size: Tuple[int, int], zoom: int, title: str,
                      flags: Sequence[int] = ()) -> Image.Image:
    """The fragment's distortion maps (None: a placeholder) side by side on one scale."""
    high, caption = figure_scale([distortion for distortion in maps if distortion is not None])
    zoomed_size = (size[0] * zoom, size[1] * zoom)
    tiles = [grid.placeholder(zoomed_size, "not made") if distortion is None
             else grid.zoomed(diffmap.colorize(distortion, high=high), zoom)
             for distortion in maps]
    figure = grid.montage(tiles, labels, title=title, flagged=flags)
    bar = grid.legend_bar(diffmap.COLOUR_SCALE, 0.0, high, length=figure.width,
                          caption=caption)
    return grid.attach(figure, bar, "below")


def figure_scale(maps: Sequence[Image.Image]) -> Tuple[float, List[str]]:
    """(top, caption): one colour scale for the distortion maps drawn side by side in a
    figure, ending at `diffmap.scale_top` of them all, and the legend's words for it."""
    top = max(diffmap.scale_top(maps), MIN_SCALE_TOP)
    largest = max((cast(float, distortion.getextrema()[1]) for distortion in maps), default=0.0)
    return top, [DISTORTION_CAPTION,
                 f"one scale for the tiles: top colour at the {diffmap.SCALE_PERCENTILE:g}th "
                 f"percentile of their pixels, largest {grid.format_value(largest)}"]


def anisotropic_figure(heat: Image.Image, box: Box) -> Image.Image:
    """The anisotropic map, at most FIGURE_SIDE px, with its legend; the fragment outlined.

    The map is shrunk by averaging (a box filter): other filters ring on its fine texture.
    """
    scale = min(1.0, FIGURE_SIDE / max(heat.size))
    small = heat.resize((max(1, round(heat.width * scale)), max(1, round(heat.height * scale))),
                        Resampling.BOX)
    coloured = diffmap.colorize(small, legend=diffmap.legend_side(small.size),
                                caption=[ANISOTROPIC_CAPTION])
    return grid.outlined(coloured, _scaled_box(box, small.width / heat.width), colour=WHITE)


def annotated_original(original: Image.Image, box: Box) -> Image.Image:
    small = fit_within(original, FIGURE_SIDE, FIGURE_SIDE)
    return grid.outlined(small, _scaled_box(box, small.width / original.width))


def _scaled_box(box, scale):
    return tuple(round(value * scale) for value in box)


def group_figures(source: str, metric: str, options: CompareOptions, plan: Plan,
                  variants: Dict[Tile, Made], original: Image.Image, heat: Image.Image,
                  box: Box) -> List[Figure]:
    """[(file stem, figure), ...] for one target group."""
    luma = original.convert("L")
    fragments = {key: fragment(variant, luma, box) for key, variant in variants.items()
                 if isinstance(variant, Variant)}
    size = (box[2] - box[0], box[3] - box[1])
    figures = []
    for name, tiles in plan:
        labels = [tile_label(variants[key]) for key in tiles]
        flags = flagged([variants[key] for key in tiles])
        title = figure_title(source, metric, name, options.tile_parameter)
        crops = [fragments[key][0] if key in fragments else None for key in tiles]
        maps = [fragments[key][1] if key in fragments else None for key in tiles]
        figures.append((f"comparison_{name}", comparison_figure(
            original.crop(box), crops, labels, zoom=options.zoom, title=title, flags=flags)))
        figures.append((f"distortion_map_comparison_{name}", distortion_figure(
            maps, labels, size=size, zoom=options.zoom, title=f"{title}, 1 - SSIM",
            flags=flags)))
    figures.append(("distortion_map_anisotropic", anisotropic_figure(heat, box)))
    figures.append(("original_annotated", annotated_original(original, box)))
    return figures


def write_figures(folder: str, figures: Iterable[Figure], figure_format: str) -> List[str]:
    """Write each figure as folder/<stem>.<figure_format>; the paths written."""
    written = []
    for name, figure in figures:
        path = os.path.join(folder, f"{name}.{figure_format}")
        write_picture(path, figure)
        written.append(path)
    return written
