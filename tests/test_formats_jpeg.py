"""The JPEG encoder's choices: tables, chroma subsampling, and the check of what it wrote."""

import io
import json
from pathlib import Path

import pytest
from PIL import Image, JpegImagePlugin, features

from optimize_images.image import formats
from optimize_images.api import optimize
from optimize_images.image.formats import jpeg
from optimize_images.common.results import OPTIMIZED
from optimize_images.common.settings import Settings

from helpers import encode, opened, photo, write

NAMES = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}

# mozjpeg's default table (index 3 of std_luminance_quant_tbl in mozjpeg's jcparam.c, credited
# there to a post on the ImageMagick forum), copied from mozjpeg's source, not from ours.
MOZJPEG_BASE = (
    16, 16, 16, 18, 25, 37, 56, 85,
    16, 17, 20, 27, 34, 40, 53, 75,
    16, 20, 24, 31, 43, 62, 91, 135,
    18, 27, 31, 40, 53, 74, 106, 156,
    25, 34, 43, 53, 69, 94, 131, 189,
    37, 40, 62, 74, 94, 124, 169, 238,
    56, 53, 91, 106, 131, 169, 226, 311,
    85, 75, 135, 156, 189, 238, 311, 418,
)
# That table as libjpeg itself scales it to each quality 1-100 (write_fixture, below).
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "libjpeg_mozjpeg_tables.json"


def libjpeg_scaled(quality):
    """mozjpeg's table at `quality`, as libjpeg wrote it (recorded in FIXTURE)."""
    return tuple(json.loads(FIXTURE.read_text())["tables"][str(quality)])


def libjpeg_scales_custom_tables():
    """Whether this Pillow has libjpeg scale `qtables` by `quality` (jpeg_quality_scaling,
    then jpeg_add_quant_table for baseline), as newer releases do (python-pillow/Pillow#8879);
    older ones took the quality for a percentage."""
    return written_tables(qtables=[[50] * 64], quality=25)[0] == (100,) * 64


def written_tables(**options):
    """The quantization tables libjpeg writes for a tiny grey image saved with `options`."""
    with Image.open(io.BytesIO(encode(Image.new("L", (16, 16)), "JPEG", **options))) as image:
        return [tuple(table) for table in image.quantization.values()]


@pytest.mark.parametrize("source, expected", [(0, 1), (1, 1), (2, 2)])
def test_a_finer_subsampling_of_the_source_is_kept_as_4_2_2(tmp_path, source, expected):
    path = write(tmp_path / "a.jpg", photo((320, 240)), quality=95, subsampling=source)
    outcome = optimize(str(path))
    assert outcome.results[0].status == OPTIMIZED
    assert NAMES[JpegImagePlugin.get_sampling(opened(path))] == NAMES[expected]


def test_the_classic_search_keeps_4_2_0_as_2_x_did(tmp_path):
    path = write(tmp_path / "a.jpg", photo((320, 240)), quality=95, subsampling=1)
    optimize(str(path), metric="sad", sample="thumbnail")
    assert JpegImagePlugin.get_sampling(opened(path)) == 2


def test_auto_tables_are_mozjpegs_for_luma_and_chroma(tmp_path):
    path = write(tmp_path / "a.jpg", photo((320, 240)), quality=95)
    result = optimize(str(path), min_quality=jpeg.CHROMA_FLOOR).results[0]
    tables = opened(path).quantization
    assert tuple(tables[0]) == tuple(tables[1]) == libjpeg_scaled(result.quality)


def test_after_a_luma_search_chroma_stays_at_the_floor(tmp_path):
    path = write(tmp_path / "a.jpg", photo((320, 240)), quality=95)
    result = optimize(str(path), max_quality=55).results[0]
    assert result.quality <= 55
    tables = opened(path).quantization
    assert tuple(tables[0]) == libjpeg_scaled(result.quality)
    assert tuple(tables[1]) == libjpeg_scaled(jpeg.CHROMA_FLOOR)


@pytest.mark.parametrize("options", [{"quality": 50}, {"metric": "sad", "min_quality": 50,
                                                         "max_quality": 55}])
def test_a_fixed_quality_and_the_classic_search_use_one_quality_for_both_tables(tmp_path,
                                                                                  options):
    path = write(tmp_path / "a.jpg", photo((320, 240)), quality=95)
    result = optimize(str(path), **options).results[0]
    tables = opened(path).quantization
    assert tuple(tables[0]) == tuple(tables[1]) == libjpeg_scaled(result.quality)


