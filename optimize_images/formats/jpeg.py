"""JPEG: the quality search, then one full encode with optimized Huffman tables,
baseline or progressive, whichever codes the photo in fewer bytes."""

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, JpegImagePlugin

from .. import quality, sampling
from ..errors import Skip
from ..modes import flatten, has_alpha, to_8bit
from .base import (MARKER, MARKER_TEXT, Encoded, Facts, Role, choose_quality, roundtrip_with,
                   save_to_bytes)

NAME = "JPEG"
EXTENSIONS = (".jpg", ".jpeg", ".jpe", ".jfif")
ROLE = Role.IN_PLACE
CODEC = "jpg"
# The memory a conversion needs, a pixel (see working_memory).
BYTES_PER_PIXEL = {"opaque": 9, "flattened": 18}
# The classic mode's rule, as optimize-images 2.x has it: progressive above this size.
PROGRESSIVE_ABOVE = 10_000
# After a luma search the chroma table is never coarser than this quality's (_chroma_level).
CHROMA_FLOOR = 70

# mozjpeg's default quantization table (index 3, by N. Robidoux), used for
# luma and chroma alike; libjpeg scales it by quality as it does its own.
MOZJPEG_TABLE = (
    16, 16, 16, 18, 25, 37, 56, 85,
    16, 17, 20, 27, 34, 40, 53, 75,
    16, 20, 24, 31, 43, 62, 91, 135,
    18, 27, 31, 40, 53, 74, 106, 156,
    25, 34, 43, 53, 69, 94, 131, 189,
    37, 40, 62, 74, 94, 124, 169, 238,
    56, 53, 91, 106, 131, 169, 226, 311,
    85, 75, 135, 156, 189, 238, 311, 418,
)


def inspect(image, data):
    """The quality its tables show and its chroma subsampling."""
    return Facts(quality=estimate_quality(image), subsampling=subsampling_of(image))


def prepare(image, settings):
    """JPEG stores L, RGB and CMYK; transparency goes over the background colour."""
    if has_alpha(image):
        image = flatten(image, settings.background)
    image = to_8bit(image)
    if image.mode in ("L", "RGB", "CMYK"):
        return image
    return image.convert("L" if image.mode == "1" else "RGB")


def encode(image, job):
    settings = job.settings
    choice_quality, metric_name, metric_value = _choose_quality(image, settings, job.source_quality)
    coding = {"qtables": tables_for(image.mode, settings, choice_quality),
              "subsampling": subsampling_for(image.mode, settings, job.source_subsampling),
              "optimize": True}
    metadata = {"comment": MARKER_TEXT.encode(), "icc_profile": job.icc_profile,
                "exif": job.exif, "dpi": job.dpi}
    if _classic(settings):
        data = save_to_bytes(image, NAME, progressive=job.source_size > PROGRESSIVE_ABOVE,
                             **coding, **metadata)
    else:
        data = _in_fewer_bytes(image, coding, metadata)
    return Encoded(data, quality=choice_quality, metric=metric_name, metric_value=metric_value)


def _classic(settings):
    """The classic search (--metric sad) encodes as optimize-images 2.x did."""
    return settings.metric == "sad"


def _in_fewer_bytes(image, coding, metadata):
    """The image encoded baseline or progressive, whichever takes fewer bytes.

    Progressive scans save 3-7% on detailed photos but cost 3-10% more on
    smooth, high-resolution ones (below about 0.5 bit per pixel), and they
    take twice as long to encode and to decode again. Which one wins is tried
    on the sample of full-resolution tiles: on 43 photos it chose as the full
    images would have 40 times, 0.02% of the bytes from the better of the
    two. An image no bigger than the sample is encoded both ways.
    """
    sample = sampling.tiles(image)
    if sample is image:
        return min((save_to_bytes(image, NAME, progressive=progressive, **coding, **metadata)
                    for progressive in (False, True)), key=len)
    baseline, progressive = (len(save_to_bytes(sample, NAME, progressive=progressive, **coding))
                             for progressive in (False, True))
    return save_to_bytes(image, NAME, progressive=progressive < baseline, **coding, **metadata)


