"""A lossy result's preview: the fragment where it differs most, cut as small JPEGs."""

import io

import pytest
from PIL import Image, ImageFilter

from helpers import encode, photo
from optimize_images.measure import metrics
from optimize_images.draw import preview
from optimize_images.common.modes import opaque_rgb
from optimize_images.image.pipeline import optimize_data, optimize_file
from optimize_images.common.settings import Settings


def blurred_patch(image, patch, radius=3):
    damaged = image.copy()
    damaged.paste(damaged.crop(patch).filter(ImageFilter.GaussianBlur(radius)), patch[:2])
    return damaged


def decoded(data):
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image


def test_block_distortion_is_zero_for_the_same_image_and_high_where_it_was_blurred():
    luma = photo((96, 80)).convert("L")
    assert preview.block_distortion(luma, luma).getextrema() == pytest.approx((0.0, 0.0),
                                                                              abs=1e-5)
    patch = (48, 32, 64, 48)  # two blocks by two, on the 8-px grid
    heat = preview.block_distortion(luma, blurred_patch(luma, patch))
    assert heat.size == luma.size
    inside = heat.crop(patch).getextrema()
    outside = max(heat.crop((0, 0, 40, 80)).getextrema()[1],
                  heat.crop((72, 0, 96, 80)).getextrema()[1])
    assert inside[0] > 0.05 and outside < 1e-5


def test_block_distortion_is_one_minus_ssim_of_each_block():
    """A block's value is SSIM's formula on its plain means, variances and covariance."""
    x = Image.frombytes("L", (8, 8), bytes(range(0, 256, 4)))
    y = Image.frombytes("L", (8, 8), bytes(min(255, value + (value % 3) * 7)
                                           for value in range(0, 256, 4)))
    a, b = list(x.tobytes()), list(y.tobytes())
    count = len(a)
    ma, mb = sum(a) / count, sum(b) / count
    va = sum((v - ma) ** 2 for v in a) / count
    vb = sum((v - mb) ** 2 for v in b) / count
    cov = sum((p - ma) * (q - mb) for p, q in zip(a, b)) / count
    expected = 1 - ((2 * ma * mb + metrics.C1) * (2 * cov + metrics.C2)
                    / ((ma * ma + mb * mb + metrics.C1) * (va + vb + metrics.C2)))
    assert preview.block_distortion(x, y).getpixel((3, 3)) == pytest.approx(expected, rel=1e-3)


def test_partial_blocks_at_the_edges_count_too():
    luma = photo((21, 13)).convert("L")
    damaged = luma.copy()
    damaged.paste(0, (16, 8, 21, 13))
    heat = preview.block_distortion(luma, damaged)
    assert heat.size == (21, 13) and heat.getpixel((20, 12)) > 0.1
    assert heat.getpixel((0, 0)) == pytest.approx(0.0, abs=1e-5)


def test_the_worst_fragment_holds_a_planted_loss():
    original = photo((640, 480))
    patch = (400, 300, 440, 340)
    result = blurred_patch(decoded(encode(original, "JPEG", quality=85)), patch)
    left, top, right, bottom = preview.worst_fragment(original, result, side=128)
    assert (right - left, bottom - top) == (128, 128)
    assert left <= patch[0] and patch[2] <= right and top <= patch[1] and patch[3] <= bottom


def test_cut_gives_both_fragments_one_to_one_and_a_thumbnail_with_the_box():
    original = photo((640, 480))
    data = encode(original, "JPEG", quality=40)
    cut = preview.cut(original, data)
    left, top, right, bottom = cut.box
    assert (right - left, bottom - top) == (preview.FRAGMENT_SIDE,) * 2
    before, after = decoded(cut.original), decoded(cut.result)
    assert before.format == after.format == "JPEG"
    assert before.size == after.size == (preview.FRAGMENT_SIDE,) * 2
    # The page's copies are the fragments themselves, re-encoded with no visible loss.
    assert metrics.ssim(before, original.crop(cut.box)) > 0.99
    assert metrics.ssim(after, decoded(data).crop(cut.box)) > 0.99
    assert cut.ssim == pytest.approx(preview.block_ssim(original.crop(cut.box),
                                                        decoded(data).crop(cut.box)), abs=1e-6)
    assert cut.ssim < 0.99
    assert max(decoded(cut.thumbnail).size) == preview.THUMBNAIL_SIDE
    assert cut.size == len(cut.original) + len(cut.result) + len(cut.thumbnail)


