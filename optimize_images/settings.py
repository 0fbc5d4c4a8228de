"""Every option of a run, defined once.

`Settings` is the single source of truth: each field carries its command-line
flags and help (see `options`), `cli` generates the parser from the fields, and
validation lives in `__post_init__`, so the CLI and the Python API share it.
"""

from dataclasses import dataclass
from typing import Optional, Tuple

from . import cluster, options
from .errors import OptionError
from .options import option
from .targets import BUTTERAUGLI

JPEG_TABLES = ("auto", "standard", "mozjpeg", "mozjpeg3")  # mozjpeg3: 2.2.0's name
METRICS = ("ssim", "ms-ssim", "sad")
SAMPLERS = ("tiles", "thumbnail")
PRESETS = ("low", "medium", "high", "veryhigh")
CONVERT_TARGETS = ("jpeg", "png", "webp", "avif")
# Pillow's own default decompression-bomb limit (Image.MAX_IMAGE_PIXELS).
DEFAULT_MAX_PIXELS = 89_478_485
OUTPUT_MODES = ("quiet", "only_summary", "only_progress")
# What one worker may use on one image, in MB: about 1 GB, which the largest JPEG or PNG that
# --max-pixels lets in needs (README, Memory).
DEFAULT_MAX_MEMORY_MB = 1000
# Used when a lossy quality is needed without a search (-fm).
DEFAULT_LOSSY_QUALITY = 80
# -cb converts a file (of a format that converts big photos: PNG) only when it is at
# least this big and looks like a photo.
BIG_PHOTO_BYTES = 300_000
# A --report FILE with one of these suffixes is written as an HTML page, any other as JSON.
HTML_SUFFIXES = (".html", ".htm")


def parse_hex_color(text):
    """'#fa0', 'ffaa00' → (255, 170, 0); ValueError for anything else."""
    digits = text.strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    wrong = ValueError(f"expects a colour as 3 or 6 hexadecimal digits, like ff0000 or '#f00'; "
                       f"got {text!r}")
    if len(digits) != 6:
        raise wrong
    try:
        return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        raise wrong from None