def test_standard_tables_are_libjpegs_at_the_quality(tmp_path):
    path = write(tmp_path / "a.jpg", photo((320, 240)), quality=98)
    optimize(str(path), quality=70, jpeg_tables="standard")
    reference = Image.open(io.BytesIO(encode(photo((16, 16)), "JPEG", quality=70)))
    assert opened(path).quantization == reference.quantization


def test_the_recorded_tables_are_what_this_libjpeg_writes():
    if not libjpeg_scales_custom_tables():
        pytest.skip("this Pillow does not let libjpeg scale custom tables by quality")
    for quality in range(1, 101):
        assert written_tables(qtables=[list(MOZJPEG_BASE)], quality=quality) == [
            libjpeg_scaled(quality)], quality


def test_the_written_bytes_are_checked_by_decoding_them():
    image = photo((640, 480))
    data = encode(image, "JPEG", quality=80, progressive=True)
    formats.decode_check(data, image.size)
    with pytest.raises(OSError):
        formats.decode_check(data[: len(data) * 2 // 3], image.size)
    with pytest.raises(ValueError):
        formats.decode_check(data, (480, 640))


def test_grayscale_probes_encode_one_table():
    from optimize_images.common.settings import Settings
    assert len(jpeg.tables_for("L", Settings(), 80)) == 1
    assert len(jpeg.tables_for("RGB", Settings(), 80)) == 2


# Baseline or progressive ----------------------------------------------------------------

def smooth(size):
    """Few details for its size, as a phone's high-resolution photo of a clear sky has."""
    return photo((size[0] // 8, size[1] // 8)).resize(size, Image.Resampling.LANCZOS)


def grainy(size):
    """Detail everywhere, as an old camera's noisy photo has."""
    return Image.blend(photo(size), Image.effect_noise(size, 60).convert("RGB"), 0.3)


def both_scan_orders(image, level):
    """(baseline bytes, progressive bytes) of `image` coded as the optimizer codes it."""
    settings = Settings(paths=("x",))
    coding = {"qtables": jpeg.tables_for("RGB", settings, level), "subsampling": 2,
              "optimize": True}
    return tuple(len(encode(image, "JPEG", progressive=progressive, **coding))
                 for progressive in (False, True))


@pytest.mark.parametrize("make, size, level, progressive_wins", [
    (smooth, (1600, 1200), 70, False),  # bigger than the sample: chosen on the sample
    (grainy, (1600, 1200), 85, True),
    (smooth, (400, 300), 70, False),  # no bigger than the sample: encoded both ways
    (grainy, (400, 300), 85, True),
])
def test_the_scan_order_is_the_one_that_takes_fewer_bytes(tmp_path, make, size, level,
                                                          progressive_wins):
    image = make(size)
    baseline, progressive = both_scan_orders(image, level)
    assert (progressive < baseline) == progressive_wins  # the case shows what it claims to
    path = write(tmp_path / "a.png", image)
    optimize(str(path), convert_all=True, quality=level, force_delete=True)
    written = opened(tmp_path / "a.jpg")
    assert bool(written.info.get("progressive")) == progressive_wins


def test_the_classic_search_is_progressive_above_10_kb_as_2_x_was(tmp_path):
    image = smooth((1600, 1200))
    baseline, progressive = both_scan_orders(image, 75)
    assert baseline < progressive
    path = write(tmp_path / "a.jpg", image, quality=98)
    optimize(str(path), metric="sad", sample="thumbnail")
    assert opened(path).info.get("progressive")


def write_fixture():
    """Record what libjpeg writes for MOZJPEG_BASE at each quality (needs a Pillow that has
    libjpeg scale custom tables): PYTHONPATH=. python tests/test_formats_jpeg.py"""
    assert libjpeg_scales_custom_tables(), "this Pillow does not let libjpeg scale the table"
    import PIL
    made_by = (f"PYTHONPATH=. python tests/test_formats_jpeg.py (write_fixture): Pillow "
               f"{PIL.__version__} with libjpeg-turbo {features.version('libjpeg_turbo')} "
               "saving a 16x16 grey image with qtables=[MOZJPEG_BASE], quality=N; the "
               "table read back through .quantization")
    rows = [f'    "{quality}": '
            + json.dumps(written_tables(qtables=[list(MOZJPEG_BASE)], quality=quality)[0])
            for quality in range(1, 101)]
    FIXTURE.write_text('{\n  "made_by": ' + json.dumps(made_by) + ',\n  "tables": {\n'
                       + ",\n".join(rows) + "\n  }\n}\n")


if __name__ == "__main__":
    write_fixture()
