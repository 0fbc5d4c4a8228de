"""`optimize-images diff A B`: draw where two images (or two folders of images,
paired by name) differ, print how much, return the exit status.

Exit status: 0 when all went well, 1 when any pair failed, 2 for a usage
error. Only this module prints.
"""

import os
from typing import Dict, Iterable, List, Optional, Sequence, TextIO, Tuple

from PIL import Image

from ...common.errors import OptionError, UsageError
from ...common.options import Parser, add_options, flag_of, parse_command_line, run_command
from ...draw import diffmap
from ...draw.pictures import LOSSLESS_ENCODERS, stem, write_picture
from ...run import discovery
from .options import DiffOptions

PROG = "optimize-images diff"
DESCRIPTION = ("Draw where two images differ, as a map of the same size, and print how "
               "much they differ. A and B are two files, or two folders whose images "
               "pair up by name.")

Pair = Tuple[str, str, str]  # (relative path, path in A, path in B)


def main(argv: Sequence[str], stdout: Optional[TextIO] = None,
         stderr: Optional[TextIO] = None) -> int:
    """Entry point of `optimize-images diff`; returns the exit status."""
    return run_command(PROG, parse, draw_and_print, argv, stdout, stderr)


def parse(argv: Sequence[str], stdout: TextIO) -> DiffOptions:
    """The DiffOptions of a command line; UsageError for one that cannot run."""
    parser = Parser(prog=PROG, description=DESCRIPTION, stdout=stdout)
    add_options(parser, DiffOptions)
    options, _ = parse_command_line(DiffOptions, parser, argv)
    check_paths(options)
    return options


def check_paths(options: DiffOptions) -> None:
    """Raise UsageError for what the files on disk make impossible."""
    assert options.a is not None and options.b is not None  # positional: argparse requires them
    for name in (options.a, options.b):
        if not os.path.exists(name):
            raise UsageError(f"{name}: no such file or folder")
    if os.path.isdir(options.a) != os.path.isdir(options.b):
        raise UsageError("A and B must both be files or both be folders")
    if options.output and not os.path.isdir(options.a):
        suffix = os.path.splitext(options.output)[1].lower()
        allowed = (".png",) if options.raw else tuple(LOSSLESS_ENCODERS)
        if suffix not in allowed:
            raise OptionError(flag_of(DiffOptions, "output"),
                              f"expects a {' or '.join(allowed)} file"
                              f"{' for --raw' if options.raw else ''}; got {options.output!r}")


def draw_and_print(options: DiffOptions, stdout: TextIO, stderr: TextIO) -> int:
    assert options.a is not None and options.b is not None  # as `parse` makes them
    if not os.path.isdir(options.a):
        output = options.output or f"{stem(options.a)}-diff.png"
        return 0 if _diff_pair(options, options.a, options.b, output, stdout, stderr) else 1
    folder = options.output or f"{stem(options.a)}-diff"
    pairs, only_a, only_b = pair_by_name(options.a, options.b)
    failed = 0
    for relative, path_a, path_b in pairs:
        output = os.path.join(folder, os.path.splitext(relative)[0] + ".png")
        if not _diff_pair(options, path_a, path_b, output, stdout, stderr, label=relative):
            failed += 1
    for side, names in (("A", only_a), ("B", only_b)):
        if names:
            stdout.write(f"only in {side} ({len(names)}): {', '.join(names)}\n")
    stdout.write(f"{len(pairs)} pair{'s' * (len(pairs) != 1)} compared"
                 f"{f', {failed} failed' if failed else ''}; maps in {folder}\n")
    return 1 if failed or not pairs else 0


def _diff_pair(options: DiffOptions, path_a: str, path_b: str, output: str, stdout: TextIO,
               stderr: TextIO, *, label: Optional[str] = None) -> bool:
    """Draw, write and summarize one pair; False (after saying why) when it failed."""
    label = label or os.path.basename(path_a)
    try:
        a, b = _opened(path_a), _opened(path_b)
        legend = None if options.legend == "none" else (
            diffmap.legend_side(a.size) if options.legend == "auto" else options.legend)
        diff, picture = diffmap.draw(
            a, b, strategy=options.strategy, pre=options.pre, radius=options.radius,
            threshold=options.threshold, detect_aa=not options.include_aa,
            overlay=options.overlay, legend=legend, metric=options.metric)
        summary = diffmap.summarize(a, b, diff, threshold=options.threshold)
        write_picture(output, diffmap.to_16bit(diff) if options.raw else picture)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        stderr.write(f"{PROG}: {label}: {error}\n")
        return False
    stdout.write(f"{label}: {_map_figures(summary, options)}, SSIM {summary.ssim:.4f} "
                 f"-> {output}\n")
    return True


def _map_figures(summary: diffmap.DiffSummary, options: DiffOptions) -> str:
    """What the map says in numbers. The gradient map is in its metric's units, not 0-1:
    its mean and largest magnitude only, no count above a 0-1 threshold."""
    if options.strategy in diffmap.SIGNED_STRATEGIES:
        return f"mean |map| {summary.mean:.4g}, max |map| {summary.max:.4g}"
    return (f"mean {summary.mean:.4f}, max {summary.max:.4f}, "
            f"{summary.count} pixel{'s' * (summary.count != 1)} "
            f"({summary.above * 100:.2f}%) above {options.threshold:g}")


def pair_by_name(folder_a: str, folder_b: str) -> Tuple[List[Pair], List[str], List[str]]:
    """([(relative path, path in A, path in B)], names only in A, names only in B).

    Images pair up by their path below each folder; left over, by that path
    without its suffix (photo.png in A and photo.webp in B), where that is
    unambiguous.
    """
    in_a, in_b = _relative_images(folder_a), _relative_images(folder_b)
    pairs = [(name, in_a.pop(name), in_b.pop(name)) for name in sorted(set(in_a) & set(in_b))]
    stems_a, stems_b = _unique_stems(in_a), _unique_stems(in_b)
    for name_stem in sorted(set(stems_a) & set(stems_b)):
        name_a, name_b = stems_a[name_stem], stems_b[name_stem]
        pairs.append((name_a, in_a.pop(name_a), in_b.pop(name_b)))
    return sorted(pairs), sorted(in_a), sorted(in_b)


def _relative_images(folder: str) -> Dict[str, str]:
    return {os.path.relpath(found.path, folder): found.path
            for found in discovery.find_images([folder])}


def _unique_stems(names: Iterable[str]) -> Dict[str, str]:
    stems: Dict[str, List[str]] = {}
    for name in names:
        stems.setdefault(os.path.splitext(name)[0], []).append(name)
    return {name_stem: found[0] for name_stem, found in stems.items() if len(found) == 1}


def _opened(path: str) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        return image
