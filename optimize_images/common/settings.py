"""Every option of a run, defined once.

`Settings` is the single source of truth: each field carries its command-line
flags and help (see `options`), `cli` generates the parser from the fields, and
validation lives in `__post_init__`, so the CLI and the Python API share it.
"""

from dataclasses import dataclass
from typing import Optional, Tuple

from . import options
from .errors import OptionError
from .options import option

JPEG_TABLES = ("auto", "standard", "mozjpeg", "mozjpeg3")  # mozjpeg3: 2.2.0's name
SEARCH_METRICS = ("ssim", "ms-ssim", "sad")  # what the quality search measures
SAMPLERS = ("tiles", "thumbnail")
PRESETS = ("low", "medium", "high", "veryhigh")
# The butteraugli distance each preset aims at: below 1 no visible difference,
# about 2 visible on close inspection.
BUTTERAUGLI = {"low": 2.4, "medium": 2.0, "high": 1.7, "veryhigh": 1.4}
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
# --dask local:N starts a cluster of N worker processes (see `cluster`).
DASK_LOCAL = "local"


def parse_hex_color(text: str) -> Tuple[int, int, int]:
    """'#fa0', 'ffaa00' → (255, 170, 0); ValueError for anything else."""
    digits = text.strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    wrong = ValueError(f"expects a colour as 3 or 6 hexadecimal digits, like ff0000 or '#f00'; "
                       f"got {text!r}")
    if len(digits) != 6:
        raise wrong
    try:
        red, green, blue = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
        return red, green, blue
    except ValueError:
        raise wrong from None


# The argument groups of --help, in this order.
WHAT_TO_OPTIMIZE = "what to optimize"
IMAGE_CHANGES = "image changes"
JPEG_QUALITY = "JPEG quality"
PNG_OPTIONS = "PNG"
WEBP_OPTIONS = "WebP"
CONVERSIONS = "conversions"
OUTPUT = "output"
RUN = "run"


def local_workers(address: str) -> Optional[int]:
    """N for --dask 'local:N' (N at least 1), None for a scheduler's address; ValueError
    otherwise. The address's grammar only: Dask itself is imported by `cluster`, and
    only when a run uses it."""
    name, _, count = address.partition(":")
    if name != DASK_LOCAL:
        if not address.strip():
            raise ValueError("expects a scheduler address such as tcp://host:8786, or local:N")
        return None
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"expects local:N, N worker processes (at least 1); got {address!r}")
    return int(count)


