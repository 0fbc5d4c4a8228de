"""Bad inputs: one clear line each, the file left byte-identical, and the batch goes on.

Every kind of file in ../shared/corpus/broken is made again here (that corpus
exists only on our machines), plus what cannot be shipped as a file at all:
unreadable, missing, vanishing and changing files, and a FIFO. The last test
runs over the real corpus where it is present.
"""

import builtins
import io
import os
import random
import shutil
import signal
import stat
import struct
import tracemalloc
import warnings
import zlib

import piexif
import pytest
from PIL import Image

from helpers import encode, line_for, opened, photo, run_cli, write

TEMP_PREFIX = ".optimize-images-"  # the writer's temporary files; none may be left behind
SMALL = (160, 120)  # the good photos: small keeps the suite quick


# --- Making broken files -----------------------------------------------------------------

def chunk(kind, data):
    """A PNG chunk with a valid CRC, so only what the test breaks on purpose is broken."""
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_file(width, height, idat, *, good_header_crc=True):
    """An 8-bit RGB PNG with the given (possibly broken) IDAT payload."""
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if not good_header_crc:
        header = header[:-4] + b"\x00\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def gif_claiming(screen, frame):
    """A real 4x4 GIF whose logical screen and first frame claim other dimensions."""
    data = bytearray(encode(Image.new("P", (4, 4)), "GIF"))
    data[6:10] = struct.pack("<HH", *screen)
    position = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)  # past the palette
    while data[position] == 0x21:  # extension blocks: label, then sub-blocks up to a 0
        position += 2
        while data[position]:
            position += data[position] + 1
        position += 1
    assert data[position] == 0x2C  # the image descriptor: left, top, width, height
    data[position + 5:position + 9] = struct.pack("<HH", *frame)
    return bytes(data)


def noise(count, seed=7):
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(count))


def exif_block(entries, extra=b""):
    """A big-endian EXIF block: one IFD of (tag, type, count, 4-byte value) entries.

    `extra` follows the IFD, which starts at offset 8 of the TIFF header and
    takes 2 + 12 * len(entries) + 4 bytes; values that do not fit in 4 bytes
    point into it.
    """
    ifd = (struct.pack(">H", len(entries))
           + b"".join(struct.pack(">HHI", tag, kind, count) + value
                      for tag, kind, count, value in entries)
           + struct.pack(">I", 0))
    return b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08" + ifd + extra


SHORT, LONG, RATIONAL, ASCII = 3, 4, 5, 2
ORIENTATION, X_RESOLUTION, Y_RESOLUTION = 0x0112, 0x011A, 0x011B
RESOLUTION_UNIT, EXIF_IFD = 0x0128, 0x8769


def short(value):
    return struct.pack(">HH", value, 0)


def zero_dpi_exif():
    """XResolution and YResolution 0/0 in inches: a division by zero for naive readers."""
    rationals_at = 8 + 2 + 3 * 12 + 4
    return exif_block([(X_RESOLUTION, RATIONAL, 1, struct.pack(">I", rationals_at)),
                       (Y_RESOLUTION, RATIONAL, 1, struct.pack(">I", rationals_at + 8)),
                       (RESOLUTION_UNIT, SHORT, 1, short(2))],
                      extra=struct.pack(">IIII", 0, 0, 0, 0))


# name → (the file's bytes, what its one line must say)
BAD_FILES = {
    "empty.png": (lambda: b"", "empty file"),
    "text_named.jpg": (lambda: b"this is not a picture\n" * 20, "not an image"),
    "truncated_jpeg.jpg": (lambda: encode(photo(), "JPEG", quality=90)[:3000], "truncated"),
    "junk_after_soi.jpg": (lambda: b"\xff\xd8\xff" + noise(200), "not an image"),
    "truncated_image.png": (lambda: encode(photo(), "PNG")[:5000], "truncated"),
    "broken_data_stream.png": (
        lambda: png_file(16, 16, b"\x78\x9c" + noise(64)), "corrupt"),
    "not_zlib.png": (lambda: png_file(16, 16, b"garbage-not-zlib" * 4), "corrupt"),
    "broken.png": (lambda: b"\x89PNG\r\n\x1a\n" + noise(72), "not an image"),
    "bad_header_crc.png": (
        lambda: png_file(16, 16, zlib.compress(bytes(49) * 16), good_header_crc=False),
        "not an image"),
    # Over twice Pillow's limit: Pillow itself refuses to open it.
    "decompression_bomb.png": (
        lambda: png_file(100_000, 100_000, zlib.compress(bytes(64))), "too large"),
    # Over our limit but under twice Pillow's: our own check refuses it.
    "big_claim.png": (lambda: png_file(12_000, 10_000, zlib.compress(bytes(64))), "too large"),
    "decompression_bomb.gif": (lambda: gif_claiming((32, 32), (65535, 65535)), "too large"),
    "zero_width.gif": (lambda: gif_claiming((0, 32), (0, 32)),
                       "not an image|invalid dimensions"),
    "zero_width_frame.gif": (lambda: gif_claiming((4, 4), (0, 4)),
                             "corrupt|invalid dimensions"),
}
# Pillow 9.5 reads a GIF frame of zero width as an empty picture: nothing is wrong to report.
READ_BY_OLD_PILLOW = {"zero_width_frame.gif"}


