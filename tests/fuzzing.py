"""Seeded mutations of small images, and the checks a fuzzed run must pass.

Shared by tests/test_fuzz.py (a quick batch) and benchmarks/fuzz.py (thousands).
The seed images are made here with Pillow; every mutation is a function
(rng, data) -> bytes, so the same seed gives the same files for the same Pillow.
"""

import io
import random
import re
import struct
import warnings
import zlib

import piexif
from PIL import Image, features

from helpers import encode, photo

TEMP_PREFIX = ".optimize-images-"
SIZE = (96, 72)
HUGE_DIMENSIONS = [(60000, 60000), (0, 72), (96, 0), (65535, 1), (1, 65535), (40000, 40000)]
HUGE_COUNTS = [1 << 31, (1 << 32) - 1, 1 << 22, 0x10000]
EXTENSIONS = [".jpg", ".png", ".gif", ".webp"]
MAGIC = {".jpg": b"\xff\xd8\xff\xe0", ".png": b"\x89PNG\r\n\x1a\n", ".gif": b"GIF89a",
         ".webp": b"RIFF\x00\x10\x00\x00WEBPVP8 "}
# Python's and Pillow's vocabulary, which a reason for people must not show.
UNPLAIN = re.compile(r"\b\w*(Error|Exception)\b|Plugin|MAX_|errno|Errno|decoder object")


# --- The seed images ---------------------------------------------------------------------

def seed_images():
    """{name: bytes}: one small file of each kind we optimize, with metadata to damage."""
    image = photo(SIZE)
    rgba = image.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(SIZE))
    palette = image.convert("P", palette=Image.ADAPTIVE, colors=16)
    seeds = {
        "photo.jpg": encode(image, "JPEG", quality=95, exif=_camera_exif()),
        "progressive.jpg": encode(image, "JPEG", quality=90, progressive=True, subsampling=0),
        "gray.jpg": encode(image.convert("L"), "JPEG", quality=92),
        "rgb.png": encode(image, "PNG", pnginfo=_text_chunks()),
        "rgba.png": encode(rgba, "PNG", exif=_camera_exif()),
        "palette.png": encode(palette, "PNG", transparency=0),
        "still.gif": encode(palette, "GIF"),
        "animated.gif": _animated_gif(image),
    }
    if features.check("webp"):
        seeds["lossy.webp"] = encode(image, "WEBP", quality=90, exif=_camera_exif())
        seeds["lossless.webp"] = encode(rgba, "WEBP", lossless=True)
    return seeds


def _camera_exif():
    return piexif.dump({
        "0th": {piexif.ImageIFD.Make: b"Fuzz", piexif.ImageIFD.Orientation: 6,
                piexif.ImageIFD.XResolution: (72, 1), piexif.ImageIFD.YResolution: (72, 1),
                piexif.ImageIFD.ResolutionUnit: 2},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2020:01:02 03:04:05",
                 piexif.ExifIFD.ExposureTime: (1, 125)},
        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (0, 1))},
    })


def _text_chunks():
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_text("Comment", "a seed for the fuzz tests")
    info.add_text("Description", "compressed " * 40, zip=True)
    return info


def _animated_gif(image):
    frames = [image.rotate(angle).convert("P", palette=Image.ADAPTIVE, colors=32)
              for angle in (0, 30, 60)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:],
                   duration=[80, 120, 160], loop=0)
    return buffer.getvalue()


# --- Mutations ---------------------------------------------------------------------------

