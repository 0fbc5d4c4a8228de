"""JPEG: the quality search, then one full encode with optimized Huffman tables."""

import io
from functools import lru_cache

from PIL import Image

from .. import quality
from ..errors import Skip
from ..transforms import flatten, has_alpha, to_8bit
from .base import MARKER, MARKER_TEXT, Encoded, choose_quality, roundtrip_with, save_to_bytes

NAME = "JPEG"
EXTENSION = ".jpg"
# Progressive scans pay off above about this size (as optimize-images 2.x does).
PROGRESSIVE_ABOVE = 10_000

# mozjpeg's default quantization table (index 3, by N. Robidoux), used for
# luma and chroma alike; libjpeg scales it by quality as it does its own.
MOZJPEG_TABLE = [
    16, 16, 16, 18, 25, 37, 56, 85,
    16, 17, 20, 27, 34, 40, 53, 75,
    16, 20, 24, 31, 43, 62, 91, 135,
    18, 27, 31, 40, 53, 74, 106, 156,
    25, 34, 43, 53, 69, 94, 131, 189,
    37, 40, 62, 74, 94, 124, 169, 238,
    56, 53, 91, 106, 131, 169, 226, 311,
    85, 75, 135, 156, 189, 238, 311, 418,
]


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
    data = save_to_bytes(
        image, NAME,
        comment=MARKER_TEXT.encode(),
        **_tables_for(image, settings, choice_quality),
        optimize=True,
        progressive=job.source_size > PROGRESSIVE_ABOVE,
        icc_profile=job.icc_profile,
        exif=job.exif,
        dpi=job.dpi,
    )
    return Encoded(data, quality=choice_quality, metric=metric_name, metric_value=metric_value)


def _choose_quality(image, settings, source_quality):
    """(quality, metric name, metric value) for this image.

    A JPEG source already at (or below) the quality we would choose is
    skipped: re-encoding it could only add generation loss for no gain.
    """
    if settings.quality is None and not settings.fast_mode:
        _skip_if_not_above(source_quality, quality.plan_for(settings).low)
    roundtrip = roundtrip_with(NAME, lambda level: _tables_for(image, settings, level))
    chosen = choose_quality(image, settings, roundtrip, fixed=settings.quality,
                            ceiling=source_quality)
    if settings.quality is None:
        _skip_if_not_above(source_quality, chosen[0])
    return chosen


def _skip_if_not_above(source_quality, chosen):
    if source_quality is not None and source_quality <= chosen:
        raise Skip(f"already at quality {source_quality}, not above the {chosen} we would use")


def _tables_for(image, settings, level):
    """Encoder parameters for a quality: libjpeg's tables, or mozjpeg's scaled here.

    "auto" picks what measured smaller on our photo corpus: with the classic
    SAD search (a fixed 75-80 range, as in 2.2.0) mozjpeg's table saved 33.8%
    against 30.1%; with an SSIM target the standard tables saved 31.4% against
    25.1%, since mozjpeg's table needs a higher quality to reach the target.
    mozjpeg's table is scaled here, as libjpeg scales its own, because Pillow
    9.5 scales custom tables by the quality number itself (newer releases use
    libjpeg's curve): this way every version writes the same tables.
    """
    choice = settings.jpeg_tables
    if choice == "auto":
        choice = "mozjpeg" if settings.metric == "sad" else "standard"
    if choice not in ("mozjpeg", "mozjpeg3"):
        return {"quality": level}
    components = 1 if image.mode == "L" else 2
    return {"qtables": [_scaled(MOZJPEG_TABLE, level)] * components}


def is_marked(image):
    return (image.info.get("comment") or b"").startswith(MARKER.encode())


def estimate_quality(image):
    """The libjpeg quality (1-100) whose tables best match this JPEG's, or None.

    Compares the luma table (and the chroma table when there is one) with the
    standard tables and with mozjpeg's, both scaled as libjpeg scales them.
    Cameras use tables of their own; the estimate is then the closest match.
    """
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    observed = [list(tables[index]) for index in sorted(tables)[:2]]
    best = min((_table_distance(observed, family, level), level)
               for family in (_standard_tables(), (MOZJPEG_TABLE, MOZJPEG_TABLE))
               for level in _likely_levels(observed[0], family[0]))
    return best[1]


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


def _scaled(base, level):
    scale = 5000 // level if level < 50 else 200 - 2 * level
    return [min(255, max(1, (value * scale + 50) // 100)) for value in base]


@lru_cache(maxsize=1)
def _standard_tables():
    """libjpeg's base tables (quality 50), read back from a tiny encode."""
    data = save_to_bytes(Image.new("RGB", (8, 8)), NAME, quality=50)
    with Image.open(io.BytesIO(data)) as probe:
        return tuple(list(probe.quantization[index]) for index in (0, 1))