def pillow_reads(data):
    """True when this Pillow decodes every frame of `data` without complaint."""
    try:
        with warnings.catch_warnings(), Image.open(io.BytesIO(data)) as image:
            warnings.simplefilter("ignore")
            for frame in range(getattr(image, "n_frames", 1)):
                image.seek(frame)
                image.load()
    except Exception:
        return False
    return True


def broken_here(name):
    """Whether BAD_FILES[name] is broken for this Pillow (skip the test where it is not)."""
    return name not in READ_BY_OLD_PILLOW or not pillow_reads(BAD_FILES[name][0]())


# --- Reading a run's output --------------------------------------------------------------

def leftovers(folder):
    return [p for p in folder.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def good_photo(folder):
    """A JPEG the run optimizes, to show the batch went on; returns (path, bytes)."""
    path = write(folder / "good.jpg", photo(SMALL), quality=95)
    return path, path.read_bytes()


def assert_optimized(run, path, before):
    line = line_for(run, path)
    assert "FAILED" not in line and "skipped" not in line and " -> " in line, line
    assert path.read_bytes() != before
    assert opened(path).size == SMALL


def assert_clean(run):
    """No traceback, and nothing on stderr but the lines of files that failed."""
    assert "Traceback" not in run.out + run.err
    assert all("  FAILED: " in line for line in run.err.splitlines()), run.err
    assert "  FAILED: " not in run.out


# --- Broken files ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_broken_file_fails_alone_and_the_batch_goes_on(tmp_path, name):
    if not broken_here(name):
        pytest.skip(f"this Pillow reads {name} as a sound picture")
    make, reason = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(make())
    original = bad.read_bytes()
    good, good_before = good_photo(tmp_path)

    run = run_cli("-jobs", "1", tmp_path)

    assert run.code == 1
    line = line_for(run, bad)
    assert line.startswith(f"{bad}  FAILED: "), line
    assert any(word in line for word in reason.split("|")), line
    assert bad.read_bytes() == original
    assert_optimized(run, good, good_before)
    assert "2 files: 1 optimized, 0 skipped, 1 failed" in run.out
    assert_clean(run)
    assert not leftovers(tmp_path)


def test_all_broken_files_together_in_a_process_pool(tmp_path):
    """The default workers: each result comes back from a worker process, in order."""
    originals = {}
    for name, (make, _) in BAD_FILES.items():
        if broken_here(name):
            (tmp_path / name).write_bytes(make())
            originals[tmp_path / name] = make()
    good, good_before = good_photo(tmp_path)
    run = run_cli(tmp_path)
    assert run.code == 1
    for path, data in originals.items():
        assert line_for(run, path).startswith(f"{path}  FAILED: ")
        assert path.read_bytes() == data
    assert_optimized(run, good, good_before)
    for stream in (run.out, run.err):  # each in the order the files were found
        listed = [line.split("  ")[0] for line in stream.splitlines() if "  " in line]
        assert listed == sorted(listed)
    assert len(run.err.splitlines()) == len(originals)
    assert f"{len(originals) + 1} files: 1 optimized, 0 skipped, {len(originals)} failed" in run.out
    assert_clean(run)
    assert not leftovers(tmp_path)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_broken_file_named_on_the_command_line_fails_with_one_line(tmp_path, name):
    if not broken_here(name):
        pytest.skip(f"this Pillow reads {name} as a sound picture")
    make, _ = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(make())
    original = bad.read_bytes()
    run = run_cli("-jobs", "1", bad)
    assert run.code == 1
    assert run.err == line_for(run, bad) + "\n" and run.err.startswith(f"{bad}  FAILED: ")
    assert len(run.out.splitlines()) == 3  # the summary
    assert bad.read_bytes() == original
    assert_clean(run)


# --- Broken EXIF: the block is dropped, the photo is optimized ---------------------------

BROKEN_EXIF = {
    "invalid byte order": b"Exif\x00\x00\xff\xff\xff\xff\x00\x00\x00\x08\x00\x01",
    "only the header": b"Exif\x00\x00",
    "truncated IFD": b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x20\x01\x12\x00\x03",
    "IFD offset past the end": b"Exif\x00\x00MM\x00\x2a\xff\xff\xff\x00",
    "EXIF IFD pointer past the end": exif_block(
        [(EXIF_IFD, LONG, 1, struct.pack(">I", 0x7FFFFFFF))]),
    "IFD pointing at itself": exif_block([(EXIF_IFD, LONG, 1, struct.pack(">I", 8)),
                                          (ORIENTATION, SHORT, 1, short(1))]),
    "zero DPI": zero_dpi_exif(),
    "unknown value type": exif_block([(ORIENTATION, 99, 1, short(6))]),
    "orientation 9": exif_block([(ORIENTATION, SHORT, 1, short(9))]),
    "orientation as text": exif_block([(ORIENTATION, ASCII, 4, b"abc\x00")]),
}


@pytest.mark.parametrize("keep", [False, True], ids=["strip", "keep-exif"])
@pytest.mark.parametrize("kind", sorted(BROKEN_EXIF))
def test_broken_exif_is_dropped_never_fatal(tmp_path, kind, keep):
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95, exif=BROKEN_EXIF[kind])
    before = path.read_bytes()
    run = run_cli(*(["-ke"] if keep else []), path)
    assert run.code == 0, run.out
    assert_optimized(run, path, before)
    written = opened(path).info.get("exif")
    if not keep:
        assert not written
    elif written:  # what -ke writes back must be sound EXIF
        piexif.load(written)
    assert_clean(run)


