import io

import pytest

from optimize_images.run.report import Reporter, describe_summary, human_size, result_line
from optimize_images.common.results import FAILED, OPTIMIZED, SKIPPED, Result, Summary
from optimize_images.common.settings import Settings

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
    assert result_line(DONE) == (
        "a.jpg  JPEG/RGB  200.0 kB -> 150.0 kB  -25.0%  q77  sample ssim=0.9812")
    assert result_line(LEFT) == "b.png  PNG/P  skipped: the result would not be smaller (+1.0%)"
    assert result_line(BROKEN) == "c.jpg  FAILED: corrupt or truncated image data"


def test_sizes_read_like_a_file_manager():
    assert [human_size(n) for n in (999, 1000, 1_234_567, 5_000_000_000)] == [
        "999 B", "1.0 kB", "1.2 MB", "5.0 GB"]


def run_reporter(settings, is_terminal, results=(DONE, LEFT, BROKEN)):
    """(stdout, stderr) of a Reporter given `results`."""
    out, err = io.StringIO(), io.StringIO()
    reporter = Reporter(settings, out, err, total=len(results), is_terminal=is_terminal)
    for result in results:
        reporter.file_done(result)
    reporter.finish(summary_of(*results))
    return out.getvalue(), err.getvalue()


def test_plain_output_when_not_a_terminal():
    text, errors = run_reporter(Settings(), is_terminal=False)
    assert "\r" not in text and "\x1b" not in text
    assert text.splitlines()[:2] == [result_line(DONE), result_line(LEFT)]
    assert errors == result_line(BROKEN) + "\n"  # failures on stderr, results on stdout
    assert "3 files: 1 optimized, 1 skipped, 1 failed" in text


def test_progress_bar_on_a_terminal():
    text, errors = run_reporter(Settings(only_progress=True), is_terminal=True)
    assert "\r[" in text and "3/3" in text
    assert "\r[" not in text[text.index("3 files"):]  # no bar drawn again after the summary
    assert result_line(DONE) not in text and errors == result_line(BROKEN) + "\n"  # failures shown


def test_quiet_prints_only_failures():
    assert run_reporter(Settings(quiet=True), is_terminal=True) == ("", result_line(BROKEN) + "\n")


def test_only_summary():
    text, errors = run_reporter(Settings(only_summary=True), is_terminal=True)
    assert text.startswith("3 files") and errors == result_line(BROKEN) + "\n"


def test_summary_counts_bytes_of_files_left_alone_on_both_sides():
    summary = summary_of(DONE, LEFT, BROKEN)
    assert (summary.bytes_before, summary.bytes_after) == (201_010, 151_010)
    assert summary.exit_status == 1
    assert summary_of(DONE, LEFT).exit_status == 0


def test_a_result_that_grew_says_plus_not_a_double_minus():
    grew = Result("t.png", OPTIMIZED, format="PNG", mode="RGB", size_before=74, size_after=121)
    assert result_line(grew) == "t.png  PNG/RGB  74 B -> 121 B  +63.5%"


def test_new_dimensions_mode_path_and_a_deleted_source_are_on_the_line():
    converted = Result("shot.png", OPTIMIZED, format="PNG->JPEG", mode="RGBA",
                       size_before=1_000_000, size_after=200_000, quality=85,
                       dimensions=(3264, 2448), dimensions_after=(667, 500), mode_after="RGB",
                       output_path="shot.jpg", converted=True, source_deleted=True)
    assert result_line(converted) == (
        "shot.png  PNG->JPEG/RGBA  1.0 MB -> 200.0 kB  -80.0%  q85  "
        "resized 3264x2448 -> 667x500  mode RGBA -> RGB  => shot.jpg  (source deleted)")
    turned = Result("p.jpg", OPTIMIZED, format="JPEG", mode="RGB", size_before=100,
                    size_after=90, dimensions=(320, 240), dimensions_after=(240, 320),
                    mode_after="RGB")
    assert result_line(turned).endswith("  turned upright 320x240 -> 240x320")


def test_the_sample_score_and_the_full_image_score_are_told_apart():
    both = Result("a.jpg", OPTIMIZED, format="JPEG", mode="RGB", size_before=100,
                  size_after=90, quality=80, metric="ssim", metric_value=0.97512, ssim=0.98021)
    assert result_line(both).endswith("  q80  sample ssim=0.9751  full ssim=0.9802")
    assert "sample ssim=" not in result_line(Result("b.jpg", OPTIMIZED, size_before=10,
                                                 size_after=9, quality=80))  # -q: no search


