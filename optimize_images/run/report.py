"""The only module that prints a run: one line per file, a progress bar, a summary."""

import json
import os
from typing import Any, Dict, List, Optional, Protocol, TextIO

from ..common.errors import CannotStart
from ..common.reasons import system_words
from ..common.results import FAILED, SKIPPED, Result, Summary
from ..common.settings import Settings
from ..common.writer import check_can_write, replace_file
from ..version import __version__

_BAR_WIDTH = 24
# Below this, a run's rate (files/s) is mostly noise: the summary gives the time only.
_SECONDS_FOR_A_RATE = 0.5


def human_size(size: float) -> str:
    """1234567 → '1.2 MB' (decimal units, as file managers show them)."""
    value = float(size)
    for unit in ("B", "kB", "MB"):
        if abs(value) < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def result_line(result: Result) -> str:
    """One line for one file's result."""
    if result.status == FAILED:
        return f"{result.path}  FAILED: {result.reason}"
    kind = "/".join(part for part in (result.format, result.mode) if part)
    if result.status == SKIPPED:
        return "  ".join(part for part in (result.path, kind, f"skipped: {result.reason}") if part)
    return "  ".join((result.path, kind, what_happened(result)))


def what_happened(result: Result) -> str:
    """What an optimized file's line says after its path and kind: sizes, the change,
    the quality and scores, new dimensions and mode, the new path, a deleted source."""
    assert result.size_after is not None  # an optimized result has its size
    parts = [f"{human_size(result.size_before)} -> {human_size(result.size_after)}",
             f"{result.change_percent:+.1f}%"]
    if result.quality is not None:
        parts.append(f"q{result.quality}")
    if result.metric is not None and result.metric_value is not None:
        parts.append(f"sample {result.metric}={result.metric_value:.4f}")
    if result.ssim is not None:
        parts.append(f"full ssim={result.ssim:.4f}")
    parts += _changes(result)
    if result.output_path and result.output_path != result.path:
        parts.append(f"=> {result.output_path}")
    if result.source_deleted:
        parts.append("(source deleted)")
    if result.note:
        parts.append(f"({result.note})")
    return "  ".join(parts)


def _changes(result: Result) -> List[str]:
    """'resized 3264x2448 -> 667x500', 'mode RGBA -> RGB': what the pixels went through."""
    changes = []
    before, after = result.dimensions, result.dimensions_after
    if before and after and tuple(before) != tuple(after):
        verb = "turned upright" if tuple(after) == tuple(before)[::-1] else "resized"
        changes.append(f"{verb} {before[0]}x{before[1]} -> {after[0]}x{after[1]}")
    if result.mode_after and result.mode_after != result.mode:
        changes.append(f"mode {result.mode} -> {result.mode_after}")
    return changes


def describe_summary(summary: Summary, *, dry_run: bool = False) -> str:
    lines = [
        f"{_count(summary.seen, 'file')}: {summary.optimized} optimized, "
        f"{summary.skipped} skipped, {summary.failed} failed"
        + (" (interrupted)" if summary.interrupted else ""),
        f"{human_size(summary.bytes_before)} -> {human_size(summary.bytes_after)}, "
        + _savings(summary, dry_run),
    ]
    if summary.converted:
        lines.append(_conversions(summary, dry_run))
    lines.append(_timing(summary) + ("  [dry run: nothing written]" if dry_run else ""))
    return "\n".join(lines)


def _timing(summary: Summary) -> str:
    """'12.3 s, 4.5 files/s'; the time alone for a run too short for its rate to mean much."""
    if summary.seconds < _SECONDS_FOR_A_RATE:
        return f"{summary.seconds:.1f} s"
    return f"{summary.seconds:.1f} s, {summary.seen / summary.seconds:.1f} files/s"


def _savings(summary: Summary, dry_run: bool) -> str:
    """'saved 1.2 MB (35.0%)', or 'grew by 215.0 kB (10.7%)' when conversions added files."""
    if summary.saved < 0:
        verb = "would grow by" if dry_run else "grew by"
        return f"{verb} {human_size(-summary.saved)} ({-summary.saved_percent:.1f}%)"
    verb = "would save" if dry_run else "saved"
    return f"{verb} {human_size(summary.saved)} ({summary.saved_percent:.1f}%)"


