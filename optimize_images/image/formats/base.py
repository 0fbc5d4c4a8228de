"""Values shared by the format modules and the pipeline: inspections, jobs, encodings, the marker."""

from dataclasses import dataclass
from typing import Optional, Tuple, Union

from PIL import Image

from ...common.compat import save_to_bytes  # noqa: F401  (every format module encodes with it)
from ...common.modes import has_alpha, to_8bit
from ...common.settings import Settings
from ...version import __version__

# Every file we write carries this text (a JPEG comment, a PNG tEXt chunk, WebP
# XMP), so later runs can skip it instead of re-encoding it night after night.
MARKER = "optimize-images"
MARKER_TEXT = f"{MARKER} {__version__}"
MARKER_XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    f'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="{MARKER_TEXT}"/>'
    '</rdf:RDF></x:xmpmeta>').encode()


@dataclass(frozen=True)
class Inspection:
    """What a format's `inspect(image, data)` found in a source file, for the pipeline."""
    lossless: bool = False  # its pixels were stored without loss
    quality: Optional[int] = None  # the quality it was encoded at, as far as it shows
    subsampling: Optional[int] = None  # chroma subsampling: 0 4:4:4, 1 4:2:2, 2 4:2:0
    refusal: Optional[str] = None  # why this file must be left alone, if it must


def lossless_source(image: Image.Image, data: bytes) -> Inspection:
    """`inspect` for formats that always store pixels without loss."""
    return Inspection(lossless=True)


def lossy_source(image: Image.Image, data: bytes) -> Inspection:
    """`inspect` for formats with nothing more to tell."""
    return Inspection()


@dataclass(frozen=True)
class Job:
    """What an encoder needs to know besides the pixels."""
    settings: Settings
    source_format: str
    source_size: int
    icc_profile: Optional[bytes] = None
    exif: Optional[bytes] = None
    dpi: Optional[tuple] = None
    # How the source's colours are to be shown, as Pillow reads a PNG's gAMA, cHRM and sRGB
    # (the gamma, the chromaticities of white and the primaries, the rendering intent).
    gamma: Optional[float] = None
    chromaticity: Optional[tuple] = None
    srgb: Optional[int] = None
    source_lossless: bool = False  # see Inspection.lossless
    # The source's own quality, when it is re-encoded in its own format with its
    # pixels unchanged: encoding above it would only add bytes.
    source_quality: Optional[int] = None
    source_subsampling: Optional[int] = None  # see Inspection.subsampling
    source_alpha: bool = False  # the source has transparency (or an alpha band)


@dataclass(frozen=True)
class Encoded:
    """What an encoder made: the bytes, and for a lossy encoding the quality it chose and, when
    a search chose it, the search's metric and its score on the sample."""
    data: bytes
    quality: Optional[int] = None
    metric: Optional[str] = None
    metric_value: Optional[float] = None


@dataclass(frozen=True)
class NoGain:
    """What an encoder returns instead of `Encoded` when the source is already at (or
    below) the quality it would use: re-encoding could only add generation loss, so it
    encodes nothing (and `rules.check_gain` leaves the file alone)."""
    source_quality: int
    quality: int  # the quality the encoder would use


# What an encoder returns (`encode(image, job)`).
EncoderResult = Union[Encoded, NoGain]
# What a format's `working_memory(job)` returns: (bytes a pixel, what the encoding is called).
WorkingMemory = Tuple[int, str]
# What a format's `details(image, data)` returns: (label, value) pairs that -i shows.
Details = Tuple[Tuple[str, str], ...]


def rgb_or_rgba(image: Image.Image, settings: Settings) -> Image.Image:
    """`prepare` for formats that store RGB and RGBA: alpha kept, 16 bits scaled."""
    image = to_8bit(image)
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if has_alpha(image) else "RGB")


def xmp_is_marked(image: Image.Image) -> bool:
    return MARKER.encode() in (image.info.get("xmp") or b"")
