"""The PNG format module: the trials, -fm's single encode, the check of every result,
and the optional oxipng extra (faked where pyoxipng is absent, real where present)."""

import io
import struct
import sys
import types

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from optimize_images.api import optimize_bytes
from optimize_images.image.formats import png
from optimize_images.image.formats.base import Job
from optimize_images.image.reductions import same_pixels
from optimize_images.common.results import OPTIMIZED, SKIPPED
from optimize_images.common.settings import Settings

from helpers import drawing, encode, photo, run_cli


def job(**options):
    return Job(settings=Settings(**options), source_format="PNG", source_size=10 ** 6,
               dpi=(72, 72))


def rgba_pixels(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA").tobytes()


def chunk_types(data):
    position, found = 8, []
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        found.append(kind)
        position += 12 + length
    return found


def without_chunk(data, unwanted):
    position, parts = 8, [data[:8]]
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind != unwanted:
            parts.append(data[position:position + 12 + length])
        position += 12 + length
    return b"".join(parts)


@pytest.fixture
def no_oxipng(monkeypatch):
    """As without the png extra: `import oxipng` fails."""
    monkeypatch.setitem(sys.modules, "oxipng", None)


@pytest.fixture
def fake_oxipng(monkeypatch):
    """A stand-in for pyoxipng whose optimize_from_memory the test sets."""
    module = types.ModuleType("oxipng")
    module.PngError = type("PngError", (Exception,), {})
    monkeypatch.setitem(sys.modules, "oxipng", module)
    return module


IMAGES = {
    "graphic RGB": lambda: drawing(3, size=(96, 64)),
    "photo RGB": lambda: photo((96, 64)),
    "grey": lambda: photo((96, 64)).convert("L"),
    "RGBA with soft edges": lambda: photo((96, 64)).convert("RGBA").quantize(40).convert("RGBA"),
    "palette": lambda: drawing(5, size=(96, 64)).quantize(12),
}


@pytest.mark.parametrize("name", IMAGES)
def test_results_are_lossless(name, no_oxipng):
    source = encode(IMAGES[name](), "PNG")
    data, result = optimize_bytes(source, no_comparison=True)
    assert result.status == OPTIMIZED and rgba_pixels(data) == rgba_pixels(source)


@pytest.mark.parametrize("name", ["graphic RGB", "RGBA with soft edges"])
def test_graphics_come_out_smaller_than_pillows_plain_encoding(name, no_oxipng):
    source = encode(IMAGES[name](), "PNG")
    data, result = optimize_bytes(source)
    assert result.status == OPTIMIZED and len(data) < len(source)


def test_fast_mode_encodes_once_with_pillow(monkeypatch, no_oxipng):
    calls = []
    real = png.save_to_bytes
    monkeypatch.setattr(png, "save_to_bytes", lambda *a, **k: calls.append(k) or real(*a, **k))
    monkeypatch.setattr(png, "deflated", None)  # no trial may run
    image = drawing(3, size=(96, 64))
    data = png.encode(image, job(fast_mode=True)).data
    assert len(calls) == 1 and calls[0]["optimize"] is True
    assert rgba_pixels(data) == image.convert("RGBA").tobytes()


def test_images_past_the_trial_size_get_one_encode_too(monkeypatch, no_oxipng):
    monkeypatch.setattr(png, "TRIAL_BYTES", 100)
    monkeypatch.setattr(png, "deflated", None)
    image = photo((64, 48))
    assert rgba_pixels(png.encode(image, job()).data) == image.convert("RGBA").tobytes()


def calls_to(monkeypatch, name):
    """The calls made to png.`name` from now on (it still runs)."""
    calls, real = [], getattr(png, name)
    monkeypatch.setattr(png, name, lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


@pytest.mark.parametrize("max_memory, tried", [(9, False), (10, True)])
def test_the_trials_run_only_where_their_memory_fits_within_max_memory(
        max_memory, tried, monkeypatch, no_oxipng):
    trials = calls_to(monkeypatch, "_smallest")
    monkeypatch.setattr(png, "TRIAL_BYTES_PER_RAW_BYTE", 1000)  # 64x48 RGB: 9.2 MB
    image = photo((64, 48))
    data = png.encode(image, job(max_memory=max_memory)).data
    assert bool(trials) is tried
    assert rgba_pixels(data) == image.convert("RGBA").tobytes()


@pytest.mark.parametrize("max_memory, ran", [(3, False), (4, True)])
def test_oxipng_runs_only_where_its_memory_fits_within_max_memory(
        max_memory, ran, fake_oxipng, monkeypatch):
    given = []
    fake_oxipng.optimize_from_memory = lambda data: given.append(data)  # None: no result
    monkeypatch.setattr(png, "OXIPNG_BYTES_PER_PIXEL", 1000)  # 64x48: 3.1 MB
    image = drawing(7, size=(64, 48))
    data = png.encode(image, job(max_memory=max_memory)).data
    assert bool(given) is ran
    assert rgba_pixels(data) == image.convert("RGBA").tobytes()


def test_the_trials_beside_oxipng_fit_within_what_it_leaves(fake_oxipng, monkeypatch):
    fake_oxipng.optimize_from_memory = lambda data: None
    trials = calls_to(monkeypatch, "_smallest")
    monkeypatch.setattr(png, "OXIPNG_BYTES_PER_PIXEL", 1000)  # 64x48: 3.1 MB
    monkeypatch.setattr(png, "TRIAL_BYTES_PER_RAW_BYTE", 200)  # 64x48 RGB: 1.8 MB
    png.encode(photo((64, 48)), job(max_memory=4))
    assert not trials
    png.encode(photo((64, 48)), job(max_memory=5))
    assert trials


def test_the_trials_keep_the_chunks_pillow_writes(no_oxipng):
    data = png.encode(drawing(4, size=(64, 48)), job()).data
    kinds = chunk_types(data)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and kinds.count(b"IDAT") == 1
    assert {b"pHYs", b"tEXt"} <= set(kinds)
    with Image.open(io.BytesIO(data)) as image:
        assert png.is_marked(image) and image.info["dpi"] == pytest.approx((72, 72), abs=0.01)


def test_a_result_with_other_pixels_is_replaced_by_pillows_own(monkeypatch, no_oxipng):
    image = drawing(6, size=(64, 48))
    monkeypatch.setattr(png, "_smallest", lambda forms, job, beat: encode(photo((64, 48)), "PNG"))
    data = png.encode(image, job()).data
    assert rgba_pixels(data) == image.convert("RGBA").tobytes()


def test_oxipngs_smaller_result_is_kept(fake_oxipng, monkeypatch):
    image = drawing(7, size=(64, 48))
    monkeypatch.setitem(sys.modules, "oxipng", None)
    smaller = without_chunk(png.encode(image, job()).data, b"pHYs")  # ours, 21 bytes less
    monkeypatch.setitem(sys.modules, "oxipng", fake_oxipng)
    fake_oxipng.optimize_from_memory = lambda data: smaller
    assert png.encode(image, job()).data == smaller


def test_our_trials_stop_where_they_cannot_beat_oxipng(fake_oxipng, monkeypatch):
    image = drawing(7, size=(64, 48))
    monkeypatch.setitem(sys.modules, "oxipng", None)
    smaller = without_chunk(png.encode(image, job()).data, b"pHYs")
    monkeypatch.setitem(sys.modules, "oxipng", fake_oxipng)
    fake_oxipng.optimize_from_memory = lambda data: smaller
    trials = []  # what each deflate given a limit (a trial, not a guess) returned
    real = png.deflated

    def deflated(data, strategy, **options):
        result = real(data, strategy, **options)
        if options.get("limit") is not None:
            trials.append(result)
        return result
    monkeypatch.setattr(png, "deflated", deflated)
    assert png.encode(image, job()).data == smaller
    assert trials and all(result is None for result in trials)  # each gave up


def test_oxipngs_result_with_other_pixels_is_refused_and_ours_kept(fake_oxipng, monkeypatch):
    image = drawing(7, size=(64, 48))
    monkeypatch.setitem(sys.modules, "oxipng", None)
    ours = png.encode(image, job()).data
    monkeypatch.setitem(sys.modules, "oxipng", fake_oxipng)
    fake_oxipng.optimize_from_memory = lambda data: encode(Image.new("P", (64, 48)), "PNG")
    assert png.encode(image, job()).data == ours


def test_oxipngs_refusal_leaves_ours(fake_oxipng):
    def refuse(data):
        raise fake_oxipng.PngError("no")
    fake_oxipng.optimize_from_memory = refuse
    assert png.through_oxipng(encode(drawing(1), "PNG")) is None


def test_oxipng_is_not_run_in_a_process_forked_after_it_ran(fake_oxipng, monkeypatch):
    fake_oxipng.optimize_from_memory = lambda data: b"smaller"
    assert png.through_oxipng(b"x" * 10) == b"smaller"  # noted: it ran in this process
    monkeypatch.setattr(png.os, "getpid", lambda: -1)  # as in a child forked after that
    assert png.through_oxipng(b"x" * 10) is None


def test_supported_says_whether_the_png_extra_is_active(fake_oxipng, monkeypatch):
    assert "PNG through oxipng too: active" in run_cli("-s").out
    monkeypatch.setitem(sys.modules, "oxipng", None)
    line = [row for row in run_cli("-s").out.splitlines() if "oxipng" in row]
    assert line == ['PNG through oxipng too: not active (the optional png extra: '
                    'pip install "optimize-images[png]")']


def test_with_pyoxipng_the_result_is_at_most_oxipngs_own_on_ours():
    oxipng = pytest.importorskip("oxipng")
    image = drawing(8, size=(120, 90))
    ours = png.encode(image, job()).data
    assert rgba_pixels(ours) == image.convert("RGBA").tobytes()
    assert len(ours) <= len(oxipng.optimize_from_memory(ours))


@pytest.mark.corpus
def test_every_corpus_png_stays_exact_and_never_grows(corpus_dir, no_oxipng):
    for path in sorted((corpus_dir / "graphics").glob("*.png")):
        source = path.read_bytes()
        data, result = optimize_bytes(source, name=path.name)
        assert result.status in (OPTIMIZED, SKIPPED), (path.name, result.reason)
        assert len(data) <= len(source)
        with Image.open(io.BytesIO(source)) as before, Image.open(io.BytesIO(data)) as after:
            assert same_pixels(before, after), path.name


@pytest.mark.corpus
def test_the_corpus_palette_wedge_and_horse_get_their_reductions(corpus_dir, no_oxipng):
    wedge, _ = optimize_bytes((corpus_dir / "graphics" / "palette_wedge.png").read_bytes())
    horse, _ = optimize_bytes((corpus_dir / "graphics" / "horse.png").read_bytes())
    with Image.open(io.BytesIO(wedge)) as image:
        assert image.mode == "L"  # RGB that is all grey
    with Image.open(io.BytesIO(horse)) as image:
        assert image.mode == "P" and len(image.info["transparency"]) == 2  # 2 tRNS entries


@pytest.mark.parametrize("colour_info", [
    {"gamma": 1.0},
    {"gamma": 0.45455, "chromaticity": (0.3127, 0.329, 0.64, 0.33, 0.3, 0.6, 0.15, 0.06)},
    {"srgb": 1},
])
def test_how_colours_are_shown_is_kept(colour_info):
    """gAMA, cHRM and sRGB change what viewers show: they are written again as read."""
    chunks = {"gamma": (b"gAMA", struct.pack(">I", round(colour_info.get("gamma", 0) * 100_000))),
              "chromaticity": (b"cHRM", struct.pack(">8I", *(
                  round(value * 100_000) for value in colour_info.get("chromaticity", (0,) * 8)))),
              "srgb": (b"sRGB", bytes([colour_info.get("srgb", 0)]))}
    info = PngInfo()
    for name in colour_info:
        info.add(*chunks[name])
    source = encode(drawing(3, size=(200, 150)), "PNG", pnginfo=info)
    data, result = optimize_bytes(source)
    assert result.status == OPTIMIZED
    with Image.open(io.BytesIO(data)) as optimized:
        assert {name: optimized.info.get(name) for name in colour_info} == colour_info
    assert chunk_types(data).index(b"IDAT") > max(chunk_types(data).index(chunks[name][0])
                                                  for name in colour_info)
