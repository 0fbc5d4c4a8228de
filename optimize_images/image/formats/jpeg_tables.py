"""JPEG's coding parameters, apart from the encoder (as Pillow keeps its JPEG presets apart
from its JPEG plugin): quantization tables scaled to a quality, the quality a file's own
tables show, and its chroma subsampling."""

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

from PIL import Image, JpegImagePlugin

from .base import save_to_bytes

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
Table = Tuple[int, ...]  # 64 values, in natural (row by row) order
# Pillow's numbers for chroma subsampling, as people say them.
SUBSAMPLING_NAMES = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}


@lru_cache(maxsize=512)
def scaled(base: Table, level: int) -> Table:
    """A base table (a tuple) scaled to a quality as libjpeg scales it; cached, because
    every JPEG's quality estimate compares its tables with a few dozen of these."""
    scale = 5000 // level if level < 50 else 200 - 2 * level
    return tuple(min(255, max(1, (value * scale + 50) // 100)) for value in base)


@lru_cache(maxsize=1)
def standard_tables() -> Tuple[Table, ...]:
    """libjpeg's base tables (quality 50), luma and chroma, read back from a tiny encode."""
    data = save_to_bytes(Image.new("RGB", (8, 8)), "JPEG", quality=50)
    with Image.open(io.BytesIO(data)) as probe:
        tables = probe.quantization  # type: ignore[attr-defined]  # set by the JPEG plugin
        return tuple(tuple(tables[index]) for index in (0, 1))


def estimate_quality(image: Image.Image) -> Optional[int]:
    """The libjpeg quality (1-100) whose tables best match this JPEG's, or None."""
    match = match_tables(image)
    return match.quality if match else None


@dataclass(frozen=True)
class TableMatch:
    quality: int
    family: str  # the -jt name of the tables that match best: 'standard' or 'mozjpeg'
    exact: bool  # the file's tables are those, scaled to `quality`


def match_tables(image: Image.Image) -> Optional[TableMatch]:
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
        for family, bases in (("standard", standard_tables()),
                              ("mozjpeg", (MOZJPEG_TABLE, MOZJPEG_TABLE)))
        for level in _likely_levels(observed[0], bases[0]))
    return TableMatch(level, family, distance == 0)


def _likely_levels(observed: List[int], base: Table, spread: int = 6) -> range:
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


def _table_distance(observed: List[List[int]], family: Sequence[Table], level: int) -> int:
    return sum(abs(value - expected)
               for table, base in zip(observed, family)
               for value, expected in zip(table, scaled(base, level)))


def subsampling_of(image: Image.Image) -> Optional[int]:
    """A JPEG's chroma subsampling as Pillow numbers it (0 4:4:4, 1 4:2:2, 2 4:2:0), or None."""
    value = JpegImagePlugin.get_sampling(image)
    return value if value in SUBSAMPLING_NAMES else None
