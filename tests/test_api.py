"""The public API: what the package re-exports, with the names docs/api.md uses."""

import inspect
import io
import re
import sys

import pytest
from PIL import Image, ImageDraw

import optimize_images
from optimize_images import api
from optimize_images.image import formats, pipeline, rules
from optimize_images.run import runner
from optimize_images.common.errors import OptionError
from optimize_images.common.results import FAILED, OPTIMIZED, SKIPPED

from helpers import encode, photo, run_cli


def test_the_package_re_exports_the_public_api():
    for name in optimize_images.__all__:
        assert getattr(optimize_images, name) is not None, name
    assert optimize_images.optimize is api.optimize
    assert optimize_images.optimize_bytes is api.optimize_bytes
    assert optimize_images.Settings is api.Settings
    assert set(api.__all__) <= set(optimize_images.__all__)


def test_the_api_functions_carry_type_hints_and_keyword_only_options():
    for function in (api.optimize, api.optimize_bytes, api.optimize_with, api.watch_with,
                     api.find, api.optimize_file):
        hints = inspect.signature(function)
        assert hints.return_annotation is not inspect.Signature.empty, function.__name__
    parameters = inspect.signature(api.optimize_with).parameters
    assert parameters["on_result"].kind is inspect.Parameter.KEYWORD_ONLY


def test_every_error_raised_on_purpose_shares_one_base():
    for name in ("OptionError", "UsageError", "CannotStart", "Locked", "Skip", "Fail"):
        assert issubclass(getattr(optimize_images, name), optimize_images.OptimizeImagesError)


# --- optimize_bytes: bytes in, bytes out ---------------------------------------------------

