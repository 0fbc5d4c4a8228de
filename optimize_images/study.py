"""The compare command's work: comparison figures at matched quality and matched size.

For each group of targets (SSIM values: matched visual quality; bits per
pixel: matched file size):

1. The image: in a folder, the one whose variants differ most, i.e. the
   highest coefficient of variation (std / mean) across formats of the
   other metric (bpp at matched SSIM, SSIM at matched bpp), averaged over
   the target values and measured on samples.
2. The variants: for each format and target value, measure a few qualities
   on a sample (`sampling.tiles`: full-resolution tiles spread over the
   image), interpolate the quality that hits the target, encode the whole
   image at it, and correct once when the whole image misses.
3. The fragment: a distortion map (1 − local SSIM) per variant; per figure
   their per-pixel standard deviation, the "anisotropic" map, where the
   variants disagree (a lone variant's own distortion); its mean over the
   group's figures; the crop-size window where that mean is highest.
4. The figures, under OUTDIR/<metric>/: comparison_<value> (the fragment of
   each variant, zoomed, labelled, in a stable order, a placeholder where a
   variant is missing), distortion_map_comparison_<value> (the same tiles
   of the distortion maps, on one colour scale for the group, with its
   legend), distortion_map_anisotropic and original_annotated.
"""

import io
import json
import math
import os
from array import array
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple, Optional

from PIL import Image

from . import diffmap, discovery, formats, grid, metrics, sampling, writer
from .compat import Resampling, image_math
from .modes import WHITE, opaque_rgb
from .transforms import fit_within, orientation_of, upright

METRICS = ("ssim", "bpp")
DEFAULT_TARGETS = (("ssim", (0.90, 0.95, 0.98)), ("bpp", (0.5, 1.0, 1.5)))
METRIC_TITLES = {"ssim": "matched quality", "bpp": "matched size"}
# Formats a study can encode: Pillow's name and the options it encodes with.
# AVIF gets one thread: a study already encodes in a second thread while the
# first computes distortion maps, and on two cores that is 10 % faster.
ENCODERS = {"jpeg": ("JPEG", {"optimize": True}), "webp": ("WEBP", {}),
            "avif": ("AVIF", {"max_threads": 1})}
TILE_PARAMETERS = ("format", "quality")
# Figures are written without loss: they exist to show compression artefacts.
# WebP's fastest lossless method is about 15 times faster than its default,
# for files about a tenth larger.
FIGURE_ENCODERS = {"webp": ("WEBP", {"lossless": True, "method": 0}), "png": ("PNG", {})}

QUALITY_RANGE = (1, 100)
PROBES = (20, 50, 80, 95)  # the qualities first measured on a sample
REFINEMENTS = 5  # interpolated probes after those, at most
# Close enough to a target not to correct a whole-image encode: SSIM
# within this much, bpp within this share of the target.
TOLERANCE = {"ssim": 0.005, "bpp": 0.05}
FIGURE_SIDE = 1200  # px: the longest side of the anisotropic map and annotated original
GRID_STEP_DIVISOR = 8  # the fragment window moves in steps of crop-size / 8


class StudyError(ValueError):
    """A study option is invalid; the message names the command-line option."""


