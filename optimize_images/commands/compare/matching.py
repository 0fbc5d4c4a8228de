"""Matching a target: the image encoded in one format at the quality whose SSIM or bits
per pixel come nearest to a target.

A target's quality is found on a sample (`sampling.few_tiles`) by
`quality.nearest_quality`; the whole image is then encoded at it and, when it
misses by more than the tolerance, corrected once (`Matcher`).
"""

import io
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple, Union

from PIL import Image

from ...image import formats
from ...measure import metrics, quality

# Formats a study can encode: Pillow's name and the options it encodes with.
# AVIF gets one thread: a study already encodes in a second thread while the
# first computes distortion maps, and on two cores that is 10 % faster.
VARIANT_ENCODERS: Dict[str, Tuple[str, Dict[str, Any]]] = {
    "jpeg": ("JPEG", {"optimize": True}), "webp": ("WEBP", {}),
    "avif": ("AVIF", {"max_threads": 1})}
LOWEST, HIGHEST = 1, 100  # the qualities a study chooses from
PROBES = (20, 50, 80, 95)  # the qualities first measured on a sample
REFINEMENTS = 5  # interpolated probes after those, at most
# Close enough to a target not to correct a whole-image encode: SSIM
# within this much, bpp within this share of the target.
TOLERANCE = {"ssim": 0.005, "bpp": 0.05}


@dataclass(frozen=True)
class Measurement:
    """A sample or an image measured at one quality."""
    quality: int
    bpp: float
    ssim: float

    def value(self, metric: str) -> float:
        return getattr(self, metric)


# measure(quality) → the Measurement of a sample encoded at that quality.
Measure = Callable[[int], Measurement]


@dataclass(frozen=True)
class Variant:
    """The image encoded in one format at the quality matched to one target.

    `off_target` says why the measurement is not within TOLERANCE of the
    target (None when it is): out of reach at the lowest or highest quality,
    or how far above or below it the measurement lies.
    """
    format: str
    target: float
    measurement: Measurement
    data: bytes = field(repr=False)
    off_target: Optional[str] = None


@dataclass(frozen=True)
class Missing:
    """A variant that could not be made, and why."""
    format: str
    target: float
    reason: str


Made = Union[Variant, Missing]  # a tile's variant, or why it is missing


def value_name(value: float) -> str:
    """A target value as figure names and labels write it: 0.95, 1."""
    return f"{value:g}"


def can_encode(format_name: str) -> bool:
    return formats.can_write(VARIANT_ENCODERS[format_name][0])


def encode(image: Image.Image, format_name: str, quality: int) -> bytes:
    name, options = VARIANT_ENCODERS[format_name]
    return formats.save_to_bytes(image, name, quality=quality, **options)


def decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def bits_per_pixel(data: bytes, size: Tuple[int, int]) -> float:
    return 8 * len(data) / (size[0] * size[1])


def sample_measure(sample: Image.Image, format_name: str) -> Measure:
    """measure(quality) → Measurement of the sample encoded at that quality, remembered."""
    measured: Dict[int, Measurement] = {}

    def measure(quality: int) -> Measurement:
        if quality not in measured:
            data = encode(sample, format_name, quality)
            measured[quality] = Measurement(quality, bits_per_pixel(data, sample.size),
                                            metrics.ssim(sample, decode(data)))
        return measured[quality]
    return measure


def match_quality(measure: Callable[[int], float], target: float) -> int:
    """The quality in 1-100 whose measure(quality) comes nearest to `target`
    (`quality.nearest_quality` from compare's probes)."""
    return quality.nearest_quality(measure, target, probes=PROBES, low=LOWEST, high=HIGHEST,
                                   refinements=REFINEMENTS)


class Matcher:
    """Makes the variants of one image in one format, matched to targets of one metric.

    A target's quality is found on the sample; when the whole image encoded
    at it misses the target by more than the tolerance, the sample's target
    is shifted by the miss (a ratio for bpp, a difference for SSIM) and the
    whole image encoded once more. Of all the whole-image encodes made so
    far, for this target or earlier ones, the closest to the target is kept.
    """

    def __init__(self, image: Image.Image, luma: Image.Image, measure: Measure, format_name: str,
                 metric: str) -> None:
        self.image, self.luma, self.measure = image, luma, measure
        self.format_name, self.metric = format_name, metric
        # quality → _Attempt without its map: targets share qualities
        self._attempts: Dict[int, _Attempt] = {}

    def quality_for(self, target: float) -> int:
        """The quality that hits the target on the sample."""
        return match_quality(self._on_sample, target)

    def encode(self, quality: int) -> bytes:
        return encode(self.image, self.format_name, quality)

    def variant(self, target: float,
                first: Optional[Tuple[int, bytes]] = None) -> Tuple[Variant, Image.Image]:
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
        return Variant(self.format_name, target, measurement, chosen.data,
                       off_target(self.metric, target, measurement)), distortion

    def _on_sample(self, quality: int) -> float:
        return self.measure(quality).value(self.metric)

    def _shifted(self, target: float, attempt: "_Attempt") -> float:
        """The sample's target that should hit `target` on the whole image."""
        on_sample = self._on_sample(attempt.quality)
        if self.metric == "bpp":
            return target * on_sample / attempt.value
        return target - (attempt.value - on_sample)

    def _attempt(self, quality: int, data: Optional[bytes] = None) -> "_Attempt":
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


def off_target(metric: str, target: float, measurement: Measurement) -> Optional[str]:
    """Why a measurement is not within TOLERANCE of its target, in words; None when it is.

    Above is not better here: a variant above its SSIM target is not at the
    quality the figure compares at (it spends more bytes), one above its bpp
    target is larger than the others; the words say which way, not "missed".
    """
    miss = measurement.value(metric) - target
    if _close_enough(metric, miss, target):
        return None
    if measurement.quality == LOWEST and miss > 0:
        return f"target out of reach: q{LOWEST} is the lowest quality"
    if measurement.quality == HIGHEST and miss < 0:
        return f"target out of reach: q{HIGHEST} is the highest quality"
    side = "above" if miss > 0 else "below"
    if metric == "bpp":
        return f"bpp {abs(miss) / target:.0%} {side} the target"
    return f"SSIM {abs(miss):.3f} {side} the target"


def _close_enough(metric: str, miss: float, target: float) -> bool:
    allowed = TOLERANCE[metric] * (target if metric == "bpp" else 1)
    return abs(miss) <= allowed


def distortion_map(original: Image.Image, decoded: Image.Image) -> Image.Image:
    """1 − local SSIM: 0 where the variant keeps the original's local structure."""
    return metrics.ssim_map(original, decoded).point(lambda value: 1 - value)


def _valid_mean(distortion: Image.Image) -> float:
    """The map's mean where SSIM's window fits, as metrics.ssim averages it."""
    border = metrics.RADIUS
    width, height = distortion.size
    if min(width, height) <= 2 * border:
        return metrics.exact_mean(distortion)
    return metrics.exact_mean(distortion, (border, border, width - border, height - border))
