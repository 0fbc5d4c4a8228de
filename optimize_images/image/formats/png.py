"""PNG: lossless and smaller, through exact reductions and filter and deflate trials;
through oxipng too when the optional `png` extra is installed.

Pillow writes the chunks (palette, transparency, ICC profile, EXIF, pHYs and
our marker) of each exact form of the image (`reductions`); its scanlines are
filtered and deflated here (`scanlines`), since Pillow's encoder takes no
filter choice, and the smallest IDAT replaces Pillow's. The result is decoded
and compared with the image before it is returned. docs/png.md says what
each choice wins.
"""

import io
import os
import struct
import zlib
from functools import lru_cache
from types import ModuleType
from typing import Any, Dict, Iterator, Optional, Tuple

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from ...common.modes import SIXTEEN_BIT_MODES, to_8bit
from ...common.settings import Settings
from .._scanlines import ADAPTIVE, METHODS, NONE, STRATEGIES, Scanlines, deflated
from ..reductions import Form, exact_forms, same_pixels, sixteen_bit_mode
from ..transforms import reduce_colors
from .base import MARKER, MARKER_TEXT, Encoded, Inspection, Job, WorkingMemory, save_to_bytes
from .contract import Format, Role

NAME = "PNG"
BYTES_PER_PIXEL = 11  # the memory the work needs, a pixel (see working_memory)
# The optional extra: pip install "optimize-images[png]" brings this package.
OXIPNG_PACKAGE = "pyoxipng"

# Above this many bytes of raw pixels (a 2000x1500 RGBA image), Pillow encodes
# the likeliest smallest form once, as with -fm: the trials hold about fifteen
# copies of the raw bytes (the filtered images and the scanlines).
TRIAL_BYTES = 12 << 20
# The memory of the work beyond that one encode (which BYTES_PER_PIXEL counts), as
# benchmarks/memory.py measured it (peak RSS beyond the interpreter's): the trials
# about 21 bytes a byte of raw pixels (260 MB at TRIAL_BYTES, the copies and the
# decoded source), oxipng about 28 bytes a pixel (the slope between 9 and 36 MP
# RGBA). Each is done only where it fits within --max-memory (see encode), so
# that the pipeline's estimate, BYTES_PER_PIXEL, holds with them too.
TRIAL_BYTES_PER_RAW_BYTE = 21
OXIPNG_BYTES_PER_PIXEL = 28
MEGABYTE = 1_000_000

_STORABLE_MODES = ("1", "L", "LA", "P", "RGB", "RGBA")
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# IHDR's (bit depth, colour type) → Pillow's raw mode for those scanlines.
_RAW_MODES = {
    (1, 0): "1", (2, 0): "L;2", (4, 0): "L;4", (8, 0): "L", (16, 0): "I;16B",
    (8, 2): "RGB", (8, 4): "LA", (8, 6): "RGBA",
    (1, 3): "P;1", (2, 3): "P;2", (4, 3): "P;4", (8, 3): "P",
}
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
FAST = STRATEGIES["default"]


def inspect(image: Image.Image, data: bytes) -> Inspection:
    """Lossless; a 16-bit colour PNG is refused: Pillow would keep only 8 bits per channel."""
    if _bit_depth(data) == 16 and image.mode in ("RGB", "RGBA"):
        return Inspection(lossless=True, refusal=("16-bit colour PNG: Pillow would keep only "
                                                  "8 bits per channel"))
    return Inspection(lossless=True)


def _bit_depth(data: bytes) -> Optional[int]:
    return data[24] if len(data) > 25 else None  # IHDR's bit-depth byte


def prepare(image: Image.Image, settings: Settings) -> Image.Image:
    """-rc's adaptive palette, then a mode PNG stores."""
    if settings.reduce_colors:
        image = reduce_colors(to_8bit(image), settings.max_colors)
    if image.mode in SIXTEEN_BIT_MODES:  # in the mode this Pillow writes; beyond 16 bits clipped
        mode = sixteen_bit_mode()
        return image if image.mode == mode else image.convert("I").convert(mode)
    if image.mode in _STORABLE_MODES:
        return image
    if image.mode == "PA":
        return image.convert("RGBA")
    return image.convert("RGB")


