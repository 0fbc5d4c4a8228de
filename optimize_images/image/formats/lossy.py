"""What the lossy encoders share: a quality search on roundtrips of a sample, then one encode."""

import io
from typing import Any, Callable, Dict, Optional, Tuple

from PIL import Image

from ...common.settings import DEFAULT_LOSSY_QUALITY, Settings
from ...measure import quality
from .base import MARKER_XMP, Encoded, Job, save_to_bytes

# roundtrip(sample, quality) → the sample encoded at that quality and decoded again.
Roundtrip = Callable[[Image.Image, int], Image.Image]
# params_for(sample, quality) → the encoder's parameters for that quality.
ParamsFor = Callable[[Image.Image, int], Dict[str, Any]]
# (quality, metric name, metric value): the metric is None when no search chose the quality.
QualityChoice = Tuple[int, Optional[str], Optional[float]]


def choose_quality(image: Image.Image, settings: Settings, roundtrip: Roundtrip, *,
                   fixed: Optional[int] = None, ceiling: Optional[int] = None,
                   luma_apart: bool = False) -> QualityChoice:
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


def encode_searched(image: Image.Image, job: Job, format_name: str, roundtrip: Roundtrip, *,
                    fixed: Optional[int] = None, **params: Any) -> Encoded:
    """The `Encoded` of a lossy format at the quality `choose_quality` gives, with
    the ICC profile, the EXIF and our XMP marker."""
    level, metric, value = choose_quality(image, job.settings, roundtrip, fixed=fixed)
    data = save_to_bytes(image, format_name, quality=level, icc_profile=job.icc_profile,
                         exif=job.exif, xmp=MARKER_XMP, **params)
    return Encoded(data, quality=level, metric=metric, metric_value=value)


def roundtrip_with(format_name: str,
                   params_for: ParamsFor = lambda sample, level: {"quality": level}
                   ) -> Roundtrip:
    """A roundtrip(sample, quality) function: encode in memory, decode, same mode.

    `params_for(sample, quality)` gives the encoder's parameters for a quality.
    """
    def roundtrip(sample: Image.Image, level: int) -> Image.Image:
        data = save_to_bytes(sample, format_name, **params_for(sample, level))
        with Image.open(io.BytesIO(data)) as decoded:
            return decoded.convert(sample.mode)
    return roundtrip