@dataclass(frozen=True)
class Study:
    """The options of a comparison study: from --config, overridden by the command line."""
    targets: tuple = DEFAULT_TARGETS  # ((metric, (value, ...)), ...)
    formats: Optional[tuple] = None  # None: jpeg, webp, and avif where Pillow writes it
    tile_parameter: str = "format"
    crop_size: int = 128
    zoom: int = 3
    exclude: tuple = ()
    source_image: Optional[str] = None
    figure_format: str = "webp"

    def __post_init__(self):
        _check_targets(self.targets)
        for name, flag in (("formats", "--formats"), ("exclude", "--exclude")):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, tuple)
                                          and all(isinstance(item, str) for item in value)):
                raise StudyError(f"{flag}: give a list of names, not {value!r}")
        if self.formats is not None:
            unknown = [name for name in self.formats if name not in ENCODERS]
            if unknown or not self.formats:
                raise StudyError(f"--formats: choose from {', '.join(ENCODERS)} "
                                 f"(got {', '.join(self.formats) or 'none'})")
        if self.tile_parameter not in TILE_PARAMETERS:
            raise StudyError(f"--tile-parameter: choose from {', '.join(TILE_PARAMETERS)}, "
                             f"not {self.tile_parameter!r}")
        if not (isinstance(self.crop_size, int) and 16 <= self.crop_size <= 4096):
            raise StudyError(f"--crop-size: give a whole number of pixels from 16 to 4096, "
                             f"not {self.crop_size!r}")
        if not (isinstance(self.zoom, int) and 1 <= self.zoom <= 16):
            raise StudyError(f"--zoom: give a whole number from 1 to 16, not {self.zoom!r}")
        if self.source_image is not None and not isinstance(self.source_image, str):
            raise StudyError(f"--source-image: give a file name, not {self.source_image!r}")
        if self.figure_format not in FIGURE_ENCODERS:
            raise StudyError(f"--figure-format: choose from {', '.join(FIGURE_ENCODERS)}, "
                             f"not {self.figure_format!r}")

    def format_names(self):
        """The formats asked for; by default jpeg, webp, and avif where this Pillow writes it."""
        if self.formats is not None:
            return list(self.formats)
        return [name for name in ENCODERS if name != "avif" or can_encode(name)]


def _check_targets(targets):
    if not targets:
        raise StudyError("--target: give at least one group, like ssim=0.90,0.95,0.98")
    for metric, values in targets:
        if metric not in METRICS:
            raise StudyError(f"--target: the metric must be one of {', '.join(METRICS)}, "
                             f"not {metric!r}")
        if not values or len(set(values)) != len(values):
            raise StudyError(f"--target: give each value for {metric} once")
        for value in values:
            if metric == "ssim" and not 0 < value < 1:
                raise StudyError(f"--target: SSIM targets lie between 0 and 1, not {value}")
            if metric == "bpp" and not 0 < value <= 24:
                raise StudyError(f"--target: bpp targets lie above 0 and up to 24, not {value}")
    metrics_named = [metric for metric, _ in targets]
    if len(set(metrics_named)) != len(metrics_named):
        raise StudyError("--target: give each metric once")


def parse_target(text):
    """'ssim=0.90,0.95' → ('ssim', (0.9, 0.95)); StudyError when it does not parse."""
    metric, _, values = text.partition("=")
    try:
        numbers = tuple(float(value) for value in values.split(","))
    except ValueError:
        raise StudyError(f"--target: write METRIC=VALUE,VALUE..., like ssim=0.90,0.95; "
                         f"not {text!r}") from None
    targets = ((metric.strip().lower(), numbers),)
    _check_targets(targets)
    return targets[0]