def encode(image: Image.Image, job: Job) -> Encoded:
    """The smallest encoding found that decodes to `image`'s very pixels.

    With the png extra, oxipng goes first, on a quick encoding of the image
    as it is, and our trials then stop as soon as they cannot
    beat its result; where ours wins, oxipng gets ours too. Ours: with -fm
    (or past TRIAL_BYTES) one Pillow encode of that form; else every form's
    filter and deflate trials. oxipng, then the trials beside it, run only
    where their memory fits within --max-memory (else one Pillow encode, as
    the pipeline's estimate counts).
    """
    forms = exact_forms(image)
    budget = job.settings.max_memory * MEGABYTE
    theirs = None
    oxipng_memory = image.width * image.height * OXIPNG_BYTES_PER_PIXEL
    if _runnable_oxipng() is not None and oxipng_memory <= budget:
        theirs = _verified(image, _through_oxipng(image, job))
        budget -= oxipng_memory
    raw = _raw_bytes(forms[-1].image)
    ours: Optional[bytes]
    if job.settings.fast_mode or raw > TRIAL_BYTES or raw * TRIAL_BYTES_PER_RAW_BYTE > budget:
        ours = _save(forms[0], job, optimize=True)
    else:
        ours = _smallest(forms, job, beat=theirs)
    ours = _verified(image, ours)
    if ours is not None and theirs is not None and len(ours) < len(theirs):
        ours = min(ours, _verified(image, through_oxipng(ours)) or ours, key=len)
    best = min(filter(None, (ours, theirs)), key=len, default=None)
    if best is None:  # never expected: Pillow's own encoding of the image as it is
        best = save_to_bytes(image, NAME, optimize=True, **_metadata(job))
    return Encoded(best)


def _verified(image: Image.Image, data: Optional[bytes]) -> Optional[bytes]:
    """`data` when it decodes to the pixels of `image`; else (and for None) None."""
    if data is None:
        return None
    with Image.open(io.BytesIO(data)) as decoded:
        return data if same_pixels(image, decoded) else None


def _raw_bytes(image: Image.Image) -> int:
    depth = 2 if image.mode in SIXTEEN_BIT_MODES else 1
    return image.width * image.height * len(image.getbands()) * depth


def _save(form: Form, job: Job, **params: Any) -> bytes:
    return save_to_bytes(form.image, NAME, **form.params, **_metadata(job), **params)


def _metadata(job: Job) -> Dict[str, Any]:
    info = PngInfo()
    for kind, body in _colour_chunks(job):
        info.add(kind, body)
    info.add_text("Software", MARKER_TEXT)
    return {"pnginfo": info, "icc_profile": job.icc_profile, "exif": job.exif, "dpi": job.dpi}


def _colour_chunks(job: Job) -> Iterator[Tuple[bytes, bytes]]:
    """The source's gAMA, cHRM and sRGB chunks, written again as Pillow read them: they
    change how viewers show the colours (a gamma of 1.0 shows much lighter without its
    chunk). Pillow places them before PLTE and IDAT, and leaves sRGB out beside an ICC
    profile, as the PNG specification asks."""
    if job.gamma is not None:
        yield b"gAMA", struct.pack(">I", round(job.gamma * 100_000))
    if job.chromaticity is not None and len(job.chromaticity) == 8:
        yield b"cHRM", struct.pack(">8I", *(round(value * 100_000) for value in job.chromaticity))
    if job.srgb is not None:
        yield b"sRGB", bytes([job.srgb])


def _smallest(forms, job, *, beat=None):
    """The smallest file of the trials: Pillow writes each form's chunks (deflating
    nothing), the trials write its IDAT.

    Which filtering of each form to try at length is predicted by a fast
    deflate (level 1) of the form under every filtering (none, sub, up,
    average, Paeth, adaptive). zlib's default and filtered strategies at
    level 9 go to each form's likeliest filtering, the likeliest form first;
    then to the unfiltered scanlines of that form (level 1's short searches
    miss the long matches that make unfiltered rows win on some images) and
    of every form whose bytes are palette indices or packed pixels. Its
    Huffman-only and RLE strategies, cheap, go to the likeliest form's
    unfiltered and adaptive scanlines. A trial stops once it is sure to lose
    (to the best so far, or to `beat`'s bytes); None when none beat `beat`.
    docs/png.md has the measurements.
    """
    encodings = [_Encoding(form, job) for form in forms]
    likeliest = []  # (guess, index of the encoding, filtering): each form's, smallest first
    for index, encoding in enumerate(encodings):
        guesses = [(encoding.size_with(deflated(encoding.lines.filtered(method), FAST, level=1)),
                    index, method) for method in METHODS]
        likeliest.append(min(guesses, key=lambda guess: guess[0]))
    likeliest.sort(key=lambda guess: guess[:2])
    lengthy = [(encodings[index], method) for _, index, method in likeliest]
    lengthy += [(encoding, NONE) for encoding in encodings
                if (encoding is lengthy[0][0] or encoding.indexed) and (encoding, NONE) not in lengthy]
    trials = [(encoding, kind, STRATEGIES[name]) for encoding, kind in lengthy
              for name in ("default", "filtered")]
    trials += [(lengthy[0][0], kind, STRATEGIES[name]) for kind in (NONE, ADAPTIVE)
               for name in ("huffman", "rle")]
    best = beat
    for encoding, kind, strategy in trials:
        limit = None if best is None else len(best) - encoding.size_with(b"") - 1
        idat = deflated(encoding.lines.filtered(kind), strategy, limit=limit)
        if idat is not None:
            best = encoding.file_with(idat)
    return None if best is beat else best