def test_info_describes_a_photo_with_broken_exif_without_python_warnings(tmp_path):
    """Pillow warns "Corrupt EXIF data" while reading the block; a warning would go
    to the process's stderr as two lines naming Pillow's source file, past the
    streams main() was given (the pipeline silences them; -i should too)."""
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95, exif=BROKEN_EXIF["truncated IFD"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = run_cli("-i", path)
    assert run.code == 0 and "160x120" in run.out and run.err == ""
    assert [str(w.message) for w in caught] == []


def test_exif_that_pillow_cannot_open_is_dropped_not_reported_as_not_an_image(tmp_path):
    """XResolution stored as an empty string: Pillow's JPEG plugin raises IndexError
    while reading the DPI from it, so Image.open() itself fails. The photo is
    fine; only the EXIF block is broken, and a broken block is to be dropped."""
    exif = exif_block([(X_RESOLUTION, ASCII, 1, bytes(4)),
                       (RESOLUTION_UNIT, SHORT, 1, short(2))])
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95, exif=exif)
    before = path.read_bytes()
    run = run_cli(path)
    assert "not an image" not in run.out
    assert run.code == 0, run.out
    assert_optimized(run, path, before)


def test_an_exif_entry_claiming_millions_of_values_costs_no_memory(tmp_path):
    """A 30-byte EXIF block whose orientation entry claims 2**22 values: with -ke,
    piexif builds a struct format for all of them before failing (at 2**31 that
    is 4 GB and 15 s for one 24 kB photo). The block must be dropped cheaply."""
    exif = exif_block([(ORIENTATION, SHORT, 1 << 22, struct.pack(">I", 100))])
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95, exif=exif)
    tracemalloc.start()
    try:
        run = run_cli("-ke", "-jobs", "1", path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert run.code == 0 and "FAILED" not in run.out
    assert peak < 16_000_000, f"{peak:,} bytes allocated for a 30-byte EXIF block"


# --- Files that cannot be read, or change under us ---------------------------------------

@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root reads anything: see the simulated refusal below")
def test_an_unreadable_file_fails_and_the_batch_goes_on(tmp_path):
    secret = write(tmp_path / "secret.jpg", photo(SMALL), quality=95)
    good, good_before = good_photo(tmp_path)
    secret.chmod(0)
    try:
        run = run_cli(tmp_path)
        assert run.code == 1
        assert "FAILED: permission denied" in line_for(run, secret)
        assert_optimized(run, good, good_before)
    finally:
        secret.chmod(0o644)


def test_a_refused_read_fails_and_the_batch_goes_on(tmp_path, monkeypatch):
    """As root, simulate the refusal where it happens: opening the file."""
    secret = write(tmp_path / "secret.jpg", photo(SMALL), quality=95)
    original = secret.read_bytes()
    good, good_before = good_photo(tmp_path)
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):
        if str(file) == str(secret):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    run = run_cli("-jobs", "1", tmp_path)  # serial: the patch is in this process only
    monkeypatch.undo()
    assert run.code == 1
    assert line_for(run, secret).startswith(f"{secret}  FAILED: permission denied")
    assert secret.read_bytes() == original
    assert_optimized(run, good, good_before)
    assert_clean(run)


