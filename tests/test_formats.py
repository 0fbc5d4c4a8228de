"""Formats beyond the core three: GIF, TIFF, BMP, MPO, HEIF, AVIF, and conversions."""

import io

import pytest
from PIL import Image, ImageSequence, features

from optimize_images.image import formats
from optimize_images.measure import metrics
from optimize_images.api import optimize
from optimize_images.image.formats import gif, heif
from optimize_images.common.results import FAILED, OPTIMIZED, SKIPPED

from helpers import encode, opened, photo, without_optional_package, write

ORIENTATION = 0x0112
needs_avif = pytest.mark.skipif(not features.check("avif"), reason="Pillow built without AVIF")


def animation(path, frames=4, loop=0, duration=(80, 120, 80, 200)):
    images = [photo((48, 48), seed=index).convert("P", palette=Image.ADAPTIVE)
              for index in range(frames)]
    # Uncompressed-ish frames so that a re-save has something to win.
    images[0].save(path, save_all=True, append_images=images[1:], duration=list(duration),
                   loop=loop, optimize=False)
    return images


def rendered(path):
    with Image.open(path) as image:
        return [(frame.convert("RGBA").tobytes(), frame.info.get("duration"))
                for frame in ImageSequence.Iterator(image)], image.info.get("loop")


def test_single_frame_gif_is_resaved_losslessly(tmp_path):
    image = photo((64, 64)).convert("P", palette=Image.ADAPTIVE)
    path = write(tmp_path / "a.gif", image, optimize=False)
    before = opened(path).convert("RGBA").tobytes()
    result = optimize(str(path), no_comparison=True).results[0]
    assert result.status == OPTIMIZED
    assert opened(path).convert("RGBA").tobytes() == before
    assert gif.is_marked(opened(path))


def test_animated_gif_keeps_every_frame_duration_and_loop(tmp_path):
    path = tmp_path / "anim.gif"
    animation(path)
    before = rendered(path)
    result = optimize(str(path), no_comparison=True).results[0]
    assert result.status == OPTIMIZED, result.reason
    assert rendered(path) == before


def test_animated_gif_is_left_alone_when_a_resave_would_change_it(tmp_path, monkeypatch):
    path = tmp_path / "anim.gif"
    animation(path)
    original = path.read_bytes()
    monkeypatch.setattr(formats, "same_animation", lambda source, data: False)
    result = optimize(str(path), no_comparison=True).results[0]
    assert result.status == SKIPPED and "every frame" in result.reason
    assert path.read_bytes() == original


def test_animated_gif_is_never_converted_to_a_single_frame(tmp_path):
    path = tmp_path / "anim.gif"
    animation(path)
    result = optimize(str(path), convert_all=True).results[0]
    assert result.status == SKIPPED and "one frame" in result.reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anim.gif"]


@pytest.mark.parametrize("name", ["a.tif", "a.bmp"])
def test_tiff_and_bmp_are_converted_but_never_rewritten_in_place(tmp_path, name):
    path = write(tmp_path / name, photo())
    original = path.read_bytes()
    left = optimize(str(path)).results[0]
    assert left.status == SKIPPED and "only converted" in left.reason
    converted = optimize(str(path), convert_all=True).results[0]
    assert converted.status == OPTIMIZED
    assert path.read_bytes() == original
    assert opened(tmp_path / "a.jpg").format == "JPEG"


def test_sixteen_bit_tiff_converts_with_its_range_scaled(tmp_path):
    gradient = Image.linear_gradient("L").resize((64, 64))
    image = gradient.point(lambda v: v * 256 + 3, "I").convert("I;16")  # not 8 bits scaled
    path = write(tmp_path / "g16.tif", image)
    result = optimize(str(path), convert_to="png", no_comparison=True).results[0]
    assert result.status == OPTIMIZED
    assert opened(tmp_path / "g16.png").convert("I").tobytes() == image.convert("I").tobytes()
    optimize(str(path), convert_to="webp", no_comparison=True)
    low, high = opened(tmp_path / "g16.webp").convert("L").getextrema()
    assert low <= 5 and high >= 250  # scaled, not clipped to white