class _Encoding:
    """A form as Pillow writes it (its chunks), and its scanlines, for trials of its IDAT."""

    def __init__(self, form: Form, job: Job) -> None:
        self.chunks = list(_chunks(_save(form, job, compress_level=0)))
        width, _, bits, colour_type = struct.unpack(">IIBB", self.chunks[0][1][:10])
        pixel_bits = bits * _CHANNELS[colour_type]
        self.indexed = colour_type == 3 or pixel_bits < 8  # bytes of indices or packed pixels
        self.lines = Scanlines(form.image.tobytes("raw", _RAW_MODES[bits, colour_type]),
                               (width * pixel_bits + 7) // 8, max(1, pixel_bits // 8))
        self._others = sum(12 + len(body) for kind, body in self.chunks if kind != b"IDAT")

    def size_with(self, idat: bytes) -> int:
        """The size of the file with this IDAT."""
        return len(_SIGNATURE) + self._others + 12 + len(idat)

    def file_with(self, idat: Optional[bytes]) -> bytes:
        """The file: its chunks, with one IDAT of `idat` where the first IDAT was."""
        parts = [_SIGNATURE]
        for kind, body in self.chunks:
            if kind != b"IDAT":
                parts.append(_chunk(kind, body))
            elif idat is not None:
                parts.append(_chunk(b"IDAT", idat))
                idat = None
        return b"".join(parts)


def _chunks(data: bytes) -> Iterator[Tuple[bytes, bytes]]:
    """(type, body) of each chunk of a PNG file we wrote."""
    position = len(_SIGNATURE)
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        yield kind, data[position + 8:position + 8 + length]
        position += 12 + length


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def _through_oxipng(image: Image.Image, job: Job) -> Optional[bytes]:
    """oxipng's result on a quick encoding of the image as it is (oxipng makes its own
    reductions and trials); None where it cannot run."""
    return through_oxipng(save_to_bytes(image, NAME, compress_level=1, **_metadata(job)))


def through_oxipng(data: bytes) -> Optional[bytes]:
    """oxipng's result on `data` at its default level, keeping every chunk; None
    without the optional `png` extra, where oxipng cannot run (see
    `_oxipng_started_in`) or when it refuses the file."""
    oxipng = _runnable_oxipng()
    if oxipng is None:
        return None
    try:
        return oxipng.optimize_from_memory(data)
    except oxipng.PngError:
        return None


def _oxipng() -> Optional[ModuleType]:
    """The optional oxipng wrapper (pyoxipng, the png extra), imported now; or None."""
    try:
        import oxipng
    except ImportError:
        return None
    return oxipng


def _runnable_oxipng() -> Optional[ModuleType]:
    oxipng = _oxipng()
    return oxipng if oxipng is not None and _oxipng_started_in() == os.getpid() else None


@lru_cache(maxsize=None)
def _oxipng_started_in() -> int:
    """The process that first ran oxipng (cached, so a forked child inherits the answer).

    oxipng's thread pool (Rust's rayon) lives in that process only: a process
    forked from it after that inherits the pool's state but none of its
    threads, and oxipng would wait for them for ever. The pool of a run forks
    its workers before any of them encodes, so this is rare: a program that
    optimized PNGs itself and then starts a process pool.
    """
    return os.getpid()


def oxipng_version() -> Optional[str]:
    """The version of the optional oxipng wrapper (the `png` extra) when it imports;
    else None."""
    if _oxipng() is None:
        return None
    from importlib import metadata  # 15 ms to import: only for -s
    try:
        return metadata.version(OXIPNG_PACKAGE)
    except metadata.PackageNotFoundError:  # importable, but not installed by pip
        return "unknown version"


def working_memory(job: Job) -> WorkingMemory:
    """(bytes a pixel of the image that the work needs, what it is), as
    benchmarks/memory.py measured them."""
    return BYTES_PER_PIXEL, "PNG"


def is_marked(image: Image.Image) -> bool:
    return str(image.info.get("Software", "")).startswith(MARKER)


FORMAT = Format(
    name=NAME, extensions=(".png", ".apng"), role=Role.IN_PLACE, inspect=inspect, codec="zlib",
    prepare=prepare, encode=encode, is_marked=is_marked, working_memory=working_memory,
    converts_big_photos=True)  # -cb converts its big photographic files (to JPEG, or -cf's)
