"""The command line: parse into `Settings`, run, report, return the exit status.

The exit statuses and what each means are EXIT_STATUSES below; docs/options.md
shows them as a table (written by scripts/options_table.py).
"""

import os
import sys
from typing import Any, Dict, List, Optional, Sequence, TextIO, Tuple, Union

import PIL

from . import api
from .commands.imageinfo import file_info
from .common import reasons, results
from .common.errors import CannotStart, Fail, Locked, OptionError, Skip, UsageError
from .common.options import USAGE_ERROR, Exit, Parser, add_options, parse_command_line
from .common.settings import DEFAULT_LOSSY_QUALITY, Settings, flag_of
from .image import formats
from .run.html_report import Audit
from .run.report import Reporter, check_report_destination, write_json_report
from .version import __version__

OK = 0
FAILED = 1
LOCKED = 75  # EX_TEMPFAIL: another run holds the tree; try again later
INTERRUPTED = 130  # 128 + SIGINT, as results.Summary.exit_status gives it
BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell shows for a tool whose reader went away
# (status, what it means, what a cron job should do about it)
EXIT_STATUSES = (
    (OK, "every file was optimized or deliberately skipped (not smaller, unsupported "
         "format, animated, …)",
     "nothing"),
    (FAILED, "at least one file failed (corrupt, truncated, unreadable, too large, a full "
             "disk, …); every other file was still processed. Also when the report (JSON or "
             "HTML) could not be written at the end, and with --dask when files were not "
             "done because their worker died or the connection to the scheduler was lost",
     "read the report, or standard error"),
    (USAGE_ERROR, "the run could not start and touched nothing: an invalid option value, a "
                  "path that does not exist, an --output-dir or --report that cannot be "
                  "written, a lock file that cannot be created (a full disk, a tree you may "
                  "read but not write), a --dask cluster that cannot be used (Dask not "
                  "installed, no scheduler or worker answering, workers of another version); "
                  "one line on standard error names the option, path or address and the cause",
     "fix the command line, the path or the disk"),
    (LOCKED, "another run holds the lock on the same tree (its process id is named); this "
             "run did nothing",
     "nothing: the next run catches up"),
    (INTERRUPTED, "interrupted (Ctrl-C, SIGINT): files already written are complete, the "
                  "others untouched",
     "nothing"),
    (BROKEN_PIPE, "the output pipe was closed (optimize-images … | head): the run stopped "
                  "quietly, as after Ctrl-C",
     "nothing, or do not cut the output short"),
)
SUBCOMMANDS = ("diff", "compare")

DESCRIPTION = (
    "Optimize JPEG, PNG, WebP and GIF images in place (or into --output-dir), safely: "
    "a file is replaced only by a smaller, verified result, through a temporary "
    "file and an atomic rename. JPEG quality is chosen per photo unless -q is given.")
EPILOG = (
    "Subcommands: 'optimize-images diff A B' draws where two images differ; "
    "'optimize-images compare IMAGE' draws labelled comparison figures. "
    "(To optimize a folder named 'diff' or 'compare', write ./diff.)")


# The main command's flags that act instead of setting an option of a run (argparse adds
# -h): (flags, argparse kwargs), as add_argument takes them.
ACTIONS: Tuple[Tuple[Tuple[str, ...], Dict[str, Any]], ...] = (
    (("-s", "--supported"),
     {"action": "store_true", "help": "list the formats this installation reads and writes"}),
    (("-i", "--info"),
     {"metavar": "FILE", "nargs": "+",
      "help": "describe image files, and what a run with the other options given would do "
              "with each (nothing is written)"}),
    (("-v", "--version"),
     {"action": "version", "version": f"optimize-images {__version__} (Pillow {PIL.__version__})",
      "help": "print the version (and Pillow's) and exit"}),
)


def build_parser(stdout: TextIO) -> Parser:
    parser = Parser(prog="optimize-images", description=DESCRIPTION, epilog=EPILOG,
                     stdout=stdout)
    add_options(parser, Settings)
    for flags, kwargs in ACTIONS:
        parser.add_argument(*flags, **kwargs)
    return parser


def parse_settings(argv: Sequence[str], stdout: TextIO) -> Tuple[Settings, Dict[str, Any]]:
    """(Settings, {"supported": ..., "info": ...} as typed); UsageError for bad input."""
    settings, typed = parse_command_line(Settings, build_parser(stdout), argv)
    actions = {name: typed.get(name) for name in ("supported", "info")}
    target = settings.conversion_target
    if target and not formats.can_write(target):
        raise OptionError(flag_of("convert_to"),
                          f"this Pillow ({PIL.__version__}) cannot write {target}")
    return settings, actions


