"""The JPEG encoder's choices: tables, chroma subsampling, and the check of what it wrote."""

import io

import pytest
from PIL import Image, JpegImagePlugin

from optimize_images import formats
from optimize_images.api import optimize
from optimize_images.formats import jpeg
from optimize_images.results import OPTIMIZED

from helpers import encode, opened, photo, write

NAMES = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}


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
    result = optimize(str(path)).results[0]
    tables = opened(path).quantization
    assert list(tables[0]) == list(tables[1]) == jpeg._scaled(jpeg.MOZJPEG_TABLE, result.quality)


def test_standard_tables_are_libjpegs_at_the_quality(tmp_path):
    path = write(tmp_path / "a.jpg", photo((320, 240)), quality=98)
    optimize(str(path), quality=70, jpeg_tables="standard")
    reference = Image.open(io.BytesIO(encode(photo((16, 16)), "JPEG", quality=70)))
    assert opened(path).quantization == reference.quantization


def test_the_written_bytes_are_checked_by_decoding_them():
    image = photo((640, 480))
    data = encode(image, "JPEG", quality=80, progressive=True)
    formats.decode_check(data, image.size)
    with pytest.raises(OSError):
        formats.decode_check(data[: len(data) * 2 // 3], image.size)
    with pytest.raises(ValueError):
        formats.decode_check(data, (480, 640))


def test_grayscale_probes_encode_one_table():
    from optimize_images.settings import Settings
    assert len(jpeg.tables_for("L", Settings(), 80)) == 1
    assert len(jpeg.tables_for("RGB", Settings(), 80)) == 2