def test_the_score_is_the_mean_block_ssim_over_the_pixels():
    a = photo((16, 12)).convert("L")
    b = blurred_patch(a, (8, 8, 16, 12))
    heat = preview.block_distortion(a, b)
    expected = 1 - sum(heat.getpixel((x, y)) for x in range(16) for y in range(12)) / (16 * 12)
    assert preview.block_ssim(a, b) == pytest.approx(expected, abs=1e-6)
    assert preview.block_ssim(a, a) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("size, stride", [((640, 480), 1), ((1024, 512), 1), ((1024, 768), 2),
                                          ((2048, 1536), 3), ((3264, 2448), 4)])
def test_large_images_are_mapped_on_one_block_in_n_by_n(size, stride):
    assert preview.sampling_stride(size) == stride
    assert size[0] * size[1] / stride ** 2 <= preview.HEAT_PIXELS


def test_sampled_blocks_are_the_middle_squares_of_the_cells_at_full_resolution():
    image = photo((50, 35))
    sampled = preview.sampled_blocks(image, 2, block=8)  # cells of 16, squares from 4 to 12
    assert sampled.size == (3 * 8, 2 * 8)
    for x, y in ((0, 0), (7, 7), (8, 3), (23, 15), (13, 9)):
        source = ((x // 8) * 16 + 4 + x % 8, (y // 8) * 16 + 4 + y % 8)
        assert sampled.getpixel((x, y)) == image.getpixel(source), (x, y)
    assert preview.sampled_blocks(image, 1) is image


def test_an_image_thinner_than_a_cell_keeps_one_square_across():
    image = photo((2000, 10))
    sampled = preview.sampled_blocks(image, 3, block=8)
    assert sampled.size == (83 * 8, 8)


def test_a_planted_loss_is_found_on_sampled_blocks_too():
    original = photo((1200, 900))
    patch = (900, 600, 960, 660)
    result = blurred_patch(decoded(encode(original, "JPEG", quality=90)), patch, radius=4)
    stride = preview.sampling_stride(original.size)
    assert stride == 2
    box = preview.worst_fragment(preview.sampled_blocks(original, stride),
                                 preview.sampled_blocks(result, stride), stride=stride,
                                 size=original.size)
    left, top, right, bottom = box
    assert (right - left, bottom - top) == (preview.FRAGMENT_SIDE,) * 2
    assert left <= patch[0] and patch[2] <= right and top <= patch[1] and patch[3] <= bottom
    left, top, right, bottom = preview.cut(original, encode(result, "JPEG", quality=90)).box
    assert left <= patch[0] and patch[2] <= right and top <= patch[1] and patch[3] <= bottom


def test_small_and_transparent_images_are_cut_whole_over_the_background():
    image = photo((40, 30)).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((40, 30)))
    data = encode(image, "WEBP", quality=50)
    cut = preview.cut(image, data, background=(0, 0, 0))
    assert cut.box == (0, 0, 40, 30)
    before = decoded(cut.original)
    assert metrics.ssim(before, opaque_rgb(image, (0, 0, 0))) > 0.98


def test_previews_are_cut_only_when_an_html_report_is_asked_for(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(photo((320, 240)), "JPEG", quality=95))
    plain = optimize_file(str(path), Settings(dry_run=True))
    as_json = optimize_file(str(path), Settings(dry_run=True, report=str(tmp_path / "r.json")))
    audited = optimize_file(str(path), Settings(dry_run=True, report=str(tmp_path / "r.HTML")))
    assert plain.status == as_json.status == audited.status == "optimized"
    assert plain.preview is None and as_json.preview is None
    assert audited.preview is not None and audited.preview.ssim < 1


def test_lossless_results_have_no_preview_but_reduced_colours_do():
    data = encode(photo((64, 48)), "PNG", compress_level=0)
    settings = Settings(report="run.html")
    _, lossless = optimize_data(data, settings, name="a.png")
    assert lossless.status == "optimized" and lossless.preview is None
    _, reduced = optimize_data(data, Settings(report="run.html", reduce_colors=True,
                                              max_colors=8), name="a.png")
    assert reduced.status == "optimized" and reduced.preview.ssim < 0.99


def test_reduced_colours_on_an_image_that_fits_the_palette_are_lossless_without_preview():
    """-rc leaves an image of no more colours than -mc exact (issue 20): nothing to show."""
    image = photo((64, 48)).quantize(40).convert("RGB")
    data = encode(image, "PNG", compress_level=0)
    result_data, result = optimize_data(data, Settings(report="run.html", reduce_colors=True),
                                        name="a.png")
    assert result.status == "optimized" and result.preview is None
    assert decoded(result_data).convert("RGB").tobytes() == image.tobytes()


def test_the_json_record_leaves_the_preview_out():
    data = encode(photo((320, 240)), "JPEG", quality=95)
    _, result = optimize_data(data, Settings(report="run.html"), name="a.jpg")
    assert result.preview is not None
    assert "preview" not in result.to_dict()
    assert result.without_preview().preview is None
    assert result.without_preview().to_dict() == result.to_dict()
