"""Every option of the compare command, defined and validated once (see `optimize_images.options`).

The command line and a JSON config file (--config) fill the same fields; what
is typed wins over the file, which wins over the defaults.
"""

from dataclasses import dataclass
from typing import Optional

from ..errors import OptionError
from ..options import flag_of, option
from .matching import ENCODERS, can_encode, value_name

METRICS = ("ssim", "bpp")
DEFAULT_TARGETS = (("ssim", (0.90, 0.95, 0.98)), ("bpp", (0.5, 1.0, 1.5)))
TILE_PARAMETERS = ("format", "quality")
FIGURE_FORMATS = ("webp", "png")  # lossless, as `pictures` writes them


def parse_target(text):
    """'ssim=0.90,0.95' → ('ssim', (0.9, 0.95)); OptionError when it does not parse."""
    metric, _, values = text.partition("=")
    try:
        numbers = tuple(float(value) for value in values.split(","))
    except ValueError:
        raise OptionError(flag_of(CompareOptions, "targets"),
                          f"write METRIC=VALUE,VALUE..., like ssim=0.90,0.95; not {text!r}") from None
    targets = ((metric.strip().lower(), numbers),)
    _check_targets(targets)
    return targets[0]


def _names(text):
    """'jpeg, WebP' → ('jpeg', 'webp')."""
    return tuple(name.strip().lower() for name in text.split(",") if name.strip())


def _targets_from_config(value, path):
    """{"ssim": [0.9, 0.95]} → (("ssim", (0.9, 0.95)),)."""
    if not isinstance(value, dict):
        raise ValueError('"targets" must map metrics to lists of values, '
                         'like {"ssim": [0.9, 0.95]}')
    try:
        return tuple((metric, tuple(float(number) for number in numbers))
                     for metric, numbers in value.items())
    except (TypeError, ValueError):
        raise ValueError(f'the targets in {path} must be lists of numbers, '
                         'like {"ssim": [0.9, 0.95]}') from None


def _targets_shown(targets):
    return " and ".join(f"{metric}={','.join(value_name(value) for value in values)}"
                        for metric, values in targets)


@dataclass(frozen=True)
class CompareOptions:
    """The options of `optimize-images compare`: from the command line and --config."""

    source: Optional[str] = option(
        None, "source", metavar="IMAGE_OR_FOLDER", configurable=False,
        help="the image to study, or a folder to choose it from")
    output: Optional[str] = option(
        None, "-o", "--output", metavar="OUTDIR", configurable=False,
        help="the folder for the figures (default: <name>-comparison)")
    targets: tuple = option(
        DEFAULT_TARGETS, "--target", action="append", from_text=parse_target,
        metavar="METRIC=V,V,...", from_config=_targets_from_config, shown=_targets_shown,
        help="a group of targets, ssim or bpp; repeat for more groups (default: %(default)s)")
    formats: Optional[tuple] = option(
        None, "--formats", from_text=_names, metavar="F,F,...",
        help=f"formats to compare, from {', '.join(ENCODERS)} "
             "(default: jpeg, webp, and avif where this Pillow writes it)")
    tile_parameter: str = option(
        "format", "--tile-parameter", choices=TILE_PARAMETERS,
        help="what varies across the tiles of a figure: the format (a figure "
             "per target value) or the quality (a figure per format) (default: %(default)s)")
    crop_size: int = option(
        128, "--crop-size", type=int, metavar="PX",
        help="the side of the fragment shown (default: %(default)s)")
    zoom: int = option(
        3, "--zoom", type=int, help="how many times the fragment is enlarged (default: %(default)s)")
    source_image: Optional[str] = option(
        None, "--source-image", metavar="NAME",
        help="in a folder, study this image instead of choosing one")
    exclude: tuple = option(
        (), "--exclude", action="append", metavar="PATTERN",
        help="in a folder, skip images whose name matches; repeatable")
    figure_format: str = option(
        "webp", "--figure-format", choices=FIGURE_FORMATS,
        help="(default: %(default)s, lossless)")
    config: Optional[str] = option(
        None, "--config", metavar="JSON", configurable=False, config_file=True,
        help="a study as JSON: targets ({\"ssim\": [0.9, 0.95]}), formats, "
             "tile_parameter, crop_size, zoom, exclude, source_image, "
             "figure_format; options given here win")

    def __post_init__(self):
        _check_targets(self.targets)
        for name in ("formats", "exclude"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, tuple)
                                          and all(isinstance(item, str) for item in value)):
                raise self._error(name, f"give a list of names, not {value!r}")
        if self.formats is not None:
            unknown = [name for name in self.formats if name not in ENCODERS]
            if unknown or not self.formats:
                raise self._error("formats", f"choose from {', '.join(ENCODERS)} "
                                             f"(got {', '.join(self.formats) or 'none'})")
        for name, choices in (("tile_parameter", TILE_PARAMETERS),
                              ("figure_format", FIGURE_FORMATS)):
            if getattr(self, name) not in choices:
                raise self._error(name, f"choose from {', '.join(choices)}, "
                                        f"not {getattr(self, name)!r}")
        if not (isinstance(self.crop_size, int) and 16 <= self.crop_size <= 4096):
            raise self._error("crop_size", f"give a whole number of pixels from 16 to 4096, "
                                           f"not {self.crop_size!r}")
        if not (isinstance(self.zoom, int) and 1 <= self.zoom <= 16):
            raise self._error("zoom", f"give a whole number from 1 to 16, not {self.zoom!r}")
        if self.source_image is not None and not isinstance(self.source_image, str):
            raise self._error("source_image", f"give a file name, not {self.source_image!r}")

    @staticmethod
    def _error(name, message):
        return OptionError(flag_of(CompareOptions, name), message)

    def format_names(self):
        """The formats asked for; by default jpeg, webp, and avif where this Pillow writes it."""
        if self.formats is not None:
            return list(self.formats)
        return [name for name in ENCODERS if name != "avif" or can_encode(name)]


def _check_targets(targets):
    flag = flag_of(CompareOptions, "targets")
    if not targets:
        raise OptionError(flag, "give at least one group, like ssim=0.90,0.95,0.98")
    for metric, values in targets:
        if metric not in METRICS:
            raise OptionError(flag, f"the metric must be one of {', '.join(METRICS)}, "
                                    f"not {metric!r}")
        if not values or len(set(values)) != len(values):
            raise OptionError(flag, f"give each value for {metric} once")
        for value in values:
            if metric == "ssim" and not 0 < value < 1:
                raise OptionError(flag, f"SSIM targets lie between 0 and 1, not {value}")
            if metric == "bpp" and not 0 < value <= 24:
                raise OptionError(flag, f"bpp targets lie above 0 and up to 24, not {value}")
    metrics_named = [metric for metric, _ in targets]
    if len(set(metrics_named)) != len(metrics_named):
        raise OptionError(flag, "give each metric once")