def read_config(path):
    """The Study options a JSON file gives, as keyword arguments for Study.

    Keys: targets ({"ssim": [0.9, 0.95], "bpp": [1.0]}), formats, tile_parameter,
    crop_size, zoom, exclude, source_image, figure_format.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as error:
        raise StudyError(f"--config: cannot read {path}: {error}") from None
    if not isinstance(config, dict):
        raise StudyError(f"--config: {path} must hold a JSON object")
    known = {name for name in Study.__dataclass_fields__}
    unknown = sorted(set(config) - known)
    if unknown:
        raise StudyError(f"--config: unknown key {unknown[0]!r} in {path}; "
                         f"known: {', '.join(sorted(known))}")
    options = dict(config)
    if "targets" in options:
        if not isinstance(options["targets"], dict):
            raise StudyError('--config: "targets" must map metrics to lists of values, '
                             'like {"ssim": [0.9, 0.95]}')
        try:
            options["targets"] = tuple((metric, tuple(float(value) for value in values))
                                       for metric, values in options["targets"].items())
        except (TypeError, ValueError):
            raise StudyError(f'--config: the targets in {path} must be lists of numbers, '
                             'like {"ssim": [0.9, 0.95]}') from None
    for name in ("formats", "exclude"):
        if isinstance(options.get(name), list):
            options[name] = tuple(options[name])
    return options


# Results -------------------------------------------------------------------------

@dataclass(frozen=True)
class Measurement:
    quality: int
    bpp: float
    ssim: float

    def value(self, metric):
        return getattr(self, metric)


@dataclass(frozen=True)
class Variant:
    """The image encoded in one format at the quality matched to one target."""
    format: str
    target: float
    measurement: Measurement
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Missing:
    """A variant that could not be made, and why."""
    format: str
    target: float
    reason: str


@dataclass(frozen=True)
class GroupResult:
    metric: str
    source: str
    variants: tuple  # Variant or Missing, in figure order
    fragment: tuple  # (left, top, right, bottom)
    files: tuple  # the paths written


# Encoding and measuring ----------------------------------------------------------

def can_encode(format_name):
    return formats.can_write(ENCODERS[format_name][0])


def encode(image, format_name, quality):
    name, options = ENCODERS[format_name]
    return formats.save_to_bytes(image, name, quality=quality, **options)


def decode(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def bits_per_pixel(data, size):
    return 8 * len(data) / (size[0] * size[1])


def load_source(path):
    """An image file as the study sees it: upright, opaque, 8-bit RGB."""
    with Image.open(path) as image:
        image.load()
        image = upright(image, orientation_of(image))
        return opaque_rgb(image)


def sample_measure(sample, format_name):
    """measure(quality) → Measurement of the sample encoded at that quality, remembered."""
    measured = {}

    def measure(quality):
        if quality not in measured:
            data = encode(sample, format_name, quality)
            measured[quality] = Measurement(quality, bits_per_pixel(data, sample.size),
                                            metrics.ssim(sample, decode(data)))
        return measured[quality]
    return measure


def match_quality(measure, target, *, probes=PROBES, quality_range=QUALITY_RANGE,
                  refinements=REFINEMENTS):
    """The quality whose measure comes nearest to `target`.

    `measure(quality)` must rise with the quality, as bpp and SSIM do. After
    the probes, each step measures where the straight line between the two
    measured qualities around the target crosses it; it stops when that
    quality was measured already. A target beyond the measured values sends
    the next probe to the end of the quality range.
    """
    values = {quality: measure(quality) for quality in probes}
    for _ in range(refinements):
        quality = _crossing(values, target, quality_range)
        if quality in values:
            break
        values[quality] = measure(quality)
    return min(values, key=lambda quality: (abs(values[quality] - target), quality))


def _crossing(values, target, quality_range):
    """The next quality to measure: where the line between the measured qualities around
    the target crosses it, strictly between them while there is room (so a curved measure
    cannot stall the search at one end of the bracket)."""
    points = sorted(values.items())
    if target <= points[0][1]:
        return quality_range[0] if target < points[0][1] else points[0][0]
    for (q0, v0), (q1, v1) in zip(points, points[1:]):
        if v0 <= target <= v1 and v1 > v0:
            if q1 - q0 == 1 or target in (v0, v1):
                return q0 if target - v0 <= v1 - target else q1
            crossing = round(q0 + (target - v0) * (q1 - q0) / (v1 - v0))
            return min(max(crossing, q0 + 1), q1 - 1)
    return quality_range[1]


class Matcher:
    """Makes the variants of one image in one format, matched to targets of one metric.

    A target's quality is found on the sample; when the whole image encoded
    at it misses the target by more than the tolerance, the sample's target
    is shifted by the miss (a ratio for bpp, a difference for SSIM) and the
    whole image encoded once more. Of all the whole-image encodes made so
    far, for this target or earlier ones, the closest to the target is kept.
    """

    def __init__(self, image, luma, measure, format_name, metric):
        self.image, self.luma, self.measure = image, luma, measure
        self.format_name, self.metric = format_name, metric
        self._attempts = {}  # quality → _Attempt without its map: targets share qualities

    def quality_for(self, target):
        """The quality that hits the target on the sample."""
        return match_quality(self._on_sample, target)

    def encode(self, quality):
        return encode(self.image, self.format_name, quality)

    def variant(self, target, first=None):
        """(Variant, its distortion map).

        `first` is the whole image already encoded at quality_for(target),
        as (quality, data), by a caller that encodes ahead in another thread.
        """
        attempt = self._attempt(*first) if first else self._attempt(self.quality_for(target))
        made = [attempt]
        if not _close_enough(self.metric, attempt.value - target, target):
            made.append(self._attempt(match_quality(self._on_sample,
                                                    self._shifted(target, attempt))))
        chosen = min(self._attempts.values(), key=lambda known: abs(known.value - target))
        maps = {known.quality: known.distortion for known in made}
        distortion = maps.get(chosen.quality)
        if distortion is None:
            distortion = distortion_map(self.luma, decode(chosen.data))
        measurement = Measurement(chosen.quality, bits_per_pixel(chosen.data, self.image.size),
                                  1 - _valid_mean(distortion))
        return Variant(self.format_name, target, measurement, chosen.data), distortion

    def _on_sample(self, quality):
        return self.measure(quality).value(self.metric)

    def _shifted(self, target, attempt):
        """The sample's target that should hit `target` on the whole image."""
        on_sample = self._on_sample(attempt.quality)
        if self.metric == "bpp":
            return target * on_sample / attempt.value
        return target - (attempt.value - on_sample)

    def _attempt(self, quality, data=None):
        """The whole image encoded at a quality (unless `data` is that) and measured.

        Its distortion map comes along only when the metric needed it, and
        not when the attempt was made before.
        """
        if quality in self._attempts:
            return self._attempts[quality]
        if data is None:
            data = self.encode(quality)
        if self.metric == "bpp":
            attempt = _Attempt(quality, data, bits_per_pixel(data, self.image.size), None)
        else:
            distortion = distortion_map(self.luma, decode(data))
            attempt = _Attempt(quality, data, 1 - _valid_mean(distortion), distortion)
        self._attempts[quality] = attempt._replace(distortion=None)
        return attempt