def _choose_quality(image, settings, source_quality):
    """(quality, metric name, metric value) for this image.

    A JPEG source already at (or below) the quality we would choose is
    skipped: re-encoding it could only add generation loss for no gain.
    """
    if settings.quality is None and not settings.fast_mode:
        _skip_if_not_above(source_quality, quality.plan_for(settings).low)
    roundtrip = roundtrip_with(
        NAME, lambda sample, level: {"qtables": tables_for(sample.mode, settings, level)})
    chosen = choose_quality(image, settings, roundtrip, fixed=settings.quality,
                            ceiling=source_quality, luma_apart=True)
    if settings.quality is None:
        _skip_if_not_above(source_quality, chosen[0])
    return chosen


def _skip_if_not_above(source_quality, chosen):
    if source_quality is not None and source_quality <= chosen:
        raise Skip(f"already at quality {source_quality}, not above the {chosen} we would use")


def tables_for(mode, settings, level):
    """The quantization tables for a quality: luma, then chroma unless `mode` is L.

    -jt auto means mozjpeg's table, for luma and chroma alike: judged by
    butteraugli over a grid of encodings (benchmarks/oracle.py), it left less
    visible damage than libjpeg's tables at the same SSIM, most of all in
    colour, which SSIM does not see; with the classic search it also saved the
    most. The tables are scaled here as libjpeg scales its own, because
    Pillow 9.5 scales custom tables by the quality number itself (newer
    releases use libjpeg's curve): this way every Pillow writes the same tables.
    """
    luma, chroma = _standard_tables() if settings.jpeg_tables == "standard" else (
        MOZJPEG_TABLE, MOZJPEG_TABLE)
    if mode == "L":
        return [_scaled(luma, level)]
    return [_scaled(luma, level), _scaled(chroma, _chroma_level(settings, level))]


def _chroma_level(settings, level):
    """The quality of the chroma table: the luma's, or CHROMA_FLOOR after a luma search.

    The SSIM searches compare lumas, so they cannot see what a low quality
    does to colour. Judged by butteraugli (benchmarks/versus.py), the worst
    photos of the default run were colour damage at luma qualities in the
    50s: a chroma table kept at quality 70 took the corpus's worst distance
    from 4.09 to 3.00 and its mean from 1.43 to 1.35 for 0.9 points of bytes
    (65: 3.36; 75: 2.89 for 0.4 points more). A quality the user fixed
    (-q, -fm) and the classic search keep one quality for both tables.
    """
    searched = (settings.quality is None and not settings.fast_mode
                and settings.metric in quality.LUMA_METRICS)
    return max(level, CHROMA_FLOOR) if searched else level


def subsampling_for(mode, settings, source_subsampling):
    """Chroma subsampling for an RGB image: 4:2:0, or 4:2:2 for a source that had
    4:2:2 or 4:4:4.

    Butteraugli sees the colour resolution a 4:2:2 source loses at 4:2:0 far
    more than the few bytes it saves, and SSIM (luma) does not see it at all
    (benchmarks/oracle.py; the README has the figures). A 4:4:4 source gets
    4:2:2: keeping 4:4:4 cost a third more bytes for little. The classic
    search keeps 2.x's 4:2:0.
    """
    if mode != "RGB":
        return None  # one component, or CMYK: Pillow's own choice
    finer = not _classic(settings) and source_subsampling in (0, 1)
    return 1 if finer else 2


def subsampling_of(image):
    """A JPEG's chroma subsampling as Pillow numbers it (0 4:4:4, 1 4:2:2, 2 4:2:0), or None."""
    value = JpegImagePlugin.get_sampling(image)
    return value if value in (0, 1, 2) else None


