"""Every option of the compare command, defined and validated once (see `common.options`).

The command line and a JSON config file (--config) fill the same fields; what
is typed wins over the file, which wins over the defaults.
"""

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

from ...common.errors import OptionError
from ...common.options import check_declared, check_value, flag_of, option
from .matching import VARIANT_ENCODERS, can_encode, value_name

TARGET_METRICS = ("ssim", "bpp")  # what a group of targets matches
TargetGroup = Tuple[str, Tuple[float, ...]]  # (metric, its target values)
DEFAULT_TARGETS = (("ssim", (0.90, 0.95, 0.98)), ("bpp", (0.5, 1.0, 1.5)))
TILE_PARAMETERS = ("format", "quality")
FIGURE_FORMATS = ("webp", "png")  # lossless, as `pictures` writes them
# The argument groups of --help, in this order.
STUDY = "what to study"
VARIANTS = "variants"
FIGURES = "figures"


def parse_target(text: str) -> TargetGroup:
    """'ssim=0.90,0.95' → ('ssim', (0.9, 0.95)); OptionError when it does not parse."""
    metric, _, values = text.partition("=")
    try:
        numbers = tuple(float(value) for value in values.split(","))
    except ValueError:
        raise OptionError(flag_of(CompareOptions, "targets"),
                          f"expects METRIC=VALUE,VALUE..., like ssim=0.90,0.95; got {text!r}"
                          ) from None
    targets = ((metric.strip().lower(), numbers),)
    _check_targets(targets)
    return targets[0]


def _names(text: str) -> Tuple[str, ...]:
    """'jpeg, WebP' → ('jpeg', 'webp')."""
    return tuple(name.strip().lower() for name in text.split(",") if name.strip())


def _targets_from_config(value: object, path: str) -> Tuple[TargetGroup, ...]:
    """{"ssim": [0.9, 0.95]} → (("ssim", (0.9, 0.95)),)."""
    if not isinstance(value, dict):
        raise ValueError('expects "targets" to map metrics to lists of numbers, '
                         f'like {{"ssim": [0.9, 0.95]}}; got {value!r}')
    try:
        return tuple((metric, tuple(float(number) for number in numbers))
                     for metric, numbers in value.items())
    except (TypeError, ValueError):
        raise ValueError(f'expects the targets in {path} as lists of numbers, '
                         f'like {{"ssim": [0.9, 0.95]}}; got {value!r}') from None


def _targets_shown(targets: Iterable[TargetGroup]) -> str:
    return " and ".join(f"{metric}={','.join(value_name(value) for value in values)}"
                        for metric, values in targets)


@dataclass(frozen=True)
class CompareOptions:
    """The options of `optimize-images compare`: from the command line and --config."""

    # What to study
    source: Optional[str] = option(
        None, "source", group=STUDY, metavar="IMAGE_OR_FOLDER", configurable=False,
        help="the image to study, or a folder to choose it from")
    source_image: Optional[str] = option(
        None, "--source-image", group=STUDY, metavar="NAME",
        help="in a folder, study this image instead of choosing one")
    exclude: Tuple[str, ...] = option(
        (), "--exclude", group=STUDY, action="append", metavar="PATTERN",
        help="in a folder, skip images whose name matches; repeatable")
    config: Optional[str] = option(
        None, "--config", group=STUDY, metavar="JSON", configurable=False, config_file=True,
        help="a study as JSON: targets ({\"ssim\": [0.9, 0.95]}), formats, "
             "tile_parameter, crop_size, zoom, exclude, source_image, "
             "figure_format; options given here win")

    # Variants
    targets: Tuple[TargetGroup, ...] = option(
        DEFAULT_TARGETS, "--target", group=VARIANTS, action="append", from_text=parse_target,
        metavar="METRIC=V,V,...", from_config=_targets_from_config, shown=_targets_shown,
        help="a group of targets, ssim or bpp; repeat for more groups (default: %(default)s)")
    formats: Optional[Tuple[str, ...]] = option(
        None, "--formats", group=VARIANTS, from_text=_names, metavar="F,F,...",
        help=f"formats to compare, from {', '.join(VARIANT_ENCODERS)} "
             "(default: jpeg, webp, and avif where this Pillow writes it)")

    # Figures
    output: Optional[str] = option(
        None, "-o", "--output", group=FIGURES, metavar="OUTDIR", configurable=False,
        help="the folder for the figures (default: <name>-comparison)")
    tile_parameter: str = option(
        "format", "--tile-parameter", group=FIGURES, choices=TILE_PARAMETERS,
        help="what varies across the tiles of a figure: the format (a figure "
             "per target value) or the quality (a figure per format) (default: %(default)s)")
    crop_size: int = option(
        128, "--crop-size", group=FIGURES, minimum=16, maximum=4096, type=int, metavar="PX",
        help="the side of the fragment shown (default: %(default)s)")
    zoom: int = option(
        3, "--zoom", group=FIGURES, minimum=1, maximum=16, type=int,
        help="how many times the fragment is enlarged (default: %(default)s)")
    figure_format: str = option(
        "webp", "--figure-format", group=FIGURES, choices=FIGURE_FORMATS,
        help="(default: %(default)s, lossless)")

    def __post_init__(self) -> None:
        check_declared(self)
        self._check_config_types()
        _check_targets(self.targets)
        if self.formats is not None:
            if not self.formats:
                raise self._error("formats", f"expects at least one of "
                                             f"{', '.join(VARIANT_ENCODERS)}; got none")
            for name in self.formats:
                check_value(flag_of(CompareOptions, "formats"), name,
                            choices=tuple(VARIANT_ENCODERS))

    def _check_config_types(self) -> None:
        """What a config file may give in another type than the command line reads."""
        for name in ("formats", "exclude"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, tuple)
                                          and all(isinstance(item, str) for item in value)):
                raise self._error(name, f"expects a list of names; got {value!r}")
        for name in ("crop_size", "zoom"):
            if not isinstance(getattr(self, name), int):
                raise self._error(name, f"expects a whole number; got {getattr(self, name)!r}")
        if self.source_image is not None and not isinstance(self.source_image, str):
            raise self._error("source_image", f"expects a file name; got {self.source_image!r}")

    @staticmethod
    def _error(name: str, message: str) -> OptionError:
        return OptionError(flag_of(CompareOptions, name), message)

    def format_names(self) -> List[str]:
        """The formats asked for; by default jpeg, webp, and avif where this Pillow writes it."""
        if self.formats is not None:
            return list(self.formats)
        return [name for name in VARIANT_ENCODERS if name != "avif" or can_encode(name)]


def _check_targets(targets: Sequence[TargetGroup]) -> None:
    flag = flag_of(CompareOptions, "targets")
    if not targets:
        raise OptionError(flag, "expects at least one group, like ssim=0.90,0.95,0.98; got none")
    for metric, values in targets:
        check_value(flag, metric, choices=TARGET_METRICS)
        if not values or len(set(values)) != len(values):
            raise OptionError(flag, f"expects each value for {metric} once; got "
                                    f"{', '.join(value_name(value) for value in values) or 'none'}")
        for value in values:
            if metric == "ssim" and not 0 < value < 1:
                raise OptionError(flag, f"expects SSIM targets above 0 and below 1; got {value!r}")
            if metric == "bpp" and not 0 < value <= 24:
                raise OptionError(flag,
                                  f"expects bpp targets above 0 and at most 24; got {value!r}")
    metrics_named = [metric for metric, _ in targets]
    if len(set(metrics_named)) != len(metrics_named):
        raise OptionError(flag, f"expects each metric once; got {', '.join(metrics_named)}")
