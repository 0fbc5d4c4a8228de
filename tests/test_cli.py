"""The command-line flags not covered elsewhere, through main(argv, stdout, stderr)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from optimize_images import __version__
from optimize_images.formats import heif
from optimize_images.report import human_size

from helpers import opened, photo, run_cli, write

REPO = Path(__file__).resolve().parents[1]
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def big_photo_png(path):
    return write(path, photo((700, 500), seed=3), compress_level=0)  # ~1 MB, many colours


def test_force_delete_removes_only_verified_conversions(tmp_path):
    converted = big_photo_png(tmp_path / "shot.png")
    graphic = write(tmp_path / "logo.png", Image.new("RGB", (64, 64), "red"), compress_level=0)
    run = run_cli("-cb", "-fd", tmp_path)
    assert run.code == 0, run.out
    assert not converted.exists() and opened(tmp_path / "shot.jpg").format == "JPEG"
    assert graphic.exists() and not (tmp_path / "logo.jpg").exists()  # optimized, not converted


def test_force_delete_keeps_the_source_when_the_target_name_is_taken(tmp_path):
    source = big_photo_png(tmp_path / "shot.png")
    taken = tmp_path / "shot.jpg"
    taken.write_bytes(b"someone else's file")
    run = run_cli("-ca", "-fd", tmp_path)
    assert "already exists" in run.err  # a problem the user may fix: on stderr
    assert source.exists() and taken.read_bytes() == b"someone else's file"


def test_force_delete_never_deletes_when_the_written_file_does_not_decode(tmp_path, monkeypatch):
    from optimize_images import pipeline
    source = big_photo_png(tmp_path / "shot.png")

    def broken_check(path):
        raise OSError("cannot decode")

    monkeypatch.setattr(pipeline, "_delete_source_after_check",
                        lambda path, output: broken_check(output))
    run = run_cli("-ca", "-fd", tmp_path)
    assert run.code == 1 and source.exists()


def test_grayscale(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    run_cli("-g", "-nc", path)
    assert opened(path).mode == "L"


def test_reduce_colors_keeps_transparency_and_the_colour_limit(tmp_path):
    image = photo((96, 96)).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((96, 96)))
    path = write(tmp_path / "a.png", image)
    run_cli("-rc", "-mc", "16", "-nc", path)
    result = opened(path)
    assert result.mode == "P" and len(result.getcolors(256)) <= 16
    assert result.convert("RGBA").getchannel("A").getextrema()[0] < 50  # still transparent


@pytest.mark.parametrize("flag", [["-hbg", "#f00"], ["-hbg", "ff0000"], ["-bg", "255", "0", "0"]])
def test_background_colour_for_remove_transparency(tmp_path, flag):
    image = Image.new("RGBA", (32, 32), (0, 0, 255, 0))
    path = write(tmp_path / "a.png", image)
    run_cli("-rt", "-nc", *flag, path)
    assert opened(path).convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_fast_mode_uses_quality_80(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=98)
    run = run_cli("-fm", path)
    assert " q80" in run.out


def test_max_width_and_height(tmp_path):
    path = write(tmp_path / "a.jpg", photo((400, 200)), quality=95)
    run_cli("-mw", "100", "-nc", path)
    assert opened(path).size == (100, 50)
    run_cli("-mh", "20", "-nc", "--force", path)  # --force: the first run marked it
    assert opened(path).size == (40, 20)


def test_webp_flags(tmp_path):
    lossy = write(tmp_path / "a.webp", photo(), quality=100, method=0)
    run = run_cli("-wq", "50", "-wm", "0", "-nc", lossy)
    assert " q50" in run.out
    lossless = write(tmp_path / "b.webp", photo((64, 64)), quality=100)
    before = opened(lossless).convert("RGB").tobytes()
    run_cli("-wl", "-nc", lossless)
    assert opened(lossless).convert("RGB").tobytes() == before


def test_mozjpeg_tables(tmp_path):
    standard = write(tmp_path / "s.jpg", photo(), quality=98)
    mozjpeg = write(tmp_path / "m.jpg", photo(), quality=98)
    run_cli("-q", "80", "-jt", "standard", standard)
    run_cli("-q", "80", "-jt", "mozjpeg3", mozjpeg)
    assert opened(mozjpeg).quantization[0][:4] == [6, 6, 6, 7]  # Robidoux's table at q80
    assert opened(standard).quantization[0][:4] != [6, 6, 6, 7]


def test_supported_version_and_info(tmp_path):
    assert "Optimized in place: JPEG" in run_cli("-s").out
    version = run_cli("-v")
    assert version.code == 0 and __version__ in version.out
    path = write(tmp_path / "a.jpg", photo(), quality=90)
    info = run_cli("-i", path)
    assert info.code == 0 and "320x240" in info.out and "JPEG" in info.out
    (tmp_path / "bad.jpg").write_text("text")
    bad = run_cli("-i", tmp_path / "bad.jpg")
    assert bad.code == 1 and len(bad.err.splitlines()) == 1


@pytest.mark.parametrize("argv, flag", [
    (["-q", "0"], "-q/--quality"), (["-q", "101"], "-q/--quality"), (["-q", "abc"], "-q/--quality"),
    (["-mc", "1"], "-mc/--max-colors"), (["-wm", "7"], "-wm/--webp-method"),
    (["-jobs", "-1"], "-jobs/--jobs"), (["-bg", "300", "0", "0"], "-bg/--background"),
    (["-hbg", "xyz"], "-hbg/--hex-background"), (["--metric", "psnr"], "--metric"),
    (["--target", "2"], "--target"), (["--min-quality", "90", "--max-quality", "80"], "--min-quality"),
    (["--bogus"], "--bogus"),
])
def test_invalid_values_exit_2_with_one_line_naming_the_option(tmp_path, argv, flag):
    run = run_cli(*argv, tmp_path)
    assert run.code == 2
    assert len(run.err.splitlines()) == 1 and flag in run.err


def test_no_path_is_a_usage_error():
    run = run_cli()
    assert run.code == 2 and "give at least one file or folder" in run.err


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "optimize_images", "--version"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0 and __version__ in done.stdout


def test_ssim_min_keeps_the_original_when_the_result_falls_below(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=98)
    original = path.read_bytes()
    run = run_cli("-q", "10", "-ssm", "0.99", path)
    assert run.code == 0 and "below --ssim-min 0.99" in run.out
    assert path.read_bytes() == original
    accepted = run_cli("-q", "90", "--ssim-min", "0.5", path)
    assert "full ssim=0." in accepted.out and path.read_bytes() != original


def test_show_ssim_measures_lossy_results_only(tmp_path):
    photo_path = write(tmp_path / "a.jpg", photo(), quality=98)
    graphic = write(tmp_path / "b.png", Image.new("RGB", (64, 64), "red"), compress_level=0)
    run = run_cli("--show-ssim", photo_path, graphic)
    lines = run.out.splitlines()
    assert "full ssim=" in lines[0] and "full ssim=" not in lines[1]
    assert "full ssim=" not in run_cli("--no-show-ssim", "--force", photo_path).out


# --- Lines that say what happened (and the JSON records that agree) -----------------------

def report_of(tmp_path, *argv):
    """(the run, its JSON records by path)."""
    report = tmp_path / "report.json"
    run = run_cli("--report", report, *argv)
    return run, {record["path"]: record for record in json.loads(report.read_text())["files"]}


def line_about(run, path):
    lines = [line for line in run.out.splitlines() + run.err.splitlines()
             if line.split("  ")[0] == str(path)]
    assert len(lines) == 1, run.out + run.err
    return lines[0]


def test_a_resize_and_a_grayscale_are_on_the_line_and_in_the_report(tmp_path):
    path = write(tmp_path / "in" / "a.jpg", photo((400, 200)), quality=95)
    run, records = report_of(tmp_path, "-mw", "100", "-g", path)
    line = line_about(run, path)
    assert "  resized 400x200 -> 100x50  mode RGB -> L" in line, line
    record = records[str(path)]
    assert record["dimensions"] == [400, 200] and record["dimensions_after"] == [100, 50]
    assert (record["mode"], record["mode_after"]) == ("RGB", "L")


def test_removing_transparency_is_a_mode_change_on_the_line(tmp_path):
    image = photo((96, 96)).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((96, 96)))
    path = write(tmp_path / "a.png", image)
    run = run_cli("-rt", "-nc", path)
    assert "  mode RGBA -> RGB" in line_about(run, path)


def test_a_conversion_shows_its_new_path_and_that_fd_deleted_the_source(tmp_path):
    source = big_photo_png(tmp_path / "in" / "shot.png")
    run, records = report_of(tmp_path, "-cb", "-fd", source)
    line = line_about(run, source)
    assert line.endswith(f"  => {tmp_path / 'in' / 'shot.jpg'}  (source deleted)"), line
    record = records[str(source)]
    assert record["converted"] and record["source_deleted"] and not record["source_kept"]
    assert not source.exists()


def test_the_sample_score_and_the_full_image_score_are_both_in_line_and_report(tmp_path):
    path = write(tmp_path / "in" / "a.jpg", photo((640, 480)), quality=98)
    run, records = report_of(tmp_path, "--show-ssim", path)
    line = line_about(run, path)
    sample = re.search(r"  sample ssim=(0\.\d{4})", line)
    full = re.search(r"  full ssim=(0\.\d{4})", line)
    assert sample and full, line
    record = records[str(path)]
    assert record["metric"] == "ssim"
    assert f"{record['metric_value']:.4f}" == sample.group(1)
    assert f"{record['ssim']:.4f}" == full.group(1)


def test_skipped_files_report_their_unchanged_size_and_failures_none(tmp_path):
    folder = tmp_path / "in"
    small = write(folder / "tiny.png", Image.new("RGB", (8, 8), "red"), optimize=True)
    (folder / "bad.jpg").write_text("not a picture")
    _, records = report_of(tmp_path, folder)
    assert records[str(small)]["status"] == "skipped"
    assert records[str(small)]["size_after"] == small.stat().st_size
    assert records[str(folder / "bad.jpg")]["size_after"] is None


# --- Savings that are on disk ---------------------------------------------------------------

def folder_bytes(folder):
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()
               and not path.name.startswith("."))


@pytest.mark.parametrize("flags", [["-cb"], ["-cb", "-fd"]], ids=["sources kept", "-fd"])
def test_the_summary_counts_bytes_really_freed_and_conversions_apart(tmp_path, flags):
    folder = tmp_path / "in"
    big_photo_png(folder / "shot.png")
    write(folder / "a.jpg", photo(), quality=95)
    before = folder_bytes(folder)
    run, _ = report_of(tmp_path, *flags, folder)
    summary = json.loads((tmp_path / "report.json").read_text())["summary"]
    after = folder_bytes(folder)
    assert (summary["bytes_before"], summary["bytes_after"]) == (before, after)
    assert summary["bytes_saved"] == before - after
    jpeg_size = (folder / "shot.jpg").stat().st_size
    assert (summary["converted"], summary["bytes_converted"]) == (1, jpeg_size)
    assert (summary["sources_kept"], summary["sources_deleted"]) == (
        (0, 1) if "-fd" in flags else (1, 0))
    verb = "saved" if after < before else "grew by"
    assert f"{human_size(before)} -> {human_size(after)}, {verb} " in run.out
    assert f"1 conversion wrote {human_size(jpeg_size)} of new files" in run.out


# --- Streams and small things ---------------------------------------------------------------

def test_results_go_to_stdout_and_failures_and_problems_to_stderr(tmp_path, monkeypatch):
    monkeypatch.setattr(heif, "register_opener", lambda: False)
    folder = tmp_path / "in"
    good = write(folder / "a.jpg", photo(), quality=95)
    small = write(folder / "tiny.png", Image.new("RGB", (8, 8), "red"), optimize=True)
    (folder / "bad.jpg").write_text("not a picture")
    (folder / "phone.heic").write_bytes(HEIC)
    run = run_cli("-ca", folder)
    assert [line.split("  ")[0] for line in run.err.splitlines()] == [
        str(folder / "bad.jpg"), str(folder / "phone.heic")]
    assert "FAILED: not an image" in run.err and "pillow-heif" in run.err
    assert str(good) in run.out and str(small) in run.out and "4 files: " in run.out


def test_one_file_is_not_files_in_the_summary(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    assert run_cli(path).out.splitlines()[-3].startswith("1 file: 1 optimized")


def test_a_bad_hex_colour_names_the_flag_and_the_expected_form(tmp_path):
    run = run_cli("-hbg", "zzz", tmp_path)
    assert run.code == 2 and "parse_hex_color" not in run.err
    assert "-hbg/--hex-background" in run.err and "hexadecimal digits" in run.err
    assert "'zzz'" in run.err and len(run.err.splitlines()) == 1


@pytest.mark.parametrize("modes", [["--quiet", "--only-summary"], ["--quiet", "--only-progress"],
                                   ["--only-summary", "--only-progress"]])
def test_output_modes_that_contradict_each_other_are_a_usage_error(tmp_path, modes):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    before = path.read_bytes()
    run = run_cli(*modes, path)
    assert run.code == 2 and run.out == "" and len(run.err.splitlines()) == 1
    assert modes[0] in run.err and modes[1] in run.err
    assert path.read_bytes() == before


def test_watch_mode_starts_with_one_line_on_what_it_watches(tmp_path, monkeypatch):
    from optimize_images import watch

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(watch, "find", ctrl_c)
    run = run_cli("-wd", "--watch-interval", "0.5", tmp_path)
    assert run.code == 0
    assert run.err == (f"watching {tmp_path} for new or changed images (a look every 0.5 s); "
                       "Ctrl-C stops and prints the summary\n")
    assert run.out.startswith("0 files: ")