def _conversions(summary: Summary, dry_run: bool) -> str:
    """What conversions wrote, apart: their new files are on disk beside what was freed."""
    line = (f"{_count(summary.converted, 'conversion')} "
            f"{'would write' if dry_run else 'wrote'} {human_size(summary.bytes_converted)} "
            "of new files")
    if summary.sources_kept:
        line += (f"; {_count(summary.sources_kept, 'source')} kept beside "
                 f"{'it' if summary.converted == 1 else 'them'} (-fd deletes sources)")
    if summary.sources_deleted:
        line += f"; {_count(summary.sources_deleted, 'source')} deleted (-fd)"
    return line


def _count(number: int, noun: str) -> str:
    """'1 file', '2 files'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


class Reporter:
    """Prints what a run does, as the output settings ask.

    Results go to `stdout`; failures, and skips that are problems, to
    `stderr`, in every mode but --quiet's silence about the rest. A progress
    bar is drawn (on `stdout`) only when it is a terminal, at 0/N as soon as
    the reporter is made; it says what the files done so far saved (or grew
    by) in the summary's words.
    """

    def __init__(self, settings: Settings, stdout: TextIO, stderr: TextIO, *, total: int = 0,
                 is_terminal: Optional[bool] = None) -> None:
        self.settings = settings
        self.stdout = stdout
        self.stderr = stderr
        self.total = total
        self.so_far = Summary()  # of the files done
        if is_terminal is None:
            is_terminal = _is_terminal(stdout)
        self.show_bar = is_terminal and not (settings.quiet or settings.only_summary)
        self.show_lines = not (settings.quiet or settings.only_summary or settings.only_progress)
        if self.show_bar:
            self._draw_bar()

    def watching(self) -> None:
        """Watch mode's one line at its start: what it watches, and how it ends."""
        if not self.settings.quiet:
            self._print(f"watching {', '.join(self.settings.paths)} for new or changed images "
                        f"(a look every {self.settings.watch_interval:g} s); "
                        "Ctrl-C stops and prints the summary", self.stderr)

    def file_done(self, result: Result) -> None:
        self.so_far.add(result)
        trouble = result.status == FAILED or result.problem
        if trouble:
            self._print(result_line(result), self.stderr)
        elif self.show_lines:
            self._print(result_line(result), self.stdout)
        elif self.show_bar:
            self._draw_bar()

    def finish(self, summary: Summary) -> None:
        if self.show_bar:
            self._clear_bar()
            self.show_bar = False  # the summary replaces the bar
        if not self.settings.quiet:
            self._print(describe_summary(summary, dry_run=self.settings.dry_run), self.stdout)

    def report_written(self, destination: str) -> None:
        """The last line: where the report (JSON, or the HTML page) went (none for '-',
        the report itself)."""
        if not self.settings.quiet and destination != "-":
            kind = "HTML" if self.settings.html_report else "JSON"
            self._print(f"{kind} report written to {destination}", self.stdout)

    def _print(self, line: str, stream: TextIO) -> None:
        if self.show_bar:
            self._clear_bar()
        stream.write(line + "\n")
        stream.flush()
        if self.show_bar:
            self._draw_bar()

    def _draw_bar(self) -> None:
        done = self.so_far.seen
        filled = _BAR_WIDTH * done // self.total if self.total else _BAR_WIDTH
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        savings = f"  {_savings(self.so_far, self.settings.dry_run)}" if done else ""
        self.stdout.write(f"\r[{bar}] {done}/{self.total}{savings}")
        self.stdout.flush()

    def _clear_bar(self) -> None:
        self.stdout.write("\r\x1b[2K")
        self.stdout.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


class Ran(Protocol):
    """What the reports read of a run: its results and summary (`api.Outcome` is one)."""
    results: List[Result]
    summary: Summary


def json_report(outcome: Ran) -> Dict[str, Any]:
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
            "converted": summary.converted,
            "bytes_converted": summary.bytes_converted,
            "sources_kept": summary.sources_kept,
            "sources_deleted": summary.sources_deleted,
            "seconds": round(summary.seconds, 3),
            "interrupted": summary.interrupted,
            "exit_status": summary.exit_status,
        },
    }


def check_report_destination(destination: str) -> None:
    """Raise `CannotStart` unless the report can be written to `destination`.

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


def write_json_report(outcome: Ran, destination: str, stdout: TextIO) -> None:
    """Write the JSON report to a file (atomically) or, for '-', to `stdout`."""
    text = json.dumps(json_report(outcome), indent=2) + "\n"
    if destination == "-":
        stdout.write(text)
        stdout.flush()
    else:
        replace_file(destination, text.encode("utf-8"))
