"""Every option of the diff command, defined and validated once (see `common.options`).

The values the map's options accept are `diffmap`'s own (`diffmap.ACCEPTS`),
so a map drawn from Python and one drawn by the command obey the same rules.
"""

from dataclasses import dataclass
from typing import Optional

from ...common.errors import OptionError
from ...common.options import check_declared, flag_of, option
from ...draw.diffmap import ACCEPTS, DEFAULT_METRIC, DEFAULT_RADIUS, pre_processor
from ...measure.pixelmatch import DEFAULT_THRESHOLD

LEGEND_CHOICES = ("auto", "below", "right", "none")
# The argument groups of --help, in this order.
IMAGES = "images"
MAP = "the map"
PICTURE = "the picture"


@dataclass(frozen=True)
class DiffOptions:
    """The options of `optimize-images diff`."""

    # Images
    a: Optional[str] = option(
        None, "a", group=IMAGES, metavar="A", help="the reference image, or a folder of them")
    b: Optional[str] = option(
        None, "b", group=IMAGES, metavar="B", help="the image to compare, or a folder of them")

    # The map
    strategy: str = option(
        "difference", "--strategy", group=MAP, **ACCEPTS["strategy"],
        help="difference: mean absolute difference of R, G, B; ssim: 1 - local "
             "SSIM; pixelmatch: YIQ colour distance, pixels above --threshold "
             "in red; gradient: how much each pixel of B contributes to "
             "--metric, signed (default: %(default)s)")
    metric: str = option(
        DEFAULT_METRIC, "--metric", group=MAP, **ACCEPTS["metric"],
        help="the metric whose gradient with respect to B --strategy gradient "
             "maps (default: %(default)s)")
    threshold: float = option(
        DEFAULT_THRESHOLD, "--threshold", group=MAP, **ACCEPTS["threshold"], type=float,
        help="the map value (0-1) above which a pixel counts as different; not used by "
             "gradient, whose map is in its metric's units (default: %(default)s, "
             "pixelmatch's)")
    pre: str = option(
        "identity", "--pre", group=MAP, **ACCEPTS["pre"],
        help="transform both images first: normalize to the full range, "
             "highpass (minus a Gaussian blur), lowpass (the blur); "
             "highpass_filter and lowpass_filter name the same "
             "(default: %(default)s)")
    radius: float = option(
        DEFAULT_RADIUS, "--radius", group=MAP, **ACCEPTS["radius"], type=float,
        help="the blur radius of --pre highpass and lowpass, in pixels "
             "(default: %(default)s)")
    include_aa: bool = option(
        False, "--include-aa", group=MAP, action="store_true",
        help="pixelmatch: count anti-aliased pixels as different instead of "
             "excusing them")

    # The picture
    output: Optional[str] = option(
        None, "-o", "--output", group=PICTURE, metavar="OUT",
        help="where to write the map: a .png or .webp file for two files "
             "(default: <A's name>-diff.png), a folder for two folders "
             "(default: <A's folder>-diff)")
    overlay: bool = option(
        False, "--overlay", group=PICTURE, action="store_true",
        help="draw the map over a grey copy of A instead of on its own")
    raw: bool = option(
        False, "--raw", group=PICTURE, action="store_true",
        help="write the map itself as a 16-bit grey PNG (0-1 as 0-65535); "
             "not for the signed gradient map")
    legend: str = option(
        "auto", "--legend", group=PICTURE, choices=LEGEND_CHOICES,
        help="where the colour legend goes; auto: below a wide map, right of "
             "a tall one (default: %(default)s)")

    def __post_init__(self) -> None:
        check_declared(self)
        object.__setattr__(self, "pre", pre_processor(self.pre))
        if self.raw and self.strategy == "gradient":
            raise OptionError(flag_of(DiffOptions, "raw"),
                              f"cannot be combined with {flag_of(DiffOptions, 'strategy')} "
                              "gradient: the gradient map is signed, and --raw writes 0-1 maps")