def test_multi_page_tiff_is_left_alone(tmp_path):
    path = tmp_path / "pages.tif"
    photo(seed=1).save(path, save_all=True, append_images=[photo(seed=2)])
    result = optimize(str(path), convert_all=True).results[0]
    assert result.status == SKIPPED and "2 frames or pictures" in result.reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages.tif"]


def test_a_tiff_named_jpg_is_not_converted_over_itself(tmp_path):
    path = write(tmp_path / "scan.jpg", photo(), "TIFF")
    original = path.read_bytes()
    result = optimize(str(path), convert_all=True).results[0]
    assert result.status == SKIPPED and "already exists" in result.reason
    assert path.read_bytes() == original


def test_heif_without_the_plugin_says_what_to_install(tmp_path, monkeypatch):
    without_optional_package(monkeypatch, heif)
    path = tmp_path / "phone.heic"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    result = optimize(str(path), convert_all=True).results[0]
    assert result.status == SKIPPED and "pillow-heif" in result.reason


def test_an_unknown_ftyp_file_is_not_mistaken_for_heif(tmp_path):
    path = tmp_path / "clip.heic"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64)
    assert optimize(str(path)).results[0].status == FAILED


@pytest.mark.parametrize("target, extension", [("webp", ".webp"),
                                                pytest.param("avif", ".avif", marks=needs_avif)])
def test_conversion_meets_its_ssim_target_on_the_full_image(tmp_path, target, extension):
    source = photo((640, 480))
    path = write(tmp_path / "a.png", source)
    result = optimize(str(path), convert_to=target, target=0.97, no_comparison=True).results[0]
    assert result.status == OPTIMIZED and result.metric == "ssim"
    converted = opened(tmp_path / f"a{extension}")
    assert metrics.ssim(source, converted) >= 0.97 - 0.005


def test_graphics_convert_to_lossless_webp_when_that_is_smaller(tmp_path):
    image = Image.new("RGB", (200, 120), "white")
    image.paste((200, 30, 30), (20, 20, 180, 100))
    path = write(tmp_path / "logo.png", image)
    optimize(str(path), convert_to="webp", no_comparison=True)
    converted = opened(tmp_path / "logo.webp")
    assert converted.convert("RGB").tobytes() == image.tobytes()  # lossless


def test_transparency_survives_a_webp_conversion_and_is_flattened_for_jpeg(tmp_path):
    image = photo((64, 64)).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((64, 64)))
    path = write(tmp_path / "t.png", image)
    optimize(str(path), convert_to="webp", no_comparison=True)
    assert opened(tmp_path / "t.webp").mode == "RGBA"
    optimize(str(path), convert_to="jpeg", background=(255, 0, 0), no_comparison=True)
    top_left = opened(tmp_path / "t.jpg").convert("RGB").getpixel((1, 1))
    assert top_left[0] > 200 and top_left[1] < 80  # alpha 0 there: the red background


def test_conversions_keep_exif_icc_and_orientation(tmp_path):
    from PIL import ImageCms
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "TestCam"
    stored = photo((80, 40))
    path = write(tmp_path / "cam.jpg", stored, quality=95, exif=exif.tobytes(), icc_profile=profile)
    optimize(str(path), convert_to="webp", keep_exif=True, no_comparison=True)
    kept = opened(tmp_path / "cam.webp")
    assert kept.info.get("icc_profile") == profile
    assert kept.getexif()[0x010F] == "TestCam" and kept.getexif()[ORIENTATION] == 6
    assert kept.size == (80, 40)
    (tmp_path / "cam.webp").unlink()
    optimize(str(path), convert_to="webp", no_comparison=True)
    upright = opened(tmp_path / "cam.webp")
    assert upright.size == (40, 80) and ORIENTATION not in upright.getexif()