@dataclass(frozen=True)
class Settings:
    """The options of a run: of `optimize-images PATH...` and of the Python API."""

    paths: Tuple[str, ...] = option(
        (), "paths", help="image files or folders to optimize", nargs="*", metavar="PATH")

    # Discovery
    no_recursion: bool = option(
        False, "-nr", "--no-recursion", help="do not descend into subfolders",
        action="store_true")

    # General image settings
    max_width: int = option(
        0, "-mw", "--max-width",
        help="downsize wider images to this width, keeping the aspect ratio "
             "(default: %(default)s, no limit)", type=int, metavar="PX")
    max_height: int = option(
        0, "-mh", "--max-height",
        help="downsize taller images to this height, keeping the aspect ratio "
             "(default: %(default)s, no limit)", type=int, metavar="PX")
    grayscale: bool = option(
        False, "-g", "--grayscale", help="convert to grayscale", action="store_true")
    no_comparison: bool = option(
        False, "-nc", "--no-comparison",
        help="keep the result even when it is not smaller than the original",
        action="store_true")
    fast_mode: bool = option(
        False, "-fm", "--fast-mode",
        help=f"skip the quality search (JPEG at quality {DEFAULT_LOSSY_QUALITY}) "
             "and PNG's trials (one encode of its smallest exact form)",
        action="store_true")
    keep_exif: bool = option(
        False, "-ke", "--keep-exif",
        help="keep EXIF metadata (default: strip it, after turning the pixels upright)",
        action="store_true")
    max_pixels: int = option(
        DEFAULT_MAX_PIXELS, "--max-pixels",
        help="refuse images with more pixels than this, a guard against "
             "decompression bombs (default: %(default)s, Pillow's limit)",
        type=int, metavar="N")
    max_memory: int = option(
        DEFAULT_MAX_MEMORY_MB, "--max-memory",
        help="refuse, before its work, an image that would need more than this many MB "
             "in one worker, by an estimate from its pixels, its transparency and the format "
             "written (bytes a pixel: JPEG 9, PNG 11, WebP 23-26, lossless WebP 36, or 57 at "
             "-wm 6, AVIF 35); each of -jobs N workers may use that much "
             "(default: %(default)s)",
        type=int, metavar="MB")
    min_savings: float = option(
        1.0, "--min-savings",
        help="keep a result only when it is at least this many percent smaller "
             "(default: %(default)s)",
        type=float, metavar="PCT")
    ssim_min: Optional[float] = option(
        None, "-ssm", "--ssim-min",
        help="discard a lossy result whose full-image SSIM against the original is below "
             "this (0-1), keeping the original; implies --show-ssim",
        type=float, metavar="VALUE")
    show_ssim: bool = option(
        False, "--show-ssim",
        help="measure and show each lossy result's full-image SSIM (slower on big images)",
        action="store_true",
        also=((("--no-show-ssim",), "do not measure it (the default)",
               {"action": "store_false"}),))

    # JPEG
    quality: Optional[int] = option(
        None, "-q", "--quality",
        help="fixed JPEG quality 1-100 (default: chosen per image by the quality search)",
        type=int, metavar="Q")
    metric: str = option(
        "ssim", "--metric",
        help="what the quality search measures: 'ssim', 'ms-ssim', or 'sad' (the classic "
             "mean-absolute-difference ratio of optimize-images 2.x) (default: %(default)s)",
        choices=METRICS)
    preset: str = option(
        "medium", "--preset",
        help="how close to the original results must look. With --metric ssim each "
             "photo gets its own SSIM target, for about the same visible difference on "
             "every photo: butteraugli distance "
             + ", ".join(f"{value:g} ({name})" for name, value in BUTTERAUGLI.items())
             + ", where 1 is invisible and 2 visible on close inspection; with ms-ssim "
             "and sad the preset is one --target for every photo (default: %(default)s)",
        choices=PRESETS)
    target: Optional[float] = option(
        None, "--target",
        help="the metric value every result must reach, the same for every photo, e.g. "
             "0.97 for SSIM: the full image's SSIM comes within 0.003 of it for 95%% of "
             "photos (default: from --preset)",
        type=float, metavar="VALUE")
    sample: str = option(
        "tiles", "--sample",
        help="what the search encodes: 'tiles' (a mosaic of full-resolution tiles) or "
             "'thumbnail' (the classic 400x400 resize) (default: %(default)s)",
        choices=SAMPLERS)
    min_quality: Optional[int] = option(
        None, "--min-quality",
        help="lowest JPEG quality the search may choose (default: 50; 75 with --metric sad)",
        type=int, metavar="Q")
    max_quality: Optional[int] = option(
        None, "--max-quality",
        help="highest JPEG quality the search may choose (default: 100; 80 with --metric sad)",
        type=int, metavar="Q")
    jpeg_tables: str = option(
        "auto", "-jt", "--jpeg-tables",
        help="JPEG quantization tables: 'standard' (libjpeg's), 'mozjpeg' or 'mozjpeg3' "
             "(mozjpeg's default table 3, 2.2.0's name), or 'auto': mozjpeg's, which "
             "butteraugli judged better at the same SSIM (default: %(default)s)",
        choices=JPEG_TABLES)

    # PNG and transparency
    reduce_colors: bool = option(
        False, "-rc", "--reduce-colors",
        help="reduce PNGs of more colours than -mc to an adaptive palette, dithered when "
             "opaque (lossy; keeps transparency)",
        action="store_true")
    max_colors: int = option(
        256, "-mc", "--max-colors", help="palette size for -rc, 2-256 (default: %(default)s)",
        type=int, metavar="N")
    remove_transparency: bool = option(
        False, "-rt", "--remove-transparency",
        help="flatten transparent images over the background colour", action="store_true")
    background: Tuple[int, int, int] = option(
        (255, 255, 255), "-bg", "--background",
        help="background colour as R G B, for -rt and conversions to JPEG (default: white)",
        type=int, nargs=3, metavar=("R", "G", "B"),
        also=((("-hbg", "--hex-background"),
               "background colour in hexadecimal, e.g. ff0000 or '#f00'",
               {"type": parse_hex_color, "metavar": "HEX"}),))

    # Conversion
    convert_big: bool = option(
        False, "-cb", "--convert-big",
        help=f"convert big photographic PNGs (at least {BIG_PHOTO_BYTES // 1000} kB, opaque, "
             "many colours) to JPEG, or to -cf's format", action="store_true")
    convert_all: bool = option(
        False, "-ca", "--convert-all",
        help="convert every image not already in the target format (JPEG, or -cf's)",
        action="store_true")
    convert_to: Optional[str] = option(
        None, "-cf", "--convert-to",
        help="target format for -ca/-cb (avif where this Pillow writes it); given alone, "
             "it implies -ca",
        choices=CONVERT_TARGETS)
    force_delete: bool = option(
        False, "-fd", "--force-delete",
        help="delete a converted source once its new file was written, re-opened and "
             "decoded (never a file that was not converted)",
        action="store_true")

    # WebP
    webp_quality: Optional[int] = option(
        None, "-wq", "--webp-quality",
        help="fixed WebP quality 1-100 (default: chosen per image by the quality search, "
             f"{DEFAULT_LOSSY_QUALITY} with -fm)",
        type=int, metavar="Q")
    webp_lossless: bool = option(
        False, "-wl", "--webp-lossless",
        help="encode WebP losslessly (a lossless WebP source stays lossless anyway)",
        action="store_true")
    webp_method: int = option(
        4, "-wm", "--webp-method",
        help="WebP effort 0 (fastest) - 6 (slowest). On our photos 4 makes files as small "
             "as 6 in about half the time (6 takes 1.8x as long); 0-2 are faster and make "
             "files 7-20 percent larger (default: %(default)s)",
        type=int, metavar="M")

    # Batch runs
    force: bool = option(
        False, "--force",
        help="also process files this tool already optimized (they carry our marker)",
        action="store_true")
    exclude: Tuple[str, ...] = option(
        (), "--exclude",
        help="leave alone paths matching this glob (matched against the path below the "
             "folder given, a file's path as given, and the file name); repeatable",
        action="append", metavar="GLOB")
    update_mtime: bool = option(
        False, "--update-mtime",
        help="give rewritten files the current time (default: keep the original's)",
        action="store_true")
    watch: bool = option(
        False, "-wd", "--watch-directory",
        help="keep running: optimize new or changed files once they stop growing "
             "(Ctrl-C ends it with a summary)",
        action="store_true")
    watch_interval: float = option(
        2.0, "--watch-interval",
        help="seconds between two looks at the folders in watch mode (default: %(default)s)",
        type=float, metavar="S")
    report: Optional[str] = option(
        None, "--report",
        help="write a report of the run to FILE: JSON (one record per file and the summary), "
             "or, for a FILE ending in .html, a page to audit the run in a browser (the "
             "fragments where lossy results differ most, side by side); '-' writes the JSON "
             "to standard output and the usual lines to standard error",
        metavar="FILE")

    # Output
    output_dir: Optional[str] = option(
        None, "--output-dir",
        help="write results into this folder, mirroring the tree; sources stay untouched. "
             "It may lie inside a folder given (it is then never read as input), but must "
             "not be one, nor hold one",
        metavar="DIR")
    dry_run: bool = option(
        False, "--dry-run", help="do all the work in memory, write nothing",
        action="store_true")
    jobs: int = option(
        0, "-jobs", "--jobs",
        help="worker count; 0 = one per core, 1 = serial (default: %(default)s)",
        type=int, metavar="N")
    dask: Optional[str] = option(
        None, "--dask",
        help="hand each file to the workers of the Dask scheduler at ADDRESS "
             "(tcp://host:8786), or to a local cluster of N worker processes started for "
             "the run (local:N); the files must be on a filesystem every worker sees at "
             'the same path (pip install "optimize-images[dask]"; see docs/scale-out.md)',
        metavar="ADDRESS")
    quiet: bool = option(
        False, "--quiet",
        help="print nothing but failures and skips that are problems (on stderr)",
        action="store_true")
    only_summary: bool = option(
        False, "--only-summary", help="print failures, problems and the summary only",
        action="store_true")
    only_progress: bool = option(
        False, "--only-progress",
        help="print a progress bar, failures, problems and the summary, no per-file lines",
        action="store_true")

    def __post_init__(self):
        object.__setattr__(self, "paths", tuple(str(p) for p in self.paths))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        object.__setattr__(self, "background", tuple(self.background))
        self._check_range("max_width", 0, None)
        self._check_range("max_height", 0, None)
        self._check_range("max_pixels", 1, None)
        self._check_range("max_memory", 1, None)
        self._check_range("min_savings", 0, 100)
        if self.quality is not None:
            self._check_range("quality", 1, 100)
        self._check_range("max_colors", 2, 256)
        if self.webp_quality is not None:
            self._check_range("webp_quality", 1, 100)
        self._check_range("webp_method", 0, 6)
        self._check_range("jobs", 0, None)
        if self.dask is not None:
            self._check_dask()
        if self.watch_interval <= 0:
            raise OptionError(flag_of("watch_interval"), "expects a positive number of seconds")
        self._check_choice("jpeg_tables", JPEG_TABLES)
        self._check_choice("metric", METRICS)
        self._check_choice("preset", PRESETS)
        self._check_choice("sample", SAMPLERS)
        for name in ("min_quality", "max_quality"):
            if getattr(self, name) is not None:
                self._check_range(name, 1, 100)
        if (self.min_quality or 1) > (self.max_quality or 100):
            raise OptionError(flag_of("min_quality"), "must not be above --max-quality")
        if self.ssim_min is not None and not 0 <= self.ssim_min <= 1:
            raise OptionError(flag_of("ssim_min"), "expects a value from 0 to 1")
        if self.target is not None and not 0 < self.target <= 1:
            raise OptionError(flag_of("target"), "expects a value above 0 and at most 1")
        if self.convert_to is not None:
            self._check_choice("convert_to", CONVERT_TARGETS)
        if len(self.background) != 3 or not all(0 <= c <= 255 for c in self.background):
            raise OptionError(flag_of("background"), "expects three values from 0 to 255")
        self._check_one_output_mode()

    def _check_dask(self):
        if self.watch:
            raise OptionError(flag_of("dask"), f"cannot be combined with {flag_of('watch')}")
        try:
            cluster.local_workers(self.dask)
        except ValueError as error:
            raise OptionError(flag_of("dask"), str(error)) from None

    def _check_range(self, name, low, high):
        value = getattr(self, name)
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise OptionError(flag_of(name), f"expects a value {bound}, got {value}")

    def _check_one_output_mode(self):
        """--quiet, --only-summary and --only-progress each say what to print: one at most."""
        chosen = [name for name in OUTPUT_MODES if getattr(self, name)]
        if len(chosen) > 1:
            raise OptionError(flag_of(chosen[0]),
                              f"cannot be combined with {flag_of(chosen[1])}: choose one of "
                              f"{', '.join(flag_of(name) for name in OUTPUT_MODES)}")

    def _check_choice(self, name, choices):
        if getattr(self, name) not in choices:
            raise OptionError(flag_of(name), f"expects one of {', '.join(choices)}")

    @property
    def conversion_target(self):
        """The format name conversions produce, or None when nothing converts."""
        if self.convert_to:
            return self.convert_to.upper()
        if self.convert_all or self.convert_big:
            return "JPEG"
        return None

    @property
    def converts_everything(self):
        return self.convert_all or (self.convert_to is not None and not self.convert_big)

    @property
    def writes_files(self):
        return not self.dry_run

    @property
    def html_report(self):
        """True when --report names an HTML page: then lossy results carry a `Preview`."""
        return bool(self.report) and self.report.lower().endswith(HTML_SUFFIXES)


# The options about files, folders, workers and printing: meaningless for an image in
# memory (api.optimize_bytes refuses them).
FILE_OPTIONS = ("paths", "no_recursion", "exclude", "output_dir", "dry_run", "force_delete",
                "update_mtime", "watch", "watch_interval", "report", "jobs", "quiet",
                "only_summary", "only_progress")


def flag_of(name):
    """The flags of a settings field as the user sees them, e.g. '-q/--quality'."""
    return options.flag_of(Settings, name)
