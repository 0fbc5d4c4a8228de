"""JPEG: the quality search, then one full encode with optimized Huffman tables,
baseline or progressive, whichever codes the photo in fewer bytes.

The tables and the estimate of a file's quality are in `jpeg_tables`.
"""

from typing import Any, Dict, List, Optional, Tuple

from PIL import Image

from ...common.modes import flatten, has_alpha, to_8bit
from ...common.settings import Settings
from ...measure import quality, sampling
from .base import (MARKER, MARKER_TEXT, Details, Encoded, EncoderResult, Inspection, Job, NoGain,
                   WorkingMemory, save_to_bytes)
from .contract import Format, Role
from .jpeg_tables import (MOZJPEG_TABLE, SUBSAMPLING_NAMES, estimate_quality, match_tables, scaled,
                          standard_tables, subsampling_of)
from .lossy import choose_quality, roundtrip_with

NAME = "JPEG"
# The memory a conversion needs, a pixel (see working_memory).
BYTES_PER_PIXEL = {"opaque": 9, "flattened": 18}
# The classic mode's rule, as optimize-images 2.x has it: progressive above this size.
PROGRESSIVE_ABOVE = 10_000
# After a luma search the chroma table is never coarser than this quality's (_chroma_level).
CHROMA_FLOOR = 70


def inspect(image: Image.Image, data: bytes) -> Inspection:
    """The quality its tables show and its chroma subsampling."""
    return Inspection(quality=estimate_quality(image), subsampling=subsampling_of(image))


def prepare(image: Image.Image, settings: Settings) -> Image.Image:
    """JPEG stores L, RGB and CMYK; transparency goes over the background colour (after
    16 bits become 8, which turns a 16-bit key into alpha)."""
    image = to_8bit(image)
    if has_alpha(image):
        image = flatten(image, settings.background)
    if image.mode in ("L", "RGB", "CMYK"):
        return image
    return image.convert("L" if image.mode == "1" else "RGB")


def encode(image: Image.Image, job: Job) -> EncoderResult:
    """The `Encoded` image, or `NoGain` when the source is already at (or below) the
    quality we would choose."""
    settings = job.settings
    chosen = _choose_quality(image, settings, job.source_quality)
    if isinstance(chosen, NoGain):
        return chosen
    choice_quality, metric_name, metric_value = chosen
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


def _classic(settings: Settings) -> bool:
    """The classic search (--metric sad) encodes as optimize-images 2.x did."""
    return settings.metric == "sad"


def _in_fewer_bytes(image: Image.Image, coding: Dict[str, Any],
                    metadata: Dict[str, Any]) -> bytes:
    """The image encoded baseline or progressive, whichever takes fewer bytes.

    Progressive scans save 3-7% on detailed photos but cost 3-10% more on
    smooth, high-resolution ones (below about 0.5 bit per pixel), and they
    take twice as long to encode and to decode again. Which one wins is tried
    on a small mosaic of full-resolution tiles (`sampling.few_tiles`): on 43
    photos it chose as the full images would have 40 times, 0.02% of the
    bytes from the better of the two. An image no bigger than that mosaic is
    encoded both ways.
    """
    sample = sampling.few_tiles(image)
    if sample is image:
        return min((save_to_bytes(image, NAME, progressive=progressive, **coding, **metadata)
                    for progressive in (False, True)), key=len)
    baseline, progressive = (len(save_to_bytes(sample, NAME, progressive=progressive, **coding))
                             for progressive in (False, True))
    return save_to_bytes(image, NAME, progressive=progressive < baseline, **coding, **metadata)


def _choose_quality(image, settings, source_quality):
    """(quality, metric name, metric value) for this image, or `NoGain`.

    The source's own quality caps the search, and a source already at (or
    below) the quality we would choose is not encoded at all: re-encoding it
    could only add generation loss. Unless the quality is fixed, that is
    known before the search when the source is at or below the lowest
    quality the search may choose.
    """
    if settings.quality is None and not settings.fast_mode:
        lowest = quality.plan_for(settings).low
        if _not_above(source_quality, lowest):
            return NoGain(source_quality, lowest)
    roundtrip = roundtrip_with(
        NAME, lambda sample, level: {"qtables": tables_for(sample.mode, settings, level)})
    chosen = choose_quality(image, settings, roundtrip, fixed=settings.quality,
                            ceiling=source_quality, luma_apart=True)
    if settings.quality is None and _not_above(source_quality, chosen[0]):
        return NoGain(source_quality, chosen[0])
    return chosen


def _not_above(source_quality: Optional[int], level: int) -> bool:
    return source_quality is not None and source_quality <= level


def tables_for(mode: str, settings: Settings, level: int) -> List[Tuple[int, ...]]:
    """The quantization tables for a quality: luma, then chroma unless `mode` is L.

    -jt auto means mozjpeg's table, for luma and chroma alike: judged by
    butteraugli over a grid of encodings (benchmarks/oracle.py), it left less
    visible damage than libjpeg's tables at the same SSIM, most of all in
    colour, which SSIM does not see; with the classic search it also saved the
    most. The tables are scaled here as libjpeg scales its own, because
    Pillow 9.5 scales custom tables by the quality number itself (newer
    releases use libjpeg's curve): this way every Pillow writes the same tables.
    """
    luma, chroma = standard_tables() if settings.jpeg_tables == "standard" else (
        MOZJPEG_TABLE, MOZJPEG_TABLE)
    if mode == "L":
        return [scaled(luma, level)]
    return [scaled(luma, level), scaled(chroma, _chroma_level(settings, level))]


def _chroma_level(settings: Settings, level: int) -> int:
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


def subsampling_for(mode: str, settings: Settings,
                    source_subsampling: Optional[int]) -> Optional[int]:
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


def working_memory(job: Job) -> WorkingMemory:
    """(bytes a pixel of the image that the work needs, what it is), as
    benchmarks/memory.py measured them; a transparent source is flattened first."""
    return BYTES_PER_PIXEL["flattened" if job.source_alpha else "opaque"], "JPEG"


def is_marked(image: Image.Image) -> bool:
    return (image.info.get("comment") or b"").startswith(MARKER.encode())


def details(image: Image.Image, data: bytes) -> Details:
    """What -i tells about a JPEG: its quality and tables, subsampling, progressive scans."""
    lines: List[Tuple[str, str]] = []
    match = match_tables(image)
    if match:
        name = _FAMILY_NAMES[match.family]
        lines += [("JPEG quality", f"{match.quality} (estimated from its quantization tables)"),
                  ("JPEG tables", name if match.exact else f"its own, nearest to {name}")]
    return (*lines, ("subsampling", _subsampling_name(image)),
            ("progressive", "yes" if image.info.get("progressive") else "no"))


_FAMILY_NAMES = {"standard": "libjpeg's standard tables", "mozjpeg": "mozjpeg's table"}


def _subsampling_name(image: Image.Image) -> str:
    value = subsampling_of(image)
    if value is not None:
        return SUBSAMPLING_NAMES[value]
    factors = [layer[1:3] for layer in getattr(image, "layer", ())]
    if len(factors) <= 1:
        return "none (one component)"
    if len(set(factors)) == 1:
        return f"none ({image.mode}: every component at full resolution)"
    return "other: sampling factors " + " ".join(f"{h}x{v}" for h, v in factors)


FORMAT = Format(
    name=NAME, extensions=(".jpg", ".jpeg", ".jpe", ".jfif"), role=Role.IN_PLACE,
    inspect=inspect, details=details, codec="jpg", prepare=prepare, encode=encode,
    is_marked=is_marked, working_memory=working_memory)
