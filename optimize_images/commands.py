"""The diff and compare subcommands: parse, run, print, return the exit status.

`optimize-images diff A B` draws where two images (or two folders of images,
paired by name) differ; `optimize-images compare IMAGE_OR_FOLDER` draws
labelled comparison figures. Exit status: 0 when all went well, 1 when any
pair or image failed, 2 for a usage error. Only this module prints.
"""

import argparse
import os
import sys

from PIL import Image

from . import diffmap, discovery, formats, study, writer
from .errors import UsageError
from .options import Exit, Parser

USAGE_ERROR = 2
# What a diff picture can be written as, by the output's suffix; both lossless.
PICTURE_ENCODERS = {".png": ("PNG", {}), ".webp": ("WEBP", {"lossless": True, "method": 0})}
LEGEND_CHOICES = ("auto", "below", "right", "none")


def _run(prog, parse, work, argv, stdout, stderr):
    """Parse (usage errors → 2), then work; the exit status."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        arguments = parse(list(argv), stdout)
    except Exit as done:
        return done.status
    except (UsageError, study.StudyError) as error:
        stderr.write(f"{prog}: error: {error}\n")
        return USAGE_ERROR
    return work(arguments, stdout, stderr)


# diff ----------------------------------------------------------------------------

def diff_main(argv, stdout=None, stderr=None):
    """Entry point of `optimize-images diff`; returns the exit status."""
    return _run("optimize-images diff", _parse_diff, _diff, argv, stdout, stderr)


def _diff_parser(stdout):
    parser = Parser(
        prog="optimize-images diff", stdout=stdout,
        description="Draw where two images differ, as a map of the same size, and print how "
                    "much they differ. A and B are two files, or two folders whose images "
                    "pair up by name.")
    parser.add_argument("a", metavar="A", help="the reference image, or a folder of them")
    parser.add_argument("b", metavar="B", help="the image to compare, or a folder of them")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="where to write the map: a .png or .webp file for two files "
                             "(default: <A's name>-diff.png), a folder for two folders "
                             "(default: <A's folder>-diff)")
    parser.add_argument("--strategy", choices=diffmap.STRATEGIES, default="difference",
                        help="difference: mean absolute difference of R, G, B; ssim: 1 - local "
                             "SSIM; pixelmatch: YIQ colour distance, pixels above --threshold "
                             "in red (default: %(default)s)")
    parser.add_argument("--threshold", type=float, default=diffmap.DEFAULT_THRESHOLD,
                        help="the map value (0-1) above which a pixel counts as different "
                             "(default: %(default)s, pixelmatch's)")
    parser.add_argument("--pre", choices=diffmap.PRE_PROCESSORS, default="identity",
                        help="transform both images first: normalize to the full range, "
                             "highpass (minus a Gaussian blur), lowpass (the blur) "
                             "(default: %(default)s)")
    parser.add_argument("--radius", type=float, default=diffmap.DEFAULT_RADIUS,
                        help="the blur radius of --pre highpass and lowpass, in pixels "
                             "(default: %(default)s)")
    parser.add_argument("--overlay", action="store_true",
                        help="draw the map over A instead of on its own")
    parser.add_argument("--raw", action="store_true",
                        help="write the map itself as a 16-bit grey PNG (0-1 as 0-65535)")
    parser.add_argument("--legend", choices=LEGEND_CHOICES, default="auto",
                        help="where the colour legend goes; auto: below a wide map, right of "
                             "a tall one (default: %(default)s)")
    parser.add_argument("--include-aa", action="store_true",
                        help="pixelmatch: count anti-aliased pixels as different instead of "
                             "excusing them")
    return parser


def _parse_diff(argv, stdout):
    arguments = _diff_parser(stdout).parse_args(argv)
    if not 0 <= arguments.threshold <= 1:
        raise UsageError(f"--threshold: give a number from 0 to 1, not {arguments.threshold:g}")
    if not 0 < arguments.radius <= 1000:
        raise UsageError(f"--radius: give a number of pixels above 0, not {arguments.radius:g}")
    for name in (arguments.a, arguments.b):
        if not os.path.exists(name):
            raise UsageError(f"{name}: no such file or folder")
    if os.path.isdir(arguments.a) != os.path.isdir(arguments.b):
        raise UsageError("A and B must both be files or both be folders")
    if arguments.output and not os.path.isdir(arguments.a):
        suffix = os.path.splitext(arguments.output)[1].lower()
        allowed = (".png",) if arguments.raw else tuple(PICTURE_ENCODERS)
        if suffix not in allowed:
            raise UsageError(f"-o/--output: name a {' or '.join(allowed)} file "
                             f"{'for --raw ' if arguments.raw else ''}(got {arguments.output})")
    return arguments


def _diff(arguments, stdout, stderr):
    if not os.path.isdir(arguments.a):
        output = arguments.output or f"{_stem(arguments.a)}-diff.png"
        return 0 if _diff_pair(arguments, arguments.a, arguments.b, output, stdout, stderr) else 1
    folder = arguments.output or f"{_stem(arguments.a)}-diff"
    pairs, only_a, only_b = pair_by_name(arguments.a, arguments.b)
    failed = 0
    for relative, path_a, path_b in pairs:
        output = os.path.join(folder, os.path.splitext(relative)[0] + ".png")
        if not _diff_pair(arguments, path_a, path_b, output, stdout, stderr, label=relative):
            failed += 1
    for side, names in (("A", only_a), ("B", only_b)):
        if names:
            stdout.write(f"only in {side} ({len(names)}): {', '.join(names)}\n")
    stdout.write(f"{len(pairs)} pair{'s' * (len(pairs) != 1)} compared"
                 f"{f', {failed} failed' if failed else ''}; maps in {folder}\n")
    return 1 if failed or not pairs else 0


def _diff_pair(arguments, path_a, path_b, output, stdout, stderr, *, label=None):
    """Draw, write and summarize one pair; False (after saying why) when it failed."""
    label = label or os.path.basename(path_a)
    try:
        a, b = _opened(path_a), _opened(path_b)
        legend = None if arguments.legend == "none" else (
            diffmap.legend_side(a.size) if arguments.legend == "auto" else arguments.legend)
        diff, picture = diffmap.draw(
            a, b, strategy=arguments.strategy, pre=arguments.pre, radius=arguments.radius,
            threshold=arguments.threshold, detect_aa=not arguments.include_aa,
            overlay=arguments.overlay, legend=legend)
        summary = diffmap.summarize(a, b, diff, threshold=arguments.threshold)
        _write_picture(output, diffmap.to_16bit(diff) if arguments.raw else picture)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        stderr.write(f"optimize-images diff: {label}: {error}\n")
        return False
    stdout.write(f"{label}: mean {summary.mean:.4f}, max {summary.max:.4f}, "
                 f"{summary.above * 100:.2f}% above {arguments.threshold:g}, "
                 f"SSIM {summary.ssim:.4f} -> {output}\n")
    return True


def pair_by_name(folder_a, folder_b):
    """([(relative path, path in A, path in B)], names only in A, names only in B).

    Images pair up by their path below each folder; left over, by that path
    without its suffix (photo.png in A and photo.webp in B), where that is
    unambiguous.
    """
    in_a, in_b = _relative_images(folder_a), _relative_images(folder_b)
    pairs = [(name, in_a.pop(name), in_b.pop(name)) for name in sorted(set(in_a) & set(in_b))]
    stems_a, stems_b = _unique_stems(in_a), _unique_stems(in_b)
    for stem in sorted(set(stems_a) & set(stems_b)):
        name_a, name_b = stems_a[stem], stems_b[stem]
        pairs.append((name_a, in_a.pop(name_a), in_b.pop(name_b)))
    return sorted(pairs), sorted(in_a), sorted(in_b)


def _relative_images(folder):
    return {os.path.relpath(found.path, folder): found.path
            for found in discovery.find_images([folder])}


def _unique_stems(names):
    stems = {}
    for name in names:
        stems.setdefault(os.path.splitext(name)[0], []).append(name)
    return {stem: found[0] for stem, found in stems.items() if len(found) == 1}


def _opened(path):
    with Image.open(path) as image:
        image.load()
        return image


def _write_picture(path, picture):
    format_name, options = PICTURE_ENCODERS[os.path.splitext(path)[1].lower()]
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    writer.replace_file(path, formats.save_to_bytes(picture, format_name, **options))


def _stem(path):
    return os.path.splitext(os.path.basename(os.path.normpath(path)))[0]


# compare -------------------------------------------------------------------------

def compare_main(argv, stdout=None, stderr=None):
    """Entry point of `optimize-images compare`; returns the exit status."""
    return _run("optimize-images compare", _parse_compare, _compare, argv, stdout, stderr)


def _compare_parser(stdout):
    parser = Parser(
        prog="optimize-images compare", stdout=stdout,
        description="Draw labelled comparison figures of an image encoded in several formats at "
                    "matched SSIM (visual quality) and at matched bits per pixel (file size). "
                    "Given a folder, each group of targets uses the image whose variants "
                    "differ most.")
    suppress = argparse.SUPPRESS  # defaults live in study.Study; --config fills in first
    parser.add_argument("source", metavar="IMAGE_OR_FOLDER")
    parser.add_argument("-o", "--output", metavar="OUTDIR",
                        help="the folder for the figures (default: <name>-comparison)")
    parser.add_argument("--target", dest="targets", action="append", default=suppress,
                        metavar="METRIC=V,V,...",
                        help="a group of targets, ssim or bpp; repeat for more groups "
                             "(default: ssim=0.90,0.95,0.98 and bpp=0.5,1.0,1.5)")
    parser.add_argument("--formats", default=suppress, metavar="F,F,...",
                        help=f"formats to compare, from {', '.join(study.ENCODERS)} "
                             "(default: jpeg, webp, and avif where this Pillow writes it)")
    parser.add_argument("--tile-parameter", choices=study.TILE_PARAMETERS, default=suppress,
                        help="what varies across the tiles of a figure: the format (a figure "
                             "per target value) or the quality (a figure per format) "
                             "(default: format)")
    parser.add_argument("--crop-size", type=int, default=suppress, metavar="PX",
                        help="the side of the fragment shown (default: 128)")
    parser.add_argument("--zoom", type=int, default=suppress,
                        help="how many times the fragment is enlarged (default: 3)")
    parser.add_argument("--source-image", default=suppress, metavar="NAME",
                        help="in a folder, study this image instead of choosing one")
    parser.add_argument("--exclude", action="append", default=suppress, metavar="PATTERN",
                        help="in a folder, skip images whose name matches; repeatable")
    parser.add_argument("--figure-format", choices=tuple(study.FIGURE_ENCODERS),
                        default=suppress, help="(default: webp, lossless)")
    parser.add_argument("--config", metavar="JSON",
                        help="a study as JSON: targets ({\"ssim\": [0.9, 0.95]}), formats, "
                             "tile_parameter, crop_size, zoom, exclude, source_image, "
                             "figure_format; options given here win")
    return parser


def _parse_compare(argv, stdout):
    """(source, output folder, Study)."""
    arguments = vars(_compare_parser(stdout).parse_args(argv))
    source, output, config = (arguments.pop(name) for name in ("source", "output", "config"))
    options = study.read_config(config) if config else {}
    if "targets" in arguments:
        arguments["targets"] = tuple(study.parse_target(text) for text in arguments["targets"])
    if "formats" in arguments:
        arguments["formats"] = tuple(name.strip().lower()
                                     for name in arguments["formats"].split(",") if name.strip())
    if "exclude" in arguments:
        arguments["exclude"] = tuple(arguments["exclude"])
    options.update(arguments)
    try:
        settings = study.Study(**options)
    except TypeError as error:  # a config value of the wrong kind
        raise UsageError(f"--config: {error}") from None
    if not os.path.exists(source):
        raise UsageError(f"{source}: no such file or folder")
    return source, output or f"{_stem(source)}-comparison", settings


def _compare(arguments, stdout, stderr):
    source, output, settings = arguments
    try:
        results = study.run(source, output, settings)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        stderr.write(f"optimize-images compare: {source}: {error}\n")
        return 1
    missing = 0
    for result in results:
        missing += _print_group(result, stdout)
    return 1 if missing else 0


def _print_group(result, stdout):
    """Print one group's variants and files; the number of variants not made."""
    left, top, right, bottom = result.fragment
    stdout.write(f"{result.metric}: {result.source}, fragment {right - left}x{bottom - top} "
                 f"at ({left}, {top})\n")
    missing = 0
    for variant in result.variants:
        target = study.value_name(variant.target)
        name = f"  {variant.format.upper():<5} {result.metric} {target:<5}"
        if isinstance(variant, study.Missing):
            stdout.write(f"{name} not made: {variant.reason}\n")
            missing += 1
        else:
            measured = variant.measurement
            stdout.write(f"{name} q{measured.quality:<3} {measured.bpp:.3f} bpp  "
                         f"SSIM {measured.ssim:.4f}\n")
    folder = os.path.dirname(result.files[0]) if result.files else ""
    stdout.write(f"  {len(result.files)} figures in {folder}\n")
    return missing