def test_animated_png_is_left_alone(tmp_path):
    path = tmp_path / "a.png"
    frames = [photo((32, 32), seed=s) for s in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    original = path.read_bytes()
    result = optimize(str(path)).results[0]
    assert result.status == SKIPPED and "3 frames" in result.reason
    assert path.read_bytes() == original


@pytest.mark.corpus
def test_corpus_graphics_and_metadata_round_trip(corpus_dir, tmp_path):
    import shutil
    for folder in ("graphics", "metadata"):
        shutil.copytree(corpus_dir / folder, tmp_path / folder)
    for path in tmp_path.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    originals = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    outcome = optimize(str(tmp_path), keep_exif=True)
    by_name = {r.path: r for r in outcome.results}
    for path, data in originals.items():
        result = by_name[str(path)]
        if result.status == OPTIMIZED:
            with Image.open(path) as image:
                image.load()
        else:
            assert path.read_bytes() == data, f"{path.name} changed but {result.status}"
    names = {p.name: r for p, r in ((p, by_name[str(p)]) for p in originals)}
    assert names["sugarshack.mpo"].status == SKIPPED
    assert names["iss634.apng"].status == SKIPPED
    assert names["newtonscradle.gif"].status in (OPTIMIZED, SKIPPED)
    assert outcome.summary.failed <= 1  # metadata/corrupted.jpg may fail, nothing else


def test_heif_converts_with_the_optional_plugin(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    path = tmp_path / "phone.heic"
    photo((96, 64)).save(path, "HEIF", quality=90)
    original = path.read_bytes()
    assert optimize(str(path)).results[0].status == SKIPPED  # never rewritten in place
    result = optimize(str(path), convert_all=True, no_comparison=True).results[0]
    assert result.status == OPTIMIZED and result.format == "HEIF->JPEG"
    assert opened(tmp_path / "phone.jpg").size == (96, 64)
    assert path.read_bytes() == original


# The registry: the tables follow the records (test_formats_contract.py checks them) -------

def test_the_tables_are_derived_from_the_modules():
    from optimize_images.image import formats
    assert formats.IN_PLACE == ("JPEG", "PNG", "WEBP", "GIF")
    assert formats.CONVERT_ONLY == ("TIFF", "BMP", "AVIF", "HEIF")
    assert formats.IMAGE_EXTENSIONS == (
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".webp", ".gif", ".tif", ".tiff",
        ".bmp", ".avif", ".heic", ".heif", ".mpo")
    assert [formats.extension_for(name) for name in formats.WRITTEN] == [
        ".jpg", ".png", ".webp", ".gif", ".avif"]
    assert formats.keeps_animations("GIF") and not formats.keeps_animations("WEBP")
    assert formats.optional_opener(b"\x00\x00\x00\x18ftypheic") is heif.FORMAT
    assert formats.optional_opener(b"\x00\x00\x00\x18ftypisom") is None


def test_inspect_tells_the_facts_the_pipeline_needs():
    from optimize_images.image import formats
    jpeg_file = encode(photo((64, 48)), "JPEG", quality=70, subsampling=1)
    with Image.open(io.BytesIO(jpeg_file)) as image:
        facts = formats.inspect(image, jpeg_file)
    assert (facts.quality, facts.subsampling, facts.lossless) == (70, 1, False)
    for params, lossless in (({"lossless": True}, True), ({"quality": 80}, False)):
        data = encode(photo((32, 32)), "WEBP", **params)
        with Image.open(io.BytesIO(data)) as image:
            assert formats.inspect(image, data).lossless is lossless
    png_file = encode(photo((16, 16)), "PNG")
    with Image.open(io.BytesIO(png_file)) as image:
        facts = formats.inspect(image, png_file)
    assert facts.lossless and facts.refusal is None
