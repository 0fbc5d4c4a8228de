"""The compare command's work: per group of targets, its image, variants, fragment and figures.

The first whole-image encodes of every group begin at once, in another
thread, while this one computes distortion maps.
"""

import os
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterator, List, Optional, Tuple

from PIL import Image

from ...measure import sampling
from ...measure.fragment import average, best_window, figure_heat
from .figures import Box, Plan, Tile, figure_plan, group_figures, write_figures
from .images import candidates, load_source, most_varied
from .matching import Made, Matcher, Measure, Missing, can_encode, encode, sample_measure
from .options import CompareOptions

# {(format, target): (quality, its whole-image encode under way)}
Ahead = Dict[Tile, Tuple[int, Future[bytes]]]


@dataclass(frozen=True)
class GroupResult:
    metric: str
    source: str
    variants: Tuple[Made, ...]  # in figure order
    fragment: Box
    files: Tuple[str, ...]  # the paths written


def study_groups(source: str, outdir: str, options: CompareOptions) -> List[GroupResult]:
    """Study an image, or per group the most telling image of a folder; write the figures.

    Returns one GroupResult per target group. Raises ValueError when there
    is no image to options, OSError when one cannot be read. The first
    whole-image encodes of every group begin at once, in another thread.
    """
    paths = candidates(source, options)
    if not paths:
        named = f" named {options.source_image}" if options.source_image else ""
        raise ValueError(f"no image{named} to study in {source}")
    format_names = options.format_names()
    load = lru_cache(maxsize=1)(load_source)  # a single image is loaded once
    samples: Dict[str, Dict[str, Measure]] = {}

    def measures_of(path: str) -> Dict[str, Measure]:
        if path not in samples:
            sample = sampling.few_tiles(load(path))
            samples[path] = {name: sample_measure(sample, name) for name in format_names
                             if can_encode(name)}
        return samples[path]

    with ThreadPoolExecutor(max_workers=1) as encoder:
        groups = []
        for metric, values in options.targets:
            path = (paths[0] if len(paths) == 1
                    else most_varied(paths, metric, values, measures_of))
            plan = figure_plan(options, metric, values, format_names)
            groups.append(_Group.begin(path, load(path), measures_of(path), metric, plan,
                                       encoder))
        return [_finish(group, options, os.path.join(outdir, group.metric)) for group in groups]


@dataclass(frozen=True)
class _Group:
    """A target group under way: its image, figure plan, matchers and first encodes."""
    path: str
    original: Image.Image
    metric: str
    plan: Plan
    matchers: Dict[str, Matcher]
    ahead: Ahead

    @classmethod
    def begin(cls, path: str, original: Image.Image, measures: Dict[str, Measure], metric: str,
              plan: Plan, encoder: Executor) -> "_Group":
        luma = original.convert("L")
        matchers = {name: Matcher(original, luma, measure, name, metric)
                    for name, measure in measures.items()}
        return cls(path, original, metric, plan, matchers,
                   _encode_ahead(matchers, plan, encoder))


def _finish(group: _Group, options: CompareOptions, folder: str) -> GroupResult:
    """Make the group's variants, find the fragment, write the figures."""
    variants: Dict[Tile, Made] = {}
    heat = average(_figure_heats(group, variants), group.original.size)
    box = best_window(heat, group.original.convert("L"), options.crop_size)
    figures = group_figures(group.path, group.metric, options, group.plan, variants,
                            group.original, heat, box)
    files = write_figures(folder, figures, options.figure_format)
    ordered = tuple(variants[key] for _, tiles in group.plan for key in tiles)
    return GroupResult(group.metric, group.path, ordered, box, tuple(files))


def _figure_heats(group: _Group, variants: Dict[Tile, Made]) -> Iterator[Image.Image]:
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


def _encode_ahead(matchers: Dict[str, Matcher], plan: Plan, encoder: Executor) -> Ahead:
    """{(format, target): (quality, future bytes)}: the first whole-image encodes, begun.

    Encoders let go of the interpreter, so a thread encodes the next variants
    while this one computes distortion maps (which holds it). It encodes a
    copy: Image.save keeps its options on the image object.
    """
    ahead: Ahead = {}
    started: Dict[Tuple[str, int], Future[bytes]] = {}
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


def _encode_copy(image: Image.Image, format_name: str, quality: int) -> bytes:
    return encode(image.copy(), format_name, quality)


def _variant_or_missing(matcher: Optional[Matcher], name: str, value: float,
                        ahead: Ahead) -> Tuple[Made, Optional[Image.Image]]:
    """(Variant, distortion map), or (Missing, None) when it cannot be made."""
    if matcher is None:
        return Missing(name, value, f"this Pillow cannot write {name.upper()}"), None
    quality, encoding = ahead[name, value]
    try:
        return matcher.variant(value, (quality, encoding.result()))
    except (OSError, ValueError) as error:  # an encoder refusing these pixels or options
        return Missing(name, value, f"{name.upper()} could not encode it: {error}"), None