def test_a_read_only_file_is_skipped_not_failed(tmp_path):
    """No write permission says "do not change me", even to root: a deliberate skip."""
    locked = write(tmp_path / "locked.jpg", photo(SMALL), quality=95)
    original = locked.read_bytes()
    good, good_before = good_photo(tmp_path)
    locked.chmod(0o444)
    run = run_cli(tmp_path)
    assert run.code == 0
    assert "skipped: read-only" in line_for(run, locked)
    assert locked.read_bytes() == original and stat.S_IMODE(locked.stat().st_mode) == 0o444
    assert_optimized(run, good, good_before)


def test_a_dangling_symlink_says_what_is_wrong(tmp_path):
    link = tmp_path / "link.jpg"
    link.symlink_to(tmp_path / "gone.jpg")
    run = run_cli(link)
    assert run.code == 1
    line = line_for(run, link)
    assert "FAILED" in line and "vanished" not in line, line  # nothing vanished during the run
    assert link.is_symlink() and not link.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_an_image_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    good, good_before = good_photo(tmp_path)

    def hung(signum, frame):
        raise TimeoutError("the run blocked on the FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        run = run_cli("-jobs", "1", tmp_path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert run.code == 1
    assert "FAILED: not a regular file" in line_for(run, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert_optimized(run, good, good_before)


@pytest.mark.parametrize("when", ["before reading", "while optimizing"])
def test_a_file_that_vanishes_fails_without_leftovers(tmp_path, monkeypatch, when):
    from optimize_images.image import pipeline
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    good, good_before = good_photo(tmp_path)
    if when == "before reading":
        real_read = pipeline.read_file

        def vanish_then_read(file, *rest):
            if file == str(path):
                path.unlink()
            return real_read(file, *rest)

        monkeypatch.setattr(pipeline, "read_file", vanish_then_read)
    else:
        real_decode = pipeline._decode

        def decode_then_vanish(image):
            real_decode(image)
            if path.exists():
                path.unlink()

        monkeypatch.setattr(pipeline, "_decode", decode_then_vanish)
    run = run_cli("-jobs", "1", path, good)
    assert run.code == 1
    line = line_for(run, path)
    assert "FAILED" in line and ("vanished" in line or "no such file" in line), line
    assert not path.exists() and not leftovers(tmp_path)
    if when == "before reading":  # the other file was decoded by the real function
        assert_optimized(run, good, good_before)


def test_a_file_that_changes_while_optimized_is_left_as_it_now_is(tmp_path, monkeypatch):
    """Someone else wrote to the file meanwhile: their bytes win, a deliberate skip."""
    from optimize_images.image import pipeline
    path = write(tmp_path / "a.jpg", photo(SMALL), quality=95)
    newer = encode(photo(SMALL, seed=9), "JPEG", quality=95) + b"\x00" * 10
    real_decode = pipeline._decode

    def decode_then_change(image):
        real_decode(image)
        path.write_bytes(newer)

    monkeypatch.setattr(pipeline, "_decode", decode_then_change)
    run = run_cli("-jobs", "1", path)
    assert run.code == 0
    assert "skipped: the file changed" in line_for(run, path)
    assert path.read_bytes() == newer and not leftovers(tmp_path)


# --- The real corpus ---------------------------------------------------------------------

@pytest.mark.corpus
@pytest.mark.parametrize("flags", [[], ["-ke"]], ids=["strip", "keep-exif"])
def test_the_broken_corpus(corpus_dir, tmp_path, flags):
    folder = tmp_path / "broken"
    shutil.copytree(corpus_dir / "broken", folder)
    for path in folder.iterdir():
        path.chmod(0o644)  # the corpus is read-only; read-only files would only be skipped
    originals = {path.name: path.read_bytes() for path in folder.iterdir()}

    run = run_cli(*flags, folder)

    assert "Traceback" not in run.out + run.err
    assert run.code == 1  # the corpus holds files that cannot be optimized
    assert f"{len(originals)} files: " in run.out
    for name, data in sorted(originals.items()):
        line = line_for(run, folder / name)
        after = (folder / name).read_bytes()
        if "FAILED" in line or "skipped" in line:
            assert after == data, name
        else:
            with Image.open(io.BytesIO(after)) as image:
                image.load()
    assert sorted(p.name for p in folder.iterdir()) == sorted(originals)  # none new, none lost
