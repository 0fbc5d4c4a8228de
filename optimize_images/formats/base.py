"""Values shared by the format modules and the pipeline."""

import io
from dataclasses import dataclass
from typing import Optional

from .. import __version__
from ..settings import Settings

# Every file we write carries this text (a JPEG comment, a PNG tEXt chunk, WebP
# XMP), so later runs can skip it instead of re-encoding it night after night.
MARKER = "optimize-images"
MARKER_TEXT = f"{MARKER} {__version__}"


@dataclass(frozen=True)
class Job:
    """What an encoder needs to know besides the pixels."""
    settings: Settings
    source_format: str
    source_size: int
    icc_profile: Optional[bytes] = None
    exif: Optional[bytes] = None
    dpi: Optional[tuple] = None
    lossless_source: bool = False
    source_quality: Optional[int] = None  # estimated, for JPEG sources


@dataclass(frozen=True)
class Encoded:
    data: bytes
    quality: Optional[int] = None
    metric: Optional[str] = None
    metric_value: Optional[float] = None


def save_to_bytes(image, format_name, **params):
    """Encode in memory: never let Pillow write (and truncate) a real file."""
    buffer = io.BytesIO()
    image.save(buffer, format_name, **{k: v for k, v in params.items() if v is not None})
    return buffer.getvalue()
