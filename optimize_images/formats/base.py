"""Values shared by the format modules and the pipeline: roles, facts, jobs, encodings."""

import io
from dataclasses import dataclass
from enum import Enum
from typing import Optional

from PIL import Image

from .. import quality
from ..version import __version__
from ..settings import DEFAULT_LOSSY_QUALITY, Settings
from ..modes import has_alpha, to_8bit

# Every file we write carries this text (a JPEG comment, a PNG tEXt chunk, WebP
# XMP), so later runs can skip it instead of re-encoding it night after night.
MARKER = "optimize-images"
MARKER_TEXT = f"{MARKER} {__version__}"
MARKER_XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    f'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="{MARKER_TEXT}"/>'
    '</rdf:RDF></x:xmpmeta>').encode()


class Role(Enum):
    """What a format's files get from us as sources (a format module's ROLE)."""
    IN_PLACE = "optimized in place"
    CONVERT_ONLY = "read and converted (with -ca or -cf), never rewritten in place"
    LEFT_ALONE = "looked at and left alone"


@dataclass(frozen=True)
class Facts:
    """What a format's `inspect(image, data)` tells the pipeline about a source file."""
    lossless: bool = False  # its pixels were stored without loss
    quality: Optional[int] = None  # the quality it was encoded at, as far as it shows
    subsampling: Optional[int] = None  # chroma subsampling: 0 4:4:4, 1 4:2:2, 2 4:2:0
    refusal: Optional[str] = None  # why this file must be left alone, if it must


def lossless_source(image, data):
    """`inspect` for formats that always store pixels without loss."""
    return Facts(lossless=True)


def lossy_source(image, data):
    """`inspect` for formats with nothing more to tell."""
    return Facts()


@dataclass(frozen=True)
class Job:
    """What an encoder needs to know besides the pixels."""
    settings: Settings
    source_format: str
    source_size: int
    icc_profile: Optional[bytes] = None
    exif: Optional[bytes] = None
    dpi: Optional[tuple] = None
    source_lossless: bool = False  # see Facts.lossless
    # The source's own quality, when it is re-encoded in its own format with its
    # pixels unchanged: encoding above it would only add bytes.
    source_quality: Optional[int] = None
    source_subsampling: Optional[int] = None  # see Facts.subsampling
    source_alpha: bool = False  # the source has transparency (or an alpha band)


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


def rgb_or_rgba(image, settings):
    """`prepare` for formats that store RGB and RGBA: alpha kept, 16 bits scaled."""
    image = to_8bit(image)
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if has_alpha(image) else "RGB")


def xmp_is_marked(image):
    return MARKER.encode() in (image.info.get("xmp") or b"")


def choose_quality(image, settings, roundtrip, *, fixed=None, ceiling=None, luma_apart=False):
    """(quality, metric name, metric value) for a lossy encoder.

    `fixed` is a quality the user set; -fm means the default quality; else the
    quality search runs with `roundtrip(sample, quality)` → decoded sample
    (see `quality.search` for `ceiling` and `luma_apart`).
    """
    if fixed is not None:
        return fixed, None, None
    if settings.fast_mode:
        return DEFAULT_LOSSY_QUALITY, None, None
    plan = quality.plan_for(settings)
    choice = quality.search(image, roundtrip, plan, ceiling=ceiling, luma_apart=luma_apart)
    return choice.quality, plan.metric, choice.value


def encode_searched(image, job, format_name, roundtrip, *, fixed=None, **params):
    """The `Encoded` of a lossy format at the quality `choose_quality` gives, with
    the ICC profile, the EXIF and our XMP marker."""
    level, metric, value = choose_quality(image, job.settings, roundtrip, fixed=fixed)
    data = save_to_bytes(image, format_name, quality=level, icc_profile=job.icc_profile,
                         exif=job.exif, xmp=MARKER_XMP, **params)
    return Encoded(data, quality=level, metric=metric, metric_value=value)


def roundtrip_with(format_name, params_for=lambda sample, level: {"quality": level}):
    """A roundtrip(sample, quality) function: encode in memory, decode, same mode.

    `params_for(sample, quality)` gives the encoder's parameters for a quality.
    """
    def roundtrip(sample, level):
        data = save_to_bytes(sample, format_name, **params_for(sample, level))
        with Image.open(io.BytesIO(data)) as decoded:
            return decoded.convert(sample.mode)
    return roundtrip