@dataclass(frozen=True)
class Settings:
    """The options of a run: of `optimize-images PATH...` and of the Python API."""

    # What to optimize
    paths: Tuple[str, ...] = option(
        (), "paths", group=WHAT_TO_OPTIMIZE, help="image files or folders to optimize",
        nargs="*", metavar="PATH")
    no_recursion: bool = option(
        False, "-nr", "--no-recursion", group=WHAT_TO_OPTIMIZE,
        help="do not descend into subfolders",
        action="store_true")
    exclude: Tuple[str, ...] = option(
        (), "--exclude", group=WHAT_TO_OPTIMIZE,
        help="leave alone paths matching this glob (matched against the path below the "
             "folder given, a file's path as given, and the file name); repeatable",
        action="append", metavar="GLOB")
    force: bool = option(
        False, "--force", group=WHAT_TO_OPTIMIZE,
        help="also process files this tool already optimized (they carry our marker)",
        action="store_true")
    max_pixels: int = option(
        DEFAULT_MAX_PIXELS, "--max-pixels", group=WHAT_TO_OPTIMIZE, minimum=1,
        help="refuse images with more pixels than this, a guard against "
             "decompression bombs (default: %(default)s, Pillow's limit)",
        type=int, metavar="N")
    max_memory: int = option(
        DEFAULT_MAX_MEMORY_MB, "--max-memory", group=WHAT_TO_OPTIMIZE, minimum=1,
        help="refuse, before its work, an image that would need more than this many MB "
             "in one worker, by an estimate from its pixels, its transparency and the format "
             "written (bytes a pixel: JPEG 9, PNG 11, WebP 23-26, lossless WebP 36, or 57 at "
             "-wm 6, AVIF 35); each of -jobs N workers may use that much "
             "(default: %(default)s)",
        type=int, metavar="MB")

    # Image changes
    max_width: int = option(
        0, "-mw", "--max-width", group=IMAGE_CHANGES, minimum=0,
        help="downsize wider images to this width, keeping the aspect ratio "
             "(default: %(default)s, no limit)", type=int, metavar="PX")
    max_height: int = option(
        0, "-mh", "--max-height", group=IMAGE_CHANGES, minimum=0,
        help="downsize taller images to this height, keeping the aspect ratio "
             "(default: %(default)s, no limit)", type=int, metavar="PX")
    grayscale: bool = option(
        False, "-g", "--grayscale", group=IMAGE_CHANGES, help="convert to grayscale",
        action="store_true")
    keep_exif: bool = option(
        False, "-ke", "--keep-exif", group=IMAGE_CHANGES,
        help="keep EXIF metadata (default: strip it, after turning the pixels upright)",
        action="store_true")
    remove_transparency: bool = option(
        False, "-rt", "--remove-transparency", group=IMAGE_CHANGES,
        help="flatten transparent images over the background colour", action="store_true")
    background: Tuple[int, int, int] = option(
        (255, 255, 255), "-bg", "--background", group=IMAGE_CHANGES, minimum=0, maximum=255,
        help="background colour as R G B, for -rt and conversions to JPEG (default: white)",
        type=int, nargs=3, metavar=("R", "G", "B"),
        also=((("-hbg", "--hex-background"),
               "background colour in hexadecimal, e.g. ff0000 or '#f00'",
               {"type": parse_hex_color, "metavar": "HEX"}),))

    # JPEG quality
    quality: Optional[int] = option(
        None, "-q", "--quality", group=JPEG_QUALITY, minimum=1, maximum=100,
        help="fixed JPEG quality 1-100 (default: chosen per image by the quality search)",
        type=int, metavar="Q")
    metric: str = option(
        "ssim", "--metric", group=JPEG_QUALITY, choices=SEARCH_METRICS,
        help="what the quality search measures: 'ssim', 'ms-ssim', or 'sad' (the classic "
             "mean-absolute-difference ratio of optimize-images 2.x) (default: %(default)s)")
    preset: str = option(
        "medium", "--preset", group=JPEG_QUALITY, choices=PRESETS,
        help="how close to the original results must look. With --metric ssim each "
             "photo gets its own SSIM target, for about the same visible difference on "
             "every photo: butteraugli distance "
             + ", ".join(f"{value:g} ({name})" for name, value in BUTTERAUGLI.items())
             + ", where 1 is invisible and 2 visible on close inspection; with ms-ssim "
             "and sad the preset is one --target for every photo (default: %(default)s)")
    target: Optional[float] = option(
        None, "--target", group=JPEG_QUALITY, above=0, maximum=1,
        help="the metric value every result must reach, the same for every photo, e.g. "
             "0.97 for SSIM: the full image's SSIM comes within 0.003 of it for 95%% of "
             "photos (default: from --preset)",
        type=float, metavar="VALUE")
    sample: str = option(
        "tiles", "--sample", group=JPEG_QUALITY, choices=SAMPLERS,
        help="what the search encodes: 'tiles' (a mosaic of full-resolution tiles) or "
             "'thumbnail' (the classic 400x400 resize) (default: %(default)s)")
    min_quality: Optional[int] = option(
        None, "--min-quality", group=JPEG_QUALITY, minimum=1, maximum=100,
        help="lowest JPEG quality the search may choose (default: 50; 75 with --metric sad)",
        type=int, metavar="Q")
    max_quality: Optional[int] = option(
        None, "--max-quality", group=JPEG_QUALITY, minimum=1, maximum=100,
        help="highest JPEG quality the search may choose (default: 100; 80 with --metric sad)",
        type=int, metavar="Q")
    jpeg_tables: str = option(
        "auto", "-jt", "--jpeg-tables", group=JPEG_QUALITY, choices=JPEG_TABLES,
        help="JPEG quantization tables: 'standard' (libjpeg's), 'mozjpeg' or 'mozjpeg3' "
             "(mozjpeg's default table 3, 2.2.0's name), or 'auto': mozjpeg's, which "
             "butteraugli judged better at the same SSIM (default: %(default)s)")
    fast_mode: bool = option(
        False, "-fm", "--fast-mode", group=JPEG_QUALITY,
        help=f"skip the quality search (JPEG at quality {DEFAULT_LOSSY_QUALITY}) "
             "and PNG's trials (one encode of its smallest exact form)",
        action="store_true")
    ssim_min: Optional[float] = option(
        None, "-ssm", "--ssim-min", group=JPEG_QUALITY, minimum=0, maximum=1,
        help="discard a lossy result whose full-image SSIM against the original is below "
             "this (0-1), keeping the original; implies --show-ssim",
        type=float, metavar="VALUE")
    show_ssim: bool = option(
        False, "--show-ssim", group=JPEG_QUALITY,
        help="measure and show each lossy result's full-image SSIM (slower on big images)",
        action="store_true",
        also=((("--no-show-ssim",), "do not measure it (the default)",
               {"action": "store_false"}),))

    # PNG
    reduce_colors: bool = option(
        False, "-rc", "--reduce-colors", group=PNG_OPTIONS,
        help="reduce PNGs of more colours than -mc to an adaptive palette, dithered when "
             "opaque (lossy; keeps transparency)",
        action="store_true")
    max_colors: int = option(
        256, "-mc", "--max-colors", group=PNG_OPTIONS, minimum=2, maximum=256,
        help="palette size for -rc, 2-256 (default: %(default)s)",
        type=int, metavar="N")

    # WebP
    webp_quality: Optional[int] = option(
        None, "-wq", "--webp-quality", group=WEBP_OPTIONS, minimum=1, maximum=100,
        help="fixed WebP quality 1-100 (default: chosen per image by the quality search, "
             f"{DEFAULT_LOSSY_QUALITY} with -fm)",
        type=int, metavar="Q")
    webp_lossless: bool = option(
        False, "-wl", "--webp-lossless", group=WEBP_OPTIONS,
        help="encode WebP losslessly (a lossless WebP source stays lossless anyway)",
        action="store_true")
    webp_method: int = option(
        4, "-wm", "--webp-method", group=WEBP_OPTIONS, minimum=0, maximum=6,
        help="WebP effort 0 (fastest) - 6 (slowest). On our photos 4 makes files as small "
             "as 6 in about half the time (6 takes 1.8x as long); 0-2 are faster and make "
             "files 7-20 percent larger (default: %(default)s)",
        type=int, metavar="M")

    # Conversions
    convert_big: bool = option(
        False, "-cb", "--convert-big", group=CONVERSIONS,
        help=f"convert big photographic PNGs (at least {BIG_PHOTO_BYTES // 1000} kB, opaque, "
             "many colours) to JPEG, or to -cf's format", action="store_true")
    convert_all: bool = option(
        False, "-ca", "--convert-all", group=CONVERSIONS,
        help="convert every image not already in the target format (JPEG, or -cf's)",
        action="store_true")
    convert_to: Optional[str] = option(
        None, "-cf", "--convert-to", group=CONVERSIONS, choices=CONVERT_TARGETS,
        help="target format for -ca/-cb (avif where this Pillow writes it); given alone, "
             "it implies -ca")
    force_delete: bool = option(
        False, "-fd", "--force-delete", group=CONVERSIONS,
        help="delete a converted source once its new file was written, re-opened and "
             "decoded (never a file that was not converted)",
        action="store_true")

    # Output
    output_dir: Optional[str] = option(
        None, "--output-dir", group=OUTPUT,
        help="write results into this folder, mirroring the tree; sources stay untouched. "
             "It may lie inside a folder given (it is then never read as input), but must "
             "not be one, nor hold one",
        metavar="DIR")
    dry_run: bool = option(
        False, "--dry-run", group=OUTPUT, help="do all the work in memory, write nothing",
        action="store_true")
    no_comparison: bool = option(
        False, "-nc", "--no-comparison", group=OUTPUT,
        help="keep the result even when it is not smaller than the original",
        action="store_true")
    min_savings: float = option(
        1.0, "--min-savings", group=OUTPUT, minimum=0, maximum=100,
        help="keep a result only when it is at least this many percent smaller "
             "(default: %(default)s)",
        type=float, metavar="PCT")
    update_mtime: bool = option(
        False, "--update-mtime", group=OUTPUT,
        help="give rewritten files the current time (default: keep the original's)",
        action="store_true")
    report: Optional[str] = option(
        None, "--report", group=OUTPUT,
        help="write a report of the run to FILE: JSON (one record per file and the summary), "
             "or, for a FILE ending in .html, a page to audit the run in a browser (the "
             "fragments where lossy results differ most, side by side); '-' writes the JSON "
             "to standard output and the usual lines to standard error",
        metavar="FILE")
    quiet: bool = option(
        False, "--quiet", group=OUTPUT,
        help="print nothing but failures and skips that are problems (on stderr)",
        action="store_true")
    only_summary: bool = option(
        False, "--only-summary", group=OUTPUT, help="print failures, problems and the summary only",
        action="store_true")
    only_progress: bool = option(
        False, "--only-progress", group=OUTPUT,
        help="print a progress bar, failures, problems and the summary, no per-file lines",
        action="store_true")

    # Run
    jobs: int = option(
        0, "-jobs", "--jobs", group=RUN, minimum=0,
        help="worker count; 0 = one per core, 1 = serial (default: %(default)s)",
        type=int, metavar="N")
    dask: Optional[str] = option(
        None, "--dask", group=RUN,
        help="hand each file to the workers of the Dask scheduler at ADDRESS "
             "(tcp://host:8786), or to a local cluster of N worker processes started for "
             "the run (local:N); the files must be on a filesystem every worker sees at "
             'the same path (pip install "optimize-images[dask]"; see docs/scale-out.md)',
        metavar="ADDRESS")
    watch: bool = option(
        False, "-wd", "--watch-directory", group=RUN,
        help="keep running: optimize new or changed files once they stop growing "
             "(Ctrl-C ends it with a summary)",
        action="store_true")
    watch_interval: float = option(
        2.0, "--watch-interval", group=RUN, above=0,
        help="seconds between two looks at the folders in watch mode (default: %(default)s)",
        type=float, metavar="S")

    def __post_init__(self) -> None:
        object.__setattr__(self, "paths", tuple(str(p) for p in self.paths))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        object.__setattr__(self, "background", tuple(self.background))
        options.check_declared(self)
        if len(self.background) != 3:
            raise OptionError(flag_of("background"),
                              f"expects three numbers, R G B; got {self.background!r}")
        if self.dask is not None:
            self._check_dask()
        if (self.min_quality or 1) > (self.max_quality or 100):
            raise OptionError(flag_of("min_quality"),
                              f"expects a number no higher than {flag_of('max_quality')} "
                              f"({self.max_quality}); got {self.min_quality}")
        self._check_one_output_mode()

    def _check_dask(self):
        if self.watch:
            raise OptionError(flag_of("dask"), f"cannot be combined with {flag_of('watch')}")
        try:
            local_workers(self.dask)
        except ValueError as error:
            raise OptionError(flag_of("dask"), str(error)) from None

    def _check_one_output_mode(self) -> None:
        """--quiet, --only-summary and --only-progress each say what to print: one at most."""
        chosen = [name for name in OUTPUT_MODES if getattr(self, name)]
        if len(chosen) > 1:
            raise OptionError(flag_of(chosen[0]),
                              f"cannot be combined with {flag_of(chosen[1])}: choose one of "
                              f"{', '.join(flag_of(name) for name in OUTPUT_MODES)}")

    @property
    def conversion_target(self) -> Optional[str]:
        """The format name conversions produce, or None when nothing converts."""
        if self.convert_to:
            return self.convert_to.upper()
        if self.convert_all or self.convert_big:
            return "JPEG"
        return None

    @property
    def converts_everything(self) -> bool:
        return self.convert_all or (self.convert_to is not None and not self.convert_big)

    @property
    def writes_files(self) -> bool:
        return not self.dry_run

    @property
    def html_report(self) -> bool:
        """True when --report names an HTML page: then lossy results carry a `Preview`."""
        return bool(self.report and self.report.lower().endswith(HTML_SUFFIXES))


# The options about files, folders, workers and printing: meaningless for an image in
# memory (api.optimize_bytes refuses them).
FILE_OPTIONS = ("paths", "no_recursion", "exclude", "output_dir", "dry_run", "force_delete",
                "update_mtime", "watch", "watch_interval", "report", "jobs", "quiet",
                "only_summary", "only_progress")


def flag_of(name: str) -> str:
    """The flags of a settings field as the user sees them, e.g. '-q/--quality'."""
    return options.flag_of(Settings, name)
