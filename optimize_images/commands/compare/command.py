"""`optimize-images compare IMAGE_OR_FOLDER`: draw labelled comparison figures, print
each group's variants, return the exit status.

Exit status: 0 when all went well, 1 when any variant could not be made or
the study failed, 2 for a usage error. Only this module prints.
"""

import os
from typing import Optional, Sequence, TextIO

from PIL import Image

from ...common.errors import UsageError
from ...common.options import Parser, add_options, parse_command_line, run_command
from ...draw.pictures import stem
from .matching import Missing, value_name
from .options import CompareOptions
from .study import GroupResult, study_groups

PROG = "optimize-images compare"
DESCRIPTION = ("Draw labelled comparison figures of an image encoded in several formats at "
               "matched SSIM (visual quality) and at matched bits per pixel (file size). "
               "Given a folder, each group of targets uses the image whose variants "
               "differ most.")


def main(argv: Sequence[str], stdout: Optional[TextIO] = None,
         stderr: Optional[TextIO] = None) -> int:
    """Entry point of `optimize-images compare`; returns the exit status."""
    return run_command(PROG, parse, study_and_print, argv, stdout, stderr)


def parse(argv: Sequence[str], stdout: TextIO) -> CompareOptions:
    """The CompareOptions of a command line (and its --config); UsageError for one that
    cannot run."""
    parser = Parser(prog=PROG, description=DESCRIPTION, stdout=stdout)
    add_options(parser, CompareOptions)
    options, _ = parse_command_line(CompareOptions, parser, argv)
    assert options.source is not None  # a positional argument: argparse requires it
    if not os.path.exists(options.source):
        raise UsageError(f"{options.source}: no such file or folder")
    return options


def study_and_print(options: CompareOptions, stdout: TextIO, stderr: TextIO) -> int:
    assert options.source is not None  # as `parse` makes them
    output = options.output or f"{stem(options.source)}-comparison"
    try:
        results = study_groups(options.source, output, options)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        stderr.write(f"{PROG}: {options.source}: {error}\n")
        return 1
    missing = 0
    for result in results:
        missing += _print_group(result, stdout)
    return 1 if missing else 0


def _print_group(result: GroupResult, stdout: TextIO) -> int:
    """Print one group's variants and files; the number of variants not made."""
    left, top, right, bottom = result.fragment
    stdout.write(f"{result.metric}: {result.source}, fragment {right - left}x{bottom - top} "
                 f"at ({left}, {top})\n")
    missing = 0
    for variant in result.variants:
        target = value_name(variant.target)
        name = f"  {variant.format.upper():<5} {result.metric} {target:<5}"
        if isinstance(variant, Missing):
            stdout.write(f"{name} not made: {variant.reason}\n")
            missing += 1
        else:
            measured = variant.measurement
            flag = f"  {variant.off_target}" if variant.off_target else ""
            stdout.write(f"{name} q{measured.quality:<3} {measured.bpp:.3f} bpp  "
                         f"SSIM {measured.ssim:.4f}{flag}\n")
    folder = os.path.dirname(result.files[0]) if result.files else ""
    stdout.write(f"  {len(result.files)} figures in {folder}\n")
    return missing
