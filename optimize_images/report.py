"""The only module that prints a run: one line per file, a progress bar, a summary."""

import json
import os

from .version import __version__
from .errors import CannotStart
from .reasons import system_words
from .results import FAILED, SKIPPED
from .writer import check_can_write, replace_file

_BAR_WIDTH = 24


def human_size(size):
    """1234567 → '1.2 MB' (decimal units, as file managers show them)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000


def describe(result):
    """One line for one file's result."""
    if result.status == FAILED:
        return f"{result.path}  FAILED: {result.reason}"
    kind = "/".join(part for part in (result.format, result.mode) if part)
    if result.status == SKIPPED:
        return "  ".join(part for part in (result.path, kind, f"skipped: {result.reason}") if part)
    parts = [result.path, kind,
             f"{human_size(result.size_before)} -> {human_size(result.size_after)}",
             f"-{result.saved_percent:.1f}%"]
    if result.quality is not None:
        parts.append(f"q{result.quality}")
    if result.metric is not None and result.metric_value is not None:
        parts.append(f"{result.metric}={result.metric_value:.4f}")
    if result.ssim is not None:
        parts.append(f"full-ssim={result.ssim:.4f}")
    if result.output_path and result.output_path != result.path:
        parts.append(f"=> {result.output_path}")
    if result.note:
        parts.append(f"({result.note})")
    return "  ".join(parts)


def describe_summary(summary, *, dry_run=False):
    rate = summary.seen / summary.seconds if summary.seconds > 0 else 0.0
    verb = "would save" if dry_run else "saved"
    lines = [
        f"{summary.seen} files: {summary.optimized} optimized, {summary.skipped} skipped, "
        f"{summary.failed} failed" + (" (interrupted)" if summary.interrupted else ""),
        f"{human_size(summary.bytes_before)} -> {human_size(summary.bytes_after)}, "
        f"{verb} {human_size(summary.saved)} ({summary.saved_percent:.1f}%)",
        f"{summary.seconds:.1f} s, {rate:.1f} files/s" + ("  [dry run: nothing written]"
                                                         if dry_run else ""),
    ]
    return "\n".join(lines)


class Reporter:
    """Prints what a run does, as the output settings ask.

    Per-file lines go to `stdout`; a progress bar is drawn (on `stdout`) only
    when it is a terminal. Failures are printed in every mode.
    """

    def __init__(self, settings, stdout, *, total=0, is_terminal=None):
        self.settings = settings
        self.stdout = stdout
        self.total = total
        self.done = 0
        self.saved = 0
        if is_terminal is None:
            is_terminal = _is_terminal(stdout)
        self.show_bar = is_terminal and not (settings.quiet or settings.only_summary)
        self.show_lines = not (settings.quiet or settings.only_summary or settings.only_progress)

    def file_done(self, result):
        self.done += 1
        self.saved += result.saved
        if self.show_lines or result.status == FAILED:
            self._print(describe(result))
        elif self.show_bar:
            self._draw_bar()

    def finish(self, summary):
        if self.show_bar:
            self._clear_bar()
            self.show_bar = False  # the summary replaces the bar
        if not self.settings.quiet:
            self._print(describe_summary(summary, dry_run=self.settings.dry_run))

    def _print(self, line):
        if self.show_bar:
            self._clear_bar()
        self.stdout.write(line + "\n")
        if self.show_bar:
            self._draw_bar()
        self.stdout.flush()

    def _draw_bar(self):
        filled = _BAR_WIDTH * self.done // self.total if self.total else _BAR_WIDTH
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] {self.done}/{self.total}  {human_size(self.saved)} saved")
        self.stdout.flush()

    def _clear_bar(self):
        self.stdout.write("\r\x1b[2K")


def _is_terminal(stream):
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def json_report(outcome):
    """The run as a JSON-ready dict (docs/report.schema.json describes it)."""
    summary = outcome.summary
    return {
        "tool": "optimize-images",
        "version": __version__,
        "files": [result.to_dict() for result in outcome.results],
        "summary": {
            "seen": summary.seen,
            "optimized": summary.optimized,
            "skipped": summary.skipped,
            "failed": summary.failed,
            "bytes_before": summary.bytes_before,
            "bytes_after": summary.bytes_after,
            "bytes_saved": summary.saved,
            "saved_percent": round(summary.saved_percent, 3),
            "seconds": round(summary.seconds, 3),
            "interrupted": summary.interrupted,
            "exit_status": summary.exit_status,
        },
    }


def check_report_destination(destination):
    """Raise `CannotStart` unless the JSON report can be written to `destination`.

    Checked before any work, so that a run never rewrites files and then
    loses the report about them.
    """
    if destination == "-":
        return
    if os.path.isdir(destination):
        raise CannotStart(destination, "--report names a folder, not a file")
    try:
        check_can_write(destination)
    except OSError as error:
        raise CannotStart(destination, f"cannot write the report there: "
                                       f"{system_words(error)}") from None


def write_json_report(outcome, destination, stdout):
    """Write the JSON report to a file (atomically) or, for '-', to `stdout`."""
    text = json.dumps(json_report(outcome), indent=2) + "\n"
    if destination == "-":
        stdout.write(text)
        stdout.flush()
    else:
        replace_file(destination, text.encode("utf-8"))