def graphic(size=(96, 64)):
    """Flat colours: what GIFs and palette PNGs hold."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for index in range(6):
        draw.rectangle((index * 12, index * 8, index * 12 + 30, index * 8 + 20),
                       fill=(index * 40, 200 - index * 30, 90))
    return image


SOURCES = {  # format → bytes a run makes smaller
    "JPEG": lambda: encode(photo(), "JPEG", quality=98),
    "PNG": lambda: encode(photo((128, 96)), "PNG", compress_level=0),
    "WEBP": lambda: encode(photo(), "WEBP", quality=100, method=0),
    "GIF": lambda: encode(graphic().convert("P", palette=Image.ADAPTIVE), "GIF",
                          comment=b"made with an editor " * 100),  # we keep only our marker
    "BMP": lambda: encode(graphic(), "BMP"),  # read and converted
}
WRITTEN = ("GIF", "JPEG", "PNG", "WEBP")  # the formats we optimize in place
needs_avif = pytest.mark.skipif(not formats.can_write("AVIF"), reason="this Pillow writes no AVIF")


def decoded(data):
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image


@pytest.mark.parametrize("format_name", WRITTEN)
def test_optimize_bytes_gives_what_the_file_would_become(tmp_path, format_name):
    data = SOURCES[format_name]()
    path = tmp_path / "a.img"
    path.write_bytes(data)
    optimized, result = optimize_images.optimize_bytes(data)
    assert result.status == OPTIMIZED and result.path == "<bytes>"
    assert (result.size_before, result.size_after) == (len(data), len(optimized))
    assert decoded(optimized).format == format_name
    optimize_images.optimize(str(path))
    assert optimized == path.read_bytes()  # the same settings, search and encoder


@pytest.mark.parametrize("target", ["jpeg", "png", "webp", pytest.param("avif", marks=needs_avif)])
def test_optimize_bytes_converts(target):
    source = "BMP" if target == "png" else "PNG"
    data = SOURCES[source]()
    converted, result = optimize_images.optimize_bytes(data, convert_to=target, name="upload")
    assert result.status == OPTIMIZED and result.converted and result.path == "upload"
    assert result.format == f"{source}->{target.upper()}"
    assert decoded(converted).format == target.upper() and decoded(converted).size == (
        decoded(data).size)
    assert result.output_path is None and not result.source_kept


def test_optimize_bytes_takes_the_settings_of_a_run():
    data = SOURCES["JPEG"]()
    small, result = optimize_images.optimize_bytes(data, max_width=100, quality=60)
    assert result.quality == 60 and decoded(small).size == (100, 75)
    assert result.dimensions == (320, 240) and result.dimensions_after == (100, 75)
    with pytest.raises(OptionError, match="-q/--quality"):
        optimize_images.optimize_bytes(data, quality=0)


@pytest.mark.parametrize("options, word", [
    ({"output_dir": "out"}, "--output-dir"), ({"force_delete": True}, "-fd/--force-delete"),
    ({"paths": ("a.jpg",)}, "paths"), ({"dry_run": True}, "--dry-run")])
def test_optimize_bytes_refuses_options_about_files(options, word):
    with pytest.raises(OptionError, match=re.escape(word)):
        optimize_images.optimize_bytes(SOURCES["PNG"](), **options)


@pytest.mark.parametrize("data, options, status, reason", [
    (b"just text", {}, FAILED, "not an image"),
    (b"", {}, FAILED, "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(40), {}, FAILED, "not an image: a PNG signature"),
    ("photo", {"max_pixels": 1000}, FAILED, "too large: 320x240 is 76,800 pixels, over the "
                                            "limit of 1,000"),
    ("photo", {"min_savings": 99}, SKIPPED, "would save only"),
    ("tiny", {}, SKIPPED, "would not be smaller"),
], ids=["text", "empty", "bad header", "too large", "too little saved", "not smaller"])
def test_what_a_file_would_refuse_comes_back_unchanged_with_the_reason(data, options, status,
                                                                       reason):
    data = {"photo": SOURCES["JPEG"],
            "tiny": lambda: encode(Image.new("RGB", (8, 8), "red"), "PNG", optimize=True),
            }.get(data, lambda: data)()
    returned, result = optimize_images.optimize_bytes(data, **options)
    assert returned is data
    assert result.status == status and reason in result.reason, result.reason


def test_our_own_output_is_skipped_unless_forced():
    once, _ = optimize_images.optimize_bytes(SOURCES["PNG"]())
    again, result = optimize_images.optimize_bytes(once)
    assert again is once and result.status == SKIPPED and "already optimized" in result.reason
    assert optimize_images.optimize_bytes(once, force=True, no_comparison=True)[1].status == (
        OPTIMIZED)


def test_optimize_bytes_accepts_any_bytes_like_object_and_nothing_else():
    data = SOURCES["PNG"]()
    assert optimize_images.optimize_bytes(bytearray(data))[1].status == OPTIMIZED
    assert optimize_images.optimize_bytes(memoryview(data))[1].status == OPTIMIZED
    with pytest.raises(TypeError, match="bytes"):
        optimize_images.optimize_bytes("a.png")


FILE_EVENTS = ("open", "os.remove", "os.rename", "os.link", "os.mkdir", "os.chmod",
               "os.utime", "os.listdir", "os.scandir", "shutil.copyfile", "tempfile.mkstemp")
_watched = []  # while a test watches: the file-system events seen


def _audit(event, args):
    if _watched and event in FILE_EVENTS:
        _watched.append((event, args[0] if args else None))


sys.addaudithook(_audit)  # hooks stay for the process: this one records only when asked


class Tripwire:
    """Stands for a module: any use of it is recorded."""

    def __init__(self, name):
        self.name = name

    def __getattr__(self, attribute):
        _watched.append((f"{self.name}.{attribute}", None))
        raise AssertionError(f"{self.name}.{attribute} was used")


@pytest.fixture
def file_system_watched(monkeypatch):
    """Record file-system events (audit hooks: open, remove, rename...), and any use of `os`
    or the writer by the pipeline and its rules (stat() has no audit event)."""
    for module, name in ((pipeline, "os"), (pipeline, "writer"), (rules, "os"), (rules, "stat")):
        monkeypatch.setattr(module, name, Tripwire(name))
    _watched.append(("watching", None))
    yield _watched
    _watched.clear()


@pytest.mark.parametrize("format_name, options", [
    *[(name, {}) for name in WRITTEN],
    ("PNG", {"convert_to": "jpeg"}), ("JPEG", {"convert_to": "webp"}),
    ("JPEG", {"max_pixels": 1000}), ("JPEG", {"min_savings": 99})])
def test_optimize_bytes_never_touches_the_file_system(format_name, options,
                                                      file_system_watched):
    data = SOURCES[format_name]()
    optimize_images.optimize_bytes(data, **options)  # once, so that imports are done
    file_system_watched[1:] = []
    _, result = optimize_images.optimize_bytes(data, **options)
    assert "was used" not in result.detail
    assert file_system_watched[1:] == []


def test_the_watch_sees_what_a_file_costs(tmp_path, file_system_watched):
    """The check above can fail: the same work on a file is seen at once."""
    path = tmp_path / "a.png"
    path.write_bytes(SOURCES["PNG"]())
    file_system_watched[1:] = []
    pipeline.optimize_file(str(path), optimize_images.Settings(dry_run=True))
    assert file_system_watched[1:] != []


@pytest.mark.parametrize("call, name", [
    (lambda: optimize_images.optimize("photos", qualty=80), "optimize"),
    (lambda: optimize_images.optimize_bytes(b"", qualty=80), "optimize_bytes"),
])
def test_a_misspelled_option_names_the_function_and_the_nearest_option(call, name):
    with pytest.raises(TypeError) as raised:
        call()
    assert str(raised.value) == (
        f"{name}() got an unexpected keyword argument 'qualty'; did you mean 'quality'?")


def test_an_unknown_option_with_no_near_name_lists_none():
    with pytest.raises(TypeError) as raised:
        optimize_images.optimize("photos", colour_science=True)
    assert str(raised.value) == ("optimize() got an unexpected keyword argument "
                                 "'colour_science'")


def test_the_time_of_a_run_includes_starting_its_cluster(tmp_path, monkeypatch):
    """--dask local:N takes seconds to start: the summary says the time the user waited."""
    import contextlib
    import time

    @contextlib.contextmanager
    def slow_to_start(address):
        time.sleep(0.5)
        yield None

    monkeypatch.setattr(api, "connected", slow_to_start)
    (tmp_path / "a.txt").write_text("")
    outcome = api.optimize_with(optimize_images.Settings(paths=(str(tmp_path),)))
    assert outcome.summary.seconds >= 0.5


@pytest.mark.parametrize("how", ["optimize_bytes", "a serial run", "a run in threads", "-i"])
def test_pillow_opens_what_max_pixels_lets_in_above_its_own_limit(tmp_path, monkeypatch, how):
    """Pillow's guard is raised to --max-pixels wherever the work runs (reading.check_header);
    here it would refuse the 10,000 pixels of this PNG (above twice 1,000) first."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    data = encode(photo((100, 100)), "PNG")
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(data)
    if how == "optimize_bytes":
        statuses = {optimize_images.optimize_bytes(data, max_pixels=20_000)[1].status}
    elif how == "-i":
        said = run_cli("-i", tmp_path / "a.png", "--max-pixels", "20000").out
        statuses = {OPTIMIZED} if "would optimize it" in said else {said}
    else:
        if how == "a run in threads":
            monkeypatch.setattr(runner.concurrent.futures, "ProcessPoolExecutor", no_processes)
        outcome = optimize_images.optimize(tmp_path, max_pixels=20_000, dry_run=True,
                                           jobs=1 if how == "a serial run" else 2)
        statuses = {result.status for result in outcome.results}
    assert statuses == {OPTIMIZED}


def no_processes(*args, **kwargs):
    raise NotImplementedError("no process pools here")