class _Attempt(NamedTuple):
    quality: int
    data: bytes
    value: float
    distortion: Optional[Image.Image]


def _close_enough(metric, miss, target):
    allowed = TOLERANCE[metric] * (target if metric == "bpp" else 1)
    return abs(miss) <= allowed


def distortion_map(original, decoded):
    """1 − local SSIM: 0 where the variant keeps the original's local structure."""
    return metrics.ssim_map(original, decoded).point(lambda value: 1 - value)


def _valid_mean(distortion):
    """The map's mean where SSIM's window fits, as metrics.ssim averages it."""
    border = metrics.RADIUS
    width, height = distortion.size
    if min(width, height) <= 2 * border:
        return metrics.exact_mean(distortion)
    return metrics.exact_mean(distortion, (border, border, width - border, height - border))


# Choosing the image --------------------------------------------------------------

def coefficient_of_variation(values):
    """Population std / mean; 0 for fewer than two values or a zero mean."""
    if len(values) < 2:
        return 0.0
    average = sum(values) / len(values)
    if average == 0:
        return 0.0
    return math.sqrt(sum((value - average) ** 2 for value in values) / len(values)) / average


def variation(measures, metric, values):
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


def most_varied(paths, metric, values, measures_of):
    """The path whose variants vary most; `measures_of(path)` → {format: sample measure}."""
    return max(paths, key=lambda path: variation(list(measures_of(path).values()), metric,
                                                 values))


# The fragment ----------------------------------------------------------------------