def test_the_summary_counts_bytes_freed_on_disk_and_conversions_apart():
    kept = Result("a.png", OPTIMIZED, format="PNG->JPEG", size_before=1_000_000,
                  size_after=200_000, converted=True, source_kept=True)
    in_place = Result("b.jpg", OPTIMIZED, format="JPEG", size_before=100_000, size_after=60_000)
    summary = summary_of(kept, in_place, LEFT)
    assert (summary.bytes_before, summary.bytes_after) == (1_101_000, 1_261_000)
    assert summary.saved == -160_000  # the PNG stays and its JPEG is added
    assert (summary.converted, summary.bytes_converted, summary.sources_kept) == (1, 200_000, 1)
    assert describe_summary(summary).splitlines()[1:3] == [
        "1.1 MB -> 1.3 MB, grew by 160.0 kB (14.5%)",
        "1 conversion wrote 200.0 kB of new files; 1 source kept beside it (-fd deletes sources)"]
    deleted = Result("a.png", OPTIMIZED, format="PNG->JPEG", size_before=1_000_000,
                     size_after=200_000, converted=True, source_deleted=True)
    summary = summary_of(deleted, in_place)
    assert summary.saved == 840_000
    assert describe_summary(summary).splitlines()[1:3] == [
        "1.1 MB -> 260.0 kB, saved 840.0 kB (76.4%)",
        "1 conversion wrote 200.0 kB of new files; 1 source deleted (-fd)"]


def test_one_file_is_not_files():
    assert describe_summary(summary_of(DONE)).startswith("1 file: 1 optimized")
    assert describe_summary(summary_of(DONE, LEFT)).startswith("2 files: ")


def test_a_skip_that_is_a_problem_goes_to_stderr():
    missing = Result("p.heic", SKIPPED, "HEIC/HEIF needs the optional pillow-heif package",
                     problem=True, size_before=10, size_after=10)
    text, errors = run_reporter(Settings(), is_terminal=False, results=(DONE, LEFT, missing))
    assert errors == result_line(missing) + "\n"
    assert result_line(LEFT) in text and result_line(missing) not in text


def test_watch_mode_says_what_it_watches_and_how_to_stop():
    out, err = io.StringIO(), io.StringIO()
    Reporter(Settings(paths=("uploads", "inbox"), watch=True), out, err).watching()
    assert out.getvalue() == ""
    assert err.getvalue() == ("watching uploads, inbox for new or changed images (a look every "
                              "2 s); Ctrl-C stops and prints the summary\n")


def test_the_progress_bar_is_drawn_at_once():
    """A big photo or a WebP conversion takes seconds: 0/N shows the run has begun."""
    out = io.StringIO()
    Reporter(Settings(only_progress=True), out, io.StringIO(), total=3, is_terminal=True)
    assert "0/3" in out.getvalue()


def bars(text):
    return [part for part in text.split("\r") if part.startswith("[")]


CONVERTED = Result("a.png", OPTIMIZED, format="PNG->JPEG", size_before=100_000,
                   size_after=40_000, converted=True, source_kept=True)


@pytest.mark.parametrize("settings, results, words", [
    (Settings(only_progress=True), (CONVERTED,), "grew by 40.0 kB (40.0%)"),
    (Settings(only_progress=True), (DONE,), "saved 50.0 kB (25.0%)"),
    (Settings(only_progress=True, dry_run=True), (DONE,), "would save 50.0 kB (25.0%)"),
    (Settings(only_progress=True, dry_run=True), (CONVERTED,), "would grow by 40.0 kB"),
])
def test_the_progress_bar_uses_the_summarys_words(settings, results, words):
    text, _ = run_reporter(settings, is_terminal=True, results=results)
    assert words in bars(text)[-1]
    assert _savings_line(text) in bars(text)[-1]


def _savings_line(text):
    """The summary's words about bytes: what follows the sizes on its second line."""
    summary = text[text.index("file"):].splitlines()[1]
    return summary.split(", ", 1)[1]


def test_a_tiny_run_says_its_time_only():
    """8849.0 files/s from 5 files in half a millisecond says nothing."""
    quick = summary_of(DONE, LEFT)
    quick.seconds = 0.0006
    assert describe_summary(quick).splitlines()[-1] == "0.0 s"
    slow = summary_of(DONE, LEFT)
    slow.seconds = 4.0
    assert describe_summary(slow).splitlines()[-1] == "4.0 s, 0.5 files/s"


def test_the_report_line_says_where_the_report_went():
    out = io.StringIO()
    Reporter(Settings(report="r.json"), out, io.StringIO(), is_terminal=False).report_written(
        "r.json")
    assert out.getvalue() == "JSON report written to r.json\n"
    quiet = io.StringIO()
    Reporter(Settings(report="r.json", quiet=True), quiet, io.StringIO(),
             is_terminal=False).report_written("r.json")
    assert quiet.getvalue() == ""