def flip_bits(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def truncate(rng, data):
    return data[:rng.randrange(1, len(data))]


def damage_structure(rng, data):
    """Break one PNG chunk, JPEG segment, RIFF chunk or GIF block, leaving the rest whole."""
    if data.startswith(MAGIC[".png"]):
        return _damage_png_chunk(rng, data)
    if data.startswith(b"\xff\xd8"):
        return _damage_jpeg_segment(rng, data)
    if data.startswith(b"RIFF"):
        return _damage_riff_chunk(rng, data)
    return _damage_gif_block(rng, data)


def absurd_dimensions(rng, data):
    """Claim other dimensions in the header (PNG with a valid CRC)."""
    width, height = rng.choice(HUGE_DIMENSIONS)
    data = bytearray(data)
    if data.startswith(MAGIC[".png"]):
        return _rewrite_png_chunk(data, 8, struct.pack(">II", width, height)
                                  + bytes(data[24:33]))
    if data.startswith(b"\xff\xd8"):
        for marker, start, _ in _jpeg_segments(data):
            if 0xC0 <= marker <= 0xC2:
                data[start + 5:start + 9] = struct.pack(">HH", height & 0xFFFF, width & 0xFFFF)
        return bytes(data)
    if data.startswith(b"RIFF"):
        offset = data.find(b"VP8X")
        if offset > 0:
            data[offset + 12:offset + 18] = ((width - 1) & 0xFFFFFF).to_bytes(3, "little") + \
                ((height - 1) & 0xFFFFFF).to_bytes(3, "little")
        else:
            data[26:30] = struct.pack("<HH", width & 0x3FFF, height & 0x3FFF)
        return bytes(data)
    data[6:10] = struct.pack("<HH", width & 0xFFFF, height & 0xFFFF)
    return bytes(data)


def damage_exif(rng, data):
    """Flip bits in the EXIF block, or make one of its entries claim a huge count."""
    start = data.find(b"Exif\x00\x00")
    if start < 0:
        return flip_bits(rng, data)
    tiff = start + 6
    order = ">" if data[tiff:tiff + 2] == b"MM" else "<"
    data = bytearray(data)
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 4)):
            data[tiff + rng.randrange(min(200, len(data) - tiff))] ^= 1 << rng.randrange(8)
        return bytes(data)
    ifd = tiff + struct.unpack(order + "I", data[tiff + 4:tiff + 8])[0]
    entries = struct.unpack(order + "H", data[ifd:ifd + 2])[0]
    entry = ifd + 2 + 12 * rng.randrange(max(1, entries))
    data[entry + 4:entry + 8] = struct.pack(order + "I", rng.choice(HUGE_COUNTS))
    return bytes(data)


def garbage_after_magic(rng, data):
    magic = MAGIC[rng.choice(EXTENSIONS)]
    return magic + rng.randbytes(rng.randint(16, 4000))


MUTATIONS = {function.__name__: function for function in (
    flip_bits, truncate, damage_structure, absurd_dimensions, damage_exif, garbage_after_magic)}


def _damage_png_chunk(rng, data):
    chunks = list(_png_chunks(data))
    start, kind, length = rng.choice(chunks)
    end = start + 12 + length
    how = rng.choice(["content", "length", "crc", "drop", "repeat"])
    if how == "content" and length:
        body = bytearray(data[start + 8:start + 8 + length])
        for _ in range(rng.randint(1, 4)):
            body[rng.randrange(length)] = rng.randrange(256)
        return _rewrite_png_chunk(bytearray(data), start, bytes(body))
    if how == "length":
        return data[:start] + struct.pack(">I", rng.choice([0, length + 1, 0x7FFFFFFF])) \
            + data[start + 4:]
    if how == "crc":
        return data[:end - 4] + b"\x00\x00\x00\x00" + data[end:]
    if how == "drop":
        return data[:start] + data[end:]
    return data[:end] + data[start:end] + data[end:]


def _png_chunks(data):
    offset = 8
    while offset + 12 <= len(data):
        length = struct.unpack(">I", data[offset:offset + 4])[0]
        yield offset, data[offset + 4:offset + 8], length
        offset += 12 + length


def _rewrite_png_chunk(data, start, body):
    """Replace the body of the chunk at `start`, with its length and a valid CRC."""
    length = struct.unpack(">I", data[start:start + 4])[0]
    kind = bytes(data[start + 4:start + 8])
    chunk = struct.pack(">I", len(body)) + kind + body + \
        struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return bytes(data[:start]) + chunk + bytes(data[start + 12 + length:])


def _jpeg_segments(data):
    """(marker, start, end) of each segment before the entropy-coded data."""
    offset = 2
    while offset + 4 <= len(data) and data[offset] == 0xFF:
        marker = data[offset + 1]
        length = struct.unpack(">H", data[offset + 2:offset + 4])[0]
        yield marker, offset, offset + 2 + length
        if marker == 0xDA:
            return
        offset += 2 + length


