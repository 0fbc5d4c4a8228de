"""-i/--info: what a file is, and what the main command would do with it, in its words."""

import re

import pytest
from PIL import Image, ImageCms
from PIL.TiffImagePlugin import IFDRational

from optimize_images.image.formats import heif

from helpers import opened, photo, run_cli, without_optional_package, write

RESOLUTION, RESOLUTION_UNIT, ORIENTATION = (0x011A, 0x011B), 0x0128, 0x0112
INCHES = 2


def facts_of(run):
    """{label: value} of -i's output."""
    return dict(re.split(r"\s{2,}", line, maxsplit=1) for line in run.out.splitlines())


def camera_jpeg(path, orientation=6):
    """A JPEG as cameras write them: the resolution in EXIF (Pillow reads it as
    IFDRational values), an orientation tag, an ICC profile, 4:2:2, progressive."""
    exif = Image.Exif()
    for tag in RESOLUTION:
        exif[tag] = IFDRational(300, 1)
    exif[RESOLUTION_UNIT] = INCHES
    exif[ORIENTATION] = orientation
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return write(path, photo((320, 240)), quality=90, subsampling=1, progressive=True,
                 exif=exif.tobytes(), icc_profile=icc), len(icc)


def test_a_camera_jpeg_is_described(tmp_path):
    path, icc_size = camera_jpeg(tmp_path / "DSCN0010.jpg")
    assert isinstance(opened(path).info["dpi"][0], IFDRational)  # what made -i fail
    before = path.read_bytes()
    run = run_cli("-i", path)
    assert (run.code, run.err) == (0, ""), run.err
    facts = facts_of(run)
    assert facts["format"] == "JPEG" and facts["mode"] == "RGB"
    assert facts["dimensions"] == "320x240"
    assert facts["file size"] == f"{len(before):,} bytes"
    assert facts["JPEG quality"].startswith("90 ")
    assert facts["JPEG tables"] == "libjpeg's standard tables"
    assert facts["subsampling"] == "4:2:2" and facts["progressive"] == "yes"
    assert facts["orientation"].startswith("6 ")
    assert facts["ICC profile"] == f"{icc_size:,} bytes"
    assert facts["dpi"] == "300x300"
    assert facts["our marker"] == "no"
    assert facts["optimize-images"].startswith("would optimize it: ")
    assert path.read_bytes() == before  # a dry run: nothing written


def test_our_own_output_shows_the_marker_and_mozjpegs_table(tmp_path):
    path, _ = camera_jpeg(tmp_path / "a.jpg", orientation=1)
    assert run_cli("-q", "70", path).code == 0
    facts = facts_of(run_cli("-i", path))
    assert facts["JPEG quality"].startswith("70 ")
    assert facts["JPEG tables"] == "mozjpeg's table"
    assert facts["subsampling"] == "4:2:2"
    assert facts["our marker"] == "yes"
    assert facts["optimize-images"] == (
        "would skip it: already optimized (it carries our marker; --force redoes it)")


def test_a_camera_table_is_named_as_its_own_with_the_nearest_family(tmp_path):
    base = [2 + (index * 7) % 23 for index in range(64)]  # no encoder's table
    path = write(tmp_path / "a.jpg", photo(), qtables=[base, base])
    facts = facts_of(run_cli("-i", path))
    assert facts["JPEG tables"].startswith("its own, nearest to ")


@pytest.mark.parametrize("flags, verdict", [
    ([], "would optimize it: "),
    (["--min-savings", "99"], "would skip it: the result would save only "),
    (["--min-quality", "95"], "would skip it: already at quality 90, not above the 95"),
])
def test_the_verdict_is_the_main_commands_dry_run_with_the_options_given(tmp_path, flags, verdict):
    path, _ = camera_jpeg(tmp_path / "a.jpg")
    facts = facts_of(run_cli("-i", path, *flags))
    dry = run_cli("--dry-run", *flags, path).out.splitlines()[0]
    assert facts["optimize-images"].startswith(verdict)
    said = facts["optimize-images"].split(": ", 1)[1]
    assert said.split("  ")[0] in dry  # the main command's own words


def test_subsampling_is_said_only_where_there_is_chroma_to_subsample(tmp_path):
    png = run_cli("-i", write(tmp_path / "a.png", photo()))
    assert "subsampling" not in facts_of(png)
    cmyk = run_cli("-i", write(tmp_path / "c.jpg", photo().convert("CMYK"), quality=90))
    assert facts_of(cmyk)["subsampling"] == "none (CMYK: every component at full resolution)"


def test_a_webp_says_whether_it_is_lossless(tmp_path):
    lossless = write(tmp_path / "a.webp", photo((64, 64)), lossless=True)
    lossy = write(tmp_path / "b.webp", photo((64, 64)), quality=80)
    assert facts_of(run_cli("-i", lossless))["compression"] == "lossless"
    assert facts_of(run_cli("-i", lossy))["compression"] == "lossy"


def test_a_heic_without_pillow_heif_names_the_optional_package(tmp_path, monkeypatch):
    without_optional_package(monkeypatch, heif)
    path = tmp_path / "phone.heic"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    run = run_cli("-i", path)
    assert run.code == 1 and run.out == ""
    assert len(run.err.splitlines()) == 1 and "pillow-heif" in run.err, run.err


def test_a_file_that_is_no_image_gets_the_main_commands_reason(tmp_path):
    path = tmp_path / "text.jpg"
    path.write_text("just text")
    run = run_cli("-i", path)
    line = run_cli(path).err.splitlines()[0]
    assert run.code == 1 and run.out == ""
    assert run.err.rstrip("\n").endswith(line.split("FAILED: ")[1])


@pytest.mark.corpus
def test_every_file_the_main_command_reads_is_described(corpus_dir):
    """The corpus's photos, graphics, metadata and orientation samples: -i describes
    each one the main command does not fail on, and says what it would do."""
    paths = sorted(path for folder in ("photos", "graphics", "metadata", "orientation")
                   for path in (corpus_dir / folder).iterdir()
                   if path.suffix.lower() in (".jpg", ".png", ".webp", ".gif", ".tif", ".tiff",
                                              ".bmp", ".mpo"))
    assert len(paths) > 40
    refused = []
    for path in paths:
        run = run_cli("-i", path)
        dry = run_cli("--dry-run", path).out.splitlines()[0]
        if "FAILED" in dry:
            continue
        if run.code != 0 or "optimize-images" not in facts_of(run):
            refused.append(f"{path.name}: {run.err.strip()}")
    assert refused == []