def working_memory(job):
    """(bytes a pixel of the image that the work needs, what it is), as
    benchmarks/memory.py measured them; a transparent source is flattened first."""
    return BYTES_PER_PIXEL["flattened" if job.source_alpha else "opaque"], "JPEG"


def is_marked(image):
    return (image.info.get("comment") or b"").startswith(MARKER.encode())


def estimate_quality(image):
    """The libjpeg quality (1-100) whose tables best match this JPEG's, or None."""
    match = match_tables(image)
    return match.quality if match else None


@dataclass(frozen=True)
class TableMatch:
    quality: int
    family: str  # the -jt name of the tables that match best: 'standard' or 'mozjpeg'
    exact: bool  # the file's tables are those, scaled to `quality`


def match_tables(image):
    """The `TableMatch` of this JPEG's tables, or None when it has none.

    Compares the luma table (and the chroma table when there is one) with the
    standard tables and with mozjpeg's, both scaled as libjpeg scales them.
    Cameras use tables of their own; the match is then the closest, not exact.
    """
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    observed = [list(tables[index]) for index in sorted(tables)[:2]]
    distance, level, family = min(
        (_table_distance(observed, bases, level), level, family)
        for family, bases in (("standard", _standard_tables()),
                              ("mozjpeg", (MOZJPEG_TABLE, MOZJPEG_TABLE)))
        for level in _likely_levels(observed[0], bases[0]))
    return TableMatch(level, family, distance == 0)


def describe(image, data):
    """What -i tells about a JPEG: its quality and tables, subsampling, progressive scans."""
    facts = []
    match = match_tables(image)
    if match:
        name = _FAMILY_NAMES[match.family]
        facts += [("JPEG quality", f"{match.quality} (estimated from its quantization tables)"),
                  ("JPEG tables", name if match.exact else f"its own, nearest to {name}")]
    return (*facts, ("subsampling", _subsampling_name(image)),
            ("progressive", "yes" if image.info.get("progressive") else "no"))


_FAMILY_NAMES = {"standard": "libjpeg's standard tables", "mozjpeg": "mozjpeg's table"}


def _subsampling_name(image):
    value = subsampling_of(image)
    if value is not None:
        return {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}[value]
    factors = [layer[1:3] for layer in getattr(image, "layer", ())]
    if len(factors) <= 1:
        return "none (one component)"
    if len(set(factors)) == 1:
        return f"none ({image.mode}: every component at full resolution)"
    return "other: sampling factors " + " ".join(f"{h}x{v}" for h, v in factors)


def _likely_levels(observed, base, spread=6):
    """Qualities near the one whose scale factor the table's entries show.

    Checking a window instead of all 100 qualities keeps the estimate cheap
    (it runs for every JPEG). The scale is the median ratio of the entries
    that were not clamped to 1 or 255.
    """
    ratios = sorted(value / reference for value, reference in zip(observed, base)
                    if 1 < value < 255)
    if not ratios:
        return range(1, 101)
    scale = 100.0 * ratios[len(ratios) // 2]
    guess = round(5000 / scale) if scale > 100 else round((200 - scale) / 2)
    return range(max(1, guess - spread), min(100, guess + spread) + 1)


def _table_distance(observed, family, level):
    return sum(abs(value - expected)
               for table, base in zip(observed, family)
               for value, expected in zip(table, _scaled(base, level)))


@lru_cache(maxsize=512)
def _scaled(base, level):
    """A base table (a tuple) scaled to a quality as libjpeg scales it; cached, because
    every JPEG's quality estimate compares its tables with a few dozen of these."""
    scale = 5000 // level if level < 50 else 200 - 2 * level
    return tuple(min(255, max(1, (value * scale + 50) // 100)) for value in base)


@lru_cache(maxsize=1)
def _standard_tables():
    """libjpeg's base tables (quality 50), read back from a tiny encode."""
    data = save_to_bytes(Image.new("RGB", (8, 8)), NAME, quality=50)
    with Image.open(io.BytesIO(data)) as probe:
        return tuple(tuple(probe.quantization[index]) for index in (0, 1))
