"""Every option of the diff command, defined and validated once (see `optimize_images.options`).

`diffmap`'s functions validate their keywords through the same class, so a
map drawn from Python and one drawn by the command obey the same rules.
"""

from dataclasses import dataclass
from typing import Optional

from ..errors import OptionError
from ..options import flag_of, option
from ..pixelmatch import DEFAULT_THRESHOLD

STRATEGIES = ("difference", "ssim", "pixelmatch", "gradient")
PRE_PROCESSORS = ("identity", "normalize", "highpass", "lowpass")
# The names jeongsol-kim/difference_finder gives its pre-processors.
PRE_ALIASES = {"highpass_filter": "highpass", "lowpass_filter": "lowpass"}
METRICS = ("mse", "psnr", "ssim", "ms-ssim")  # whose gradient "gradient" maps
DEFAULT_METRIC = "ssim"
LEGEND_CHOICES = ("auto", "below", "right", "none")
DEFAULT_RADIUS = 2.0
MAX_RADIUS = 1000.0


@dataclass(frozen=True)
class DiffOptions:
    """The options of `optimize-images diff` (and the keywords of `diffmap`'s functions)."""

    a: Optional[str] = option(
        None, "a", metavar="A", help="the reference image, or a folder of them")
    b: Optional[str] = option(
        None, "b", metavar="B", help="the image to compare, or a folder of them")
    output: Optional[str] = option(
        None, "-o", "--output", metavar="OUT",
        help="where to write the map: a .png or .webp file for two files "
             "(default: <A's name>-diff.png), a folder for two folders "
             "(default: <A's folder>-diff)")
    strategy: str = option(
        "difference", "--strategy", choices=STRATEGIES,
        help="difference: mean absolute difference of R, G, B; ssim: 1 - local "
             "SSIM; pixelmatch: YIQ colour distance, pixels above --threshold "
             "in red; gradient: how much each pixel of B contributes to "
             "--metric, signed (default: %(default)s)")
    metric: str = option(
        DEFAULT_METRIC, "--metric", choices=METRICS,
        help="the metric whose gradient with respect to B --strategy gradient "
             "maps (default: %(default)s)")
    threshold: float = option(
        DEFAULT_THRESHOLD, "--threshold", type=float,
        help="the map value (0-1) above which a pixel counts as different; not used by "
             "gradient, whose map is in its metric's units (default: %(default)s, "
             "pixelmatch's)")
    pre: str = option(
        "identity", "--pre", choices=PRE_PROCESSORS + tuple(PRE_ALIASES),
        help="transform both images first: normalize to the full range, "
             "highpass (minus a Gaussian blur), lowpass (the blur); "
             "highpass_filter and lowpass_filter name the same "
             "(default: %(default)s)")
    radius: float = option(
        DEFAULT_RADIUS, "--radius", type=float,
        help="the blur radius of --pre highpass and lowpass, in pixels "
             "(default: %(default)s)")
    overlay: bool = option(
        False, "--overlay", action="store_true",
        help="draw the map over a grey copy of A instead of on its own")
    raw: bool = option(
        False, "--raw", action="store_true",
        help="write the map itself as a 16-bit grey PNG (0-1 as 0-65535); "
             "not for the signed gradient map")
    legend: str = option(
        "auto", "--legend", choices=LEGEND_CHOICES,
        help="where the colour legend goes; auto: below a wide map, right of "
             "a tall one (default: %(default)s)")
    include_aa: bool = option(
        False, "--include-aa", action="store_true",
        help="pixelmatch: count anti-aliased pixels as different instead of "
             "excusing them")

    def __post_init__(self):
        if self.pre in PRE_ALIASES:
            object.__setattr__(self, "pre", PRE_ALIASES[self.pre])
        for name, choices in (("strategy", STRATEGIES), ("pre", PRE_PROCESSORS),
                              ("legend", LEGEND_CHOICES), ("metric", METRICS)):
            if getattr(self, name) not in choices:
                raise OptionError(flag_of(DiffOptions, name), f"choose from "
                                  f"{', '.join(choices)}, not {getattr(self, name)!r}")
        if self.raw and self.strategy == "gradient":
            raise OptionError(flag_of(DiffOptions, "raw"),
                              "the gradient map is signed; --raw writes 0-1 maps only")
        if not 0 <= self.threshold <= 1:
            raise OptionError(flag_of(DiffOptions, "threshold"),
                              f"give a number from 0 to 1, not {self.threshold:g}")
        if not 0 < self.radius <= MAX_RADIUS:
            raise OptionError(flag_of(DiffOptions, "radius"),
                              f"give a number of pixels above 0, not {self.radius:g}")


def pre_processor(name):
    """A pre-processor's name, its alias (highpass_filter, lowpass_filter) resolved."""
    return PRE_ALIASES.get(name, name)
