"""Every kind of bad input gets one clear line, stays byte-identical, and the batch goes on.

The files of ../shared/corpus/broken are re-made here where they cannot ship.
"""

import builtins
import io
import shutil
import struct
import zlib

import pytest
from PIL import Image

from helpers import encode, opened, photo, run_cli, write


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_with(width, height, idat):
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def exif_with_zero_dpi():
    exif = Image.Exif()
    exif[0x011A] = (0, 0)  # XResolution 0/0: a division by zero for naive readers
    exif[0x0128] = 2
    return exif.tobytes()


BAD_FILES = {
    "empty.png": (lambda: b"", "empty file"),
    "text_named.jpg": (lambda: b"this is not a picture\n" * 20, "not an image"),
    "truncated.jpg": (lambda: encode(photo(), "JPEG", quality=90)[:3000], "truncated"),
    "truncated.png": (lambda: encode(photo(), "PNG")[:5000], "truncated"),
    "broken_stream.png": (lambda: png_with(16, 16, b"\x00garbage-not-zlib" * 4), "corrupt"),
    "broken_header.png": (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image"),
    "bomb.png": (lambda: png_with(100_000, 100_000, zlib.compress(b"\x00" * 64)), "too large"),
    "zero_width.gif": (lambda: b"GIF89a\x00\x00\x10\x00\x80\x00\x00" + b"\x00" * 20, "not an image"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gets_one_line_and_the_batch_goes_on(tmp_path, name):
    make, words = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(make())
    original = bad.read_bytes()
    good = write(tmp_path / "good.jpg", photo(), quality=95)
    run = run_cli(tmp_path)
    assert run.code == 1
    lines = [line for line in run.out.splitlines() if name in line]
    assert len(lines) == 1 and "FAILED" in lines[0] and words in lines[0]
    assert bad.read_bytes() == original
    assert "good.jpg  JPEG/RGB" in run.out and opened(good).format == "JPEG"
    assert "Traceback" not in run.out + run.err


@pytest.mark.parametrize("exif", [b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff", exif_with_zero_dpi()])
def test_broken_exif_is_dropped_not_fatal(tmp_path, exif):
    path = write(tmp_path / "a.jpg", photo(), quality=95, exif=exif)
    for flags in ([], ["-ke"]):
        run = run_cli(*flags, "--force", path)
        assert run.code == 0 and "FAILED" not in run.out
        assert opened(path).size == (320, 240)


def test_an_unreadable_file_is_reported(tmp_path, monkeypatch):
    """We run as root, who can read anything: the refusal is simulated where it happens."""
    path = write(tmp_path / "secret.jpg", photo(), quality=95)
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    run = run_cli(tmp_path)
    assert run.code == 1 and "secret.jpg  FAILED: permission denied" in run.out


def test_a_missing_path_is_reported(tmp_path):
    run = run_cli(tmp_path / "nowhere.jpg")
    assert run.code == 1 and "no such file or folder" in run.out


def test_a_file_that_vanishes_is_reported(tmp_path, monkeypatch):
    from optimize_images import pipeline
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    real_decode = pipeline._decode

    def decode_then_vanish(image):
        real_decode(image)
        path.unlink()

    monkeypatch.setattr(pipeline, "_decode", decode_then_vanish)
    run = run_cli(path)
    assert run.code == 1 and "vanished" in run.out
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


def test_the_pixel_limit_can_be_raised(tmp_path):
    path = write(tmp_path / "a.png", photo((200, 100)), compress_level=0)
    assert "too large" in run_cli("--max-pixels", "10000", path).out
    assert run_cli("--max-pixels", "100000", path).code == 0


@pytest.mark.corpus
def test_the_broken_corpus(corpus_dir, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(corpus_dir / "broken", folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    originals = {p.name: p.read_bytes() for p in folder.iterdir()}
    run = run_cli(folder)
    assert "Traceback" not in run.out + run.err
    for name, data in originals.items():
        lines = [line for line in run.out.splitlines() if line.split("  ")[0].endswith("/" + name)]
        assert len(lines) == 1, name
        if "FAILED" in lines[0] or "skipped" in lines[0]:
            assert (folder / name).read_bytes() == data, name
        else:
            with Image.open(io.BytesIO((folder / name).read_bytes())) as image:
                image.load()