def main(argv: Optional[Sequence[str]] = None, stdout: Optional[TextIO] = None,
         stderr: Optional[TextIO] = None) -> int:
    """Entry point of `optimize-images`; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        return _command(argv, stdout, stderr)
    except BrokenPipeError:
        # The reader (head, a closed pager) went away: stop quietly, as other
        # Unix tools do. The run ended as after Ctrl-C: finished files are whole.
        _discard_further_output(stdout, stderr)
        return BROKEN_PIPE


def _command(argv: List[str], stdout: TextIO, stderr: TextIO) -> int:
    if argv and argv[0] in SUBCOMMANDS:
        return _subcommand(argv[0])(argv[1:], stdout=stdout, stderr=stderr)
    try:
        settings, actions = parse_settings(argv, stdout)
        if actions["supported"]:
            return print_supported(stdout)
        if actions["info"]:
            return print_info([*actions["info"], *settings.paths], settings, stdout, stderr)
        if not settings.paths:
            raise UsageError("give at least one file or folder to optimize (see --help)")
    except Exit as done:
        return done.status
    except UsageError as error:
        stderr.write(f"optimize-images: error: {error}\n")
        return USAGE_ERROR
    try:
        return optimize(settings, stdout, stderr)
    except Locked as error:
        stderr.write(f"optimize-images: {error}; exiting\n")
        return LOCKED
    except CannotStart as error:
        stderr.write(f"optimize-images: error: {error}\n")
        return USAGE_ERROR


def _discard_further_output(*streams: TextIO) -> None:
    """Point the streams' descriptors at the null device, so that the final
    flush at exit does not fail (and print) again."""
    for stream in streams:
        try:
            descriptor = stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a real file (tests' StringIO)
            continue
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)


def optimize(settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    """Run, print as asked, write the report if asked; return the exit status.

    Raises `CannotStart` (before any work) and `Locked`.
    """
    if settings.report:
        check_report_destination(settings.report)
    human = stderr if settings.report == "-" else stdout
    audit = Audit() if settings.html_report else None
    if settings.watch:
        reporter = Reporter(settings, human, stderr, is_terminal=False)
        reporter.watching()
        outcome = api.watch_with(settings, on_result=_also_for(audit, reporter.file_done))
    else:
        candidates = api.find(settings)
        reporter = Reporter(settings, human, stderr, total=len(candidates))
        outcome = api.optimize_with(settings, candidates=candidates,
                                    on_result=_also_for(audit, reporter.file_done))
    reporter.finish(outcome.summary)
    status = outcome.summary.exit_status
    if settings.report:
        if not _report_written(outcome, settings, audit, stdout, stderr):
            return status or FAILED
        reporter.report_written(settings.report)
    return status


def _also_for(audit: Optional[Audit], on_result: api.Collect) -> api.Collect:
    """on_result, and first the HTML report's collection of results when there is one."""
    if audit is None:
        return on_result

    def both(result: results.Result) -> None:
        audit.add(result)
        on_result(result)
    return both


def _report_written(outcome, settings, audit, stdout, stderr):
    """Write the report (the HTML page when `audit` collected one, else the JSON); False
    (and one line) when the disk refused it at the end."""
    destination = settings.report
    try:
        if audit is not None:
            audit.write(outcome.summary, settings)
        else:
            write_json_report(outcome, destination, stdout)
    except BrokenPipeError:
        raise
    except OSError as error:
        stderr.write(f"optimize-images: error: {destination}: cannot write the report: "
                     f"{reasons.system_words(error)}\n")
        return False
    return True


def print_supported(stdout: TextIO) -> int:
    writable = [name.lower() for name in formats.writable_formats() if name != "GIF"]
    stdout.write(
        f"Optimized in place: {', '.join(formats.IN_PLACE)}\n"
        f"Read and converted (with -ca or -cf): {', '.join(formats.CONVERT_ONLY)} "
        "(HEIF with the optional pillow-heif package)\n"
        f"Conversion targets this Pillow ({PIL.__version__}) can write: {', '.join(writable)}\n"
        f"{_png_extra_line()}\n"
        f"File names looked at in folders: {' '.join(formats.IMAGE_EXTENSIONS)}\n"
        f"Other files are reported and left alone. Quality with -fm: {DEFAULT_LOSSY_QUALITY}.\n")
    return 0


def _png_extra_line() -> str:
    version = formats.png.oxipng_version()
    if version:
        return (f"PNG through oxipng too: active ({formats.png.OXIPNG_PACKAGE} {version}, "
                "the optional png extra)")
    return ('PNG through oxipng too: not active (the optional png extra: '
            'pip install "optimize-images[png]")')


def print_info(paths: Sequence[str], settings: Settings, stdout: TextIO,
               stderr: TextIO) -> int:
    """-i: describe each file (those after -i, then the other paths on the line) and
    what a run with `settings` would do with it, a blank line between two; the exit
    status is the worst: 2 for a missing path, 1 when a run would fail (or the file
    cannot be read: a folder, say), else 0."""
    statuses, described = [], 0
    for path in paths:
        if not os.path.lexists(path):
            stderr.write(f"optimize-images: error: {path}: no such file or folder\n")
            statuses.append(USAGE_ERROR)
            continue
        try:
            facts, verdict = file_info(path, settings)
        except (Fail, Skip) as reason:  # as the main command would say it
            statuses.append(_cannot_read(path, reason, stderr))
            continue
        except Exception as error:  # a bug of ours: said as such
            statuses.append(_cannot_read(path, reasons.failure(error), stderr))
            continue
        stdout.write("\n" if described else "")
        _print_facts(facts, stdout)
        described += 1
        statuses.append(FAILED if verdict.status == results.FAILED else 0)
    return max(statuses)


def _print_facts(facts, stdout):
    width = max(len(label) for label, _ in facts)
    for label, value in facts:
        stdout.write(f"{label:<{width}}  {value}\n")


def _cannot_read(path: str, reason: Union[Fail, Skip], stderr: TextIO) -> int:
    stderr.write(f"optimize-images: {path}: cannot read image: {reason}\n")
    return FAILED


def _subcommand(name):
    """The `main` of a subcommand, imported only when asked for (drawing tools are many)."""
    if name == "diff":
        from .commands.diff import command
    else:
        from .commands.compare import command
    return command.main


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