def spread(maps):
    """The per-pixel (population) standard deviation of mode "F" maps."""
    count = len(maps)
    average = _summed(maps).point(lambda value: value / count)
    squares = [image_math(lambda x, m: (x - m) * (x - m), image, average)
               for image in maps]
    variance = _summed(squares).point(lambda value: value / count)
    return image_math(lambda v: v ** 0.5, variance)


def figure_heat(maps):
    """Where a figure's variants disagree (their spread); for a lone variant, its distortion."""
    return spread(maps) if len(maps) > 1 else maps[0]


def _summed(images):
    total = images[0]
    for image in images[1:]:
        total = image_math(lambda x, y: x + y, total, image)
    return total


def best_window(heat, size):
    """The box (left, top, right, bottom) of a size × size window with the highest mean heat.

    Windows start on a grid of size / 8 px: the map is averaged over blocks
    of that size and the blocks summed window by window. A side shorter
    than `size` gives the whole side.
    """
    width, height = heat.size
    box_width, box_height = min(size, width), min(size, height)
    step = max(1, size // GRID_STEP_DIVISOR)
    blocks = heat.reduce(step) if step > 1 else heat
    span_x, span_y = max(1, box_width // step), max(1, box_height // step)
    sums = _window_sums(blocks, span_x, span_y)
    values = array("f", sums.tobytes())
    best = max(range(len(values)), key=values.__getitem__)
    row, column = divmod(best, sums.width)
    left, top = min(column * step, width - box_width), min(row * step, height - box_height)
    return left, top, left + box_width, top + box_height


def _window_sums(blocks, span_x, span_y):
    """Sums of span_x × span_y neighbouring blocks, one per window position."""
    width, height = blocks.size
    span_x, span_y = min(span_x, width), min(span_y, height)
    columns = _summed([blocks.crop((k, 0, k + width - span_x + 1, height))
                       for k in range(span_x)])
    return _summed([columns.crop((0, k, columns.width, k + height - span_y + 1))
                    for k in range(span_y)])


# The figures ---------------------------------------------------------------------

def figure_plan(study, metric, values, format_names):
    """[(figure name, [(format, target value), ...]), ...] in a stable order.

    With tile parameter "format" there is a figure per target value and a
    tile per format; with "quality", a figure per format and a tile per
    target value. Tiles keep this order whether or not their variant exists.
    """
    if study.tile_parameter == "format":
        return [(value_name(value), [(name, value) for name in format_names])
                for value in values]
    return [(name, [(name, value) for value in values]) for name in format_names]


def value_name(value):
    return f"{value:g}"


def figure_title(source, metric, figure, tile_parameter):
    if tile_parameter == "quality":
        subject = figure.upper()
    else:
        subject = f"SSIM {figure}" if metric == "ssim" else f"{figure} bpp"
    return f"{os.path.basename(source)}: {subject}, {METRIC_TITLES[metric]}"


def tile_label(variant):
    """Two lines: format and quality (with the target), then bpp and SSIM."""
    target = f"target {value_name(variant.target)}"
    if isinstance(variant, Missing):
        return f"{variant.format.upper()}, {target}\nnot made"
    measured = variant.measurement
    return (f"{variant.format.upper()} q{measured.quality}, {target}\n"
            f"{measured.bpp:.2f} bpp, SSIM {measured.ssim:.3f}")


def fragment(variant, luma, box):
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


def comparison_figure(original_crop, crops, labels, *, zoom, title):
    """The fragment of the original, then of each variant (None: a placeholder), zoomed."""
    size = (original_crop.width * zoom, original_crop.height * zoom)
    tiles = [grid.zoomed(original_crop, zoom)] + [
        grid.placeholder(size, "not made") if crop is None else grid.zoomed(crop, zoom)
        for crop in crops]
    return grid.montage(tiles, ["original\n"] + labels, title=title)


def distortion_figure(maps, labels, *, size, zoom, high, title):
    """The fragment's distortion maps (None: a placeholder) on one scale, 0 to `high`."""
    zoomed_size = (size[0] * zoom, size[1] * zoom)
    tiles = [grid.placeholder(zoomed_size, "not made") if distortion is None
             else grid.zoomed(diffmap.colorize(distortion, high=high), zoom)
             for distortion in maps]
    figure = grid.montage(tiles, labels, title=title)
    bar = grid.legend_bar(diffmap.COLOUR_SCALE, 0.0, high, length=figure.width)
    return grid.attach(figure, bar, "below")


def anisotropic_figure(heat, box):
    """The anisotropic map, at most FIGURE_SIDE px, with its legend; the fragment outlined.

    The map is shrunk by averaging (a box filter): other filters ring on its fine texture.
    """
    scale = min(1.0, FIGURE_SIDE / max(heat.size))
    small = heat.resize((max(1, round(heat.width * scale)), max(1, round(heat.height * scale))),
                        Resampling.BOX)
    coloured = diffmap.colorize(small, legend=diffmap.legend_side(small.size))
    return grid.outlined(coloured, _scaled_box(box, small.width / heat.width), colour=WHITE)


def annotated_original(original, box):
    small = fit_within(original, FIGURE_SIDE, FIGURE_SIDE)
    return grid.outlined(small, _scaled_box(box, small.width / original.width))


def _scaled_box(box, scale):
    return tuple(round(value * scale) for value in box)


def group_figures(source, metric, study, plan, variants, original, heat, box):
    """[(file stem, figure), ...] for one target group."""
    luma = original.convert("L")
    fragments = {key: fragment(variant, luma, box) for key, variant in variants.items()
                 if isinstance(variant, Variant)}
    high = max([crop_map.getextrema()[1] for _, crop_map in fragments.values()] + [1e-3])
    size = (box[2] - box[0], box[3] - box[1])
    figures = []
    for name, tiles in plan:
        labels = [tile_label(variants[key]) for key in tiles]
        title = figure_title(source, metric, name, study.tile_parameter)
        crops = [fragments[key][0] if key in fragments else None for key in tiles]
        maps = [fragments[key][1] if key in fragments else None for key in tiles]
        figures.append((f"comparison_{name}", comparison_figure(
            original.crop(box), crops, labels, zoom=study.zoom, title=title)))
        figures.append((f"distortion_map_comparison_{name}", distortion_figure(
            maps, labels, size=size, zoom=study.zoom, high=high, title=f"{title}, 1 - SSIM")))
    figures.append(("distortion_map_anisotropic", anisotropic_figure(heat, box)))
    figures.append(("original_annotated", annotated_original(original, box)))
    return figures


def write_figures(folder, figures, figure_format):
    """Encode each figure and write it as folder/<stem>.<format>; the paths written."""
    os.makedirs(folder, exist_ok=True)
    format_name, options = FIGURE_ENCODERS[figure_format]
    written = []
    for stem, figure in figures:
        path = os.path.join(folder, f"{stem}.{figure_format}")
        writer.replace_file(path, formats.save_to_bytes(figure, format_name, **options))
        written.append(path)
    return written


# The run -------------------------------------------------------------------------

def candidates(source, study):
    """The image paths to choose from: the file itself, or the folder's images."""
    if not os.path.isdir(source):
        return [source]
    paths = [found.path for found in discovery.find_images([source], exclude=study.exclude)]
    if study.source_image is not None:
        wanted = study.source_image
        paths = [path for path in paths
                 if wanted in (os.path.basename(path), os.path.relpath(path, source), path)]
    return paths


def run(source, outdir, study):
    """Study an image, or per group the most telling image of a folder; write the figures.

    Returns one GroupResult per target group. Raises ValueError when there
    is no image to study, OSError when one cannot be read. The first
    whole-image encodes of every group begin at once, in another thread.
    """
    paths = candidates(source, study)
    if not paths:
        named = f" named {study.source_image}" if study.source_image else ""
        raise ValueError(f"no image{named} to study in {source}")
    format_names = study.format_names()
    load = lru_cache(maxsize=1)(load_source)  # a single image is loaded once
    samples = {}

    def measures_of(path):
        if path not in samples:
            sample = sampling.tiles(load(path))
            samples[path] = {name: sample_measure(sample, name) for name in format_names
                             if can_encode(name)}
        return samples[path]

    with ThreadPoolExecutor(max_workers=1) as encoder:
        groups = []
        for metric, values in study.targets:
            path = (paths[0] if len(paths) == 1
                    else most_varied(paths, metric, values, measures_of))
            plan = figure_plan(study, metric, values, format_names)
            groups.append(_Group.begin(path, load(path), measures_of(path), metric, plan,
                                       encoder))
        return [_finish(group, study, os.path.join(outdir, group.metric)) for group in groups]


@dataclass(frozen=True)
class _Group:
    """A target group under way: its image, figure plan, matchers and first encodes."""
    path: str
    original: Image.Image
    metric: str
    plan: list
    matchers: dict
    ahead: dict

    @classmethod
    def begin(cls, path, original, measures, metric, plan, encoder):
        luma = original.convert("L")
        matchers = {name: Matcher(original, luma, measure, name, metric)
                    for name, measure in measures.items()}
        return cls(path, original, metric, plan, matchers,
                   _encode_ahead(matchers, plan, encoder))


def _finish(group, study, folder):
    """Make the group's variants, find the fragment, write the figures."""
    variants = {}
    heat = _average(_figure_heats(group, variants), group.original.size)
    box = best_window(heat, study.crop_size)
    figures = group_figures(group.path, group.metric, study, group.plan, variants,
                            group.original, heat, box)
    files = write_figures(folder, figures, study.figure_format)
    ordered = tuple(variants[key] for _, tiles in group.plan for key in tiles)
    return GroupResult(group.metric, group.path, ordered, box, tuple(files))


def _figure_heats(group, variants):
    """Make each figure's variants, into `variants`; yield each figure's heat.

    A figure's distortion maps are dropped once its heat is made: at 12 MP
    each takes 48 MB.
    """
    for _, tiles in group.plan:
        maps = []
        for name, value in tiles:
            variants[name, value], distortion = _variant_or_missing(
                group.matchers.get(name), name, value, group.ahead)
            if distortion is not None:
                maps.append(distortion)
        if maps:
            yield figure_heat(maps)


def _average(images, size):
    """The per-pixel mean of mode "F" images, one at a time; zeros of `size` for none."""
    total, count = Image.new("F", size, 0.0), 0
    for image in images:
        total = image_math(lambda x, y: x + y, total, image)
        count += 1
    return total.point(lambda value: value / max(count, 1))


def _encode_ahead(matchers, plan, encoder):
    """{(format, target): (quality, future bytes)}: the first whole-image encodes, begun.

    Encoders let go of the interpreter, so a thread encodes the next variants
    while this one computes distortion maps (which holds it). It encodes a
    copy: Image.save keeps its options on the image object.
    """
    ahead, started = {}, {}
    for _, tiles in plan:
        for name, target in tiles:
            if name in matchers:
                matcher = matchers[name]
                quality = matcher.quality_for(target)
                if (name, quality) not in started:
                    started[name, quality] = encoder.submit(
                        _encode_copy, matcher.image, name, quality)
                ahead[name, target] = quality, started[name, quality]
    return ahead


def _encode_copy(image, format_name, quality):
    return encode(image.copy(), format_name, quality)


def _variant_or_missing(matcher, name, value, ahead):
    """(Variant, distortion map), or (Missing, None) when it cannot be made."""
    if matcher is None:
        return Missing(name, value, f"this Pillow cannot write {name.upper()}"), None
    quality, encoding = ahead[name, value]
    try:
        return matcher.variant(value, (quality, encoding.result()))
    except (OSError, ValueError) as error:  # an encoder refusing these pixels or options
        return Missing(name, value, f"{name.upper()} could not encode it: {error}"), None