def _damage_jpeg_segment(rng, data):
    marker, start, end = rng.choice(list(_jpeg_segments(data)))
    how = rng.choice(["content", "length", "marker", "drop"])
    if how == "content" and end - start > 4:
        body = bytearray(data[start + 4:end])
        for _ in range(rng.randint(1, 4)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        return data[:start + 4] + bytes(body) + data[end:]
    if how == "length":
        return data[:start + 2] + struct.pack(">H", rng.choice([0, 1, 2, 0xFFFF])) \
            + data[start + 4:]
    if how == "marker":
        return data[:start + 1] + bytes([rng.randrange(256)]) + data[start + 2:]
    return data[:start] + data[end:]


def _damage_riff_chunk(rng, data):
    data = bytearray(data)
    if rng.random() < 0.5:
        data[4:8] = struct.pack("<I", rng.choice([0, 4, len(data) * 4, 0xFFFFFFFF]))
    else:
        for _ in range(rng.randint(1, 6)):
            data[12 + rng.randrange(min(40, len(data) - 12))] = rng.randrange(256)
    return bytes(data)


def _damage_gif_block(rng, data):
    data = bytearray(data)
    # The screen descriptor, the palette and the first image descriptor live up front.
    for _ in range(rng.randint(1, 6)):
        data[6 + rng.randrange(min(len(data) - 6, 900))] = rng.randrange(256)
    return bytes(data)


def mutants(count, seed):
    """`count` (file name, bytes) pairs, the same for the same seed."""
    rng = random.Random(seed)
    seeds = seed_images()
    names = sorted(seeds)
    for index in range(count):
        seed_name = names[index % len(names)]
        mutation = rng.choice(sorted(MUTATIONS))
        data = MUTATIONS[mutation](rng, seeds[seed_name])
        stem, extension = seed_name.rsplit(".", 1)
        extension = "." + extension
        if rng.random() < 0.15:  # content and name disagree
            extension = rng.choice([e for e in EXTENSIONS if e != extension])
        yield f"{index:04}-{mutation}-{stem}{extension}", data or b"\x00"


# --- Checking a run ----------------------------------------------------------------------

def run_problems(folder, originals, stdout, stderr, status, *, keep_exif=False):
    """What a run over `folder` did wrong; empty when it behaved.

    `originals` maps each file name to its bytes before the run. A file must be
    byte-identical or a sound image of the size its original decodes to (turned
    upright unless EXIF was kept); nothing may appear or disappear; every file
    gets one line, its reason in plain words (a failure's on standard error,
    and nothing else there); no traceback; exit status 0 or 1.
    """
    problems = []
    if status not in (0, 1):
        problems.append(f"exit status {status}")
    others = [line for line in stderr.splitlines() if "  FAILED: " not in line
              and "  skipped: " not in line]
    if others:
        problems.append(f"standard error: {chr(10).join(others)[:500]}")
    if "  FAILED: " in stdout:
        problems.append("a failure on standard output")
    if "Traceback" in stdout + stderr:
        problems.append("a traceback")
    names = sorted(p.name for p in folder.iterdir())
    if names != sorted(originals):
        extra = sorted(set(names) - set(originals))
        missing = sorted(set(originals) - set(names))
        problems.append(f"files appeared {extra} or disappeared {missing}")
    lines = {}
    for line in stdout.splitlines() + stderr.splitlines():
        name = line.split("  ")[0].rsplit("/", 1)[-1]
        if name in originals:
            lines.setdefault(name, []).append(line)
    for name, data in sorted(originals.items()):
        problems.extend(_file_problems(folder / name, data, lines.get(name, []), keep_exif))
    return problems


def _file_problems(path, original, lines, keep_exif):
    name = path.name
    problems = []
    if len(lines) != 1:
        problems.append(f"{name}: {len(lines)} output lines")
    for line in lines:
        reason = line.partition("FAILED: ")[2] or line.partition("skipped: ")[2]
        if UNPLAIN.search(reason):
            problems.append(f"{name}: reason not in plain words: {reason}")
    if not path.exists() or path.is_symlink():
        return problems + [f"{name}: gone"]
    after = path.read_bytes()
    if after == original:
        return problems
    try:
        expected = expected_size(original, keep_exif)
    except Exception as error:  # the check itself must not stop the batch
        return problems + [f"{name}: rewritten, though Pillow cannot open the original "
                           f"({type(error).__name__}: {error})"]
    try:
        with Image.open(io.BytesIO(after)) as image:
            image.load()
            size = image.size
    except Exception as error:
        return problems + [f"{name}: rewritten but unsound ({type(error).__name__}: {error})"]
    if size != expected:
        problems.append(f"{name}: rewritten at {size}, its original decodes to {expected}")
    return problems


def expected_size(original, keep_exif):
    """The size a rewritten file must have: the original's, turned upright unless -ke."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's words about the broken EXIF we made
        with Image.open(io.BytesIO(original)) as image:
            width, height = image.size
            orientation = 1 if keep_exif else _orientation(image)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _orientation(image):
    """The EXIF orientation; none can be applied when the block cannot be read."""
    try:
        return image.getexif().get(0x0112, 1)
    except Exception:  # Pillow raises for some broken blocks (a WebP's, say)
        return 1


def describe_reason(line):
    """A reason with numbers and paths generalised, for counting kinds of reasons."""
    reason = line.partition("FAILED: ")[2] or line.partition("skipped: ")[2]
    return re.sub(r"\b0x[0-9a-fA-F]+\b|\b\d[\d,.]*(?:x\d+)?(?![\d.]|st|th)", "N", reason)
