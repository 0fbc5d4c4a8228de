import io

from optimize_images.report import Reporter, describe, human_size
from optimize_images.results import FAILED, OPTIMIZED, SKIPPED, Result, Summary
from optimize_images.settings import Settings

DONE = Result("a.jpg", OPTIMIZED, format="JPEG", mode="RGB", size_before=200_000,
              size_after=150_000, quality=77, metric="ssim", metric_value=0.98123)
LEFT = Result("b.png", SKIPPED, "the result would not be smaller (+1.0%)", "PNG", "P", 1000)
BROKEN = Result("c.jpg", FAILED, "corrupt or truncated image data", size_before=10)


def summary_of(*results):
    summary = Summary()
    for result in results:
        summary.add(result)
    return summary


def test_one_line_per_file_says_what_happened():
    assert describe(DONE) == "a.jpg  JPEG/RGB  200.0 kB -> 150.0 kB  -25.0%  q77  ssim=0.9812"
    assert describe(LEFT) == "b.png  PNG/P  skipped: the result would not be smaller (+1.0%)"
    assert describe(BROKEN) == "c.jpg  FAILED: corrupt or truncated image data"


def test_sizes_read_like_a_file_manager():
    assert [human_size(n) for n in (999, 1000, 1_234_567, 5_000_000_000)] == [
        "999 B", "1.0 kB", "1.2 MB", "5.0 GB"]


def run_reporter(settings, is_terminal):
    out = io.StringIO()
    reporter = Reporter(settings, out, total=3, is_terminal=is_terminal)
    for result in (DONE, LEFT, BROKEN):
        reporter.file_done(result)
    reporter.finish(summary_of(DONE, LEFT, BROKEN))
    return out.getvalue()


def test_plain_output_when_not_a_terminal():
    text = run_reporter(Settings(), is_terminal=False)
    assert "\r" not in text and "\x1b" not in text
    assert text.splitlines()[:3] == [describe(DONE), describe(LEFT), describe(BROKEN)]
    assert "3 files: 1 optimized, 1 skipped, 1 failed" in text


def test_progress_bar_on_a_terminal():
    text = run_reporter(Settings(only_progress=True), is_terminal=True)
    assert "\r[" in text and "3/3" in text
    assert "\r[" not in text[text.index("3 files"):]  # no bar drawn again after the summary
    assert describe(DONE) not in text and describe(BROKEN) in text  # failures always shown


def test_quiet_prints_only_failures():
    assert run_reporter(Settings(quiet=True), is_terminal=True).strip() == describe(BROKEN)


def test_only_summary():
    lines = run_reporter(Settings(only_summary=True), is_terminal=True).splitlines()
    assert lines[0] == describe(BROKEN) and lines[1].startswith("3 files")


def test_summary_counts_bytes_of_files_left_alone_on_both_sides():
    summary = summary_of(DONE, LEFT, BROKEN)
    assert (summary.bytes_before, summary.bytes_after) == (201_010, 151_010)
    assert summary.exit_status == 1
    assert summary_of(DONE, LEFT).exit_status == 0
