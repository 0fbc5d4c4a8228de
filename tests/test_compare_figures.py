"""Drawing the figures: a stable plan, placeholders keeping their place."""

from PIL import Image

from optimize_images import grid
from optimize_images.compare import figures
from optimize_images.compare.options import CompareOptions


def test_figure_plan_is_stable():
    formats = ["jpeg", "webp", "avif"]
    by_format = figures.figure_plan(CompareOptions(), "ssim", (0.9, 0.95), formats)
    assert by_format == [("0.9", [("jpeg", 0.9), ("webp", 0.9), ("avif", 0.9)]),
                         ("0.95", [("jpeg", 0.95), ("webp", 0.95), ("avif", 0.95)])]
    by_quality = figures.figure_plan(CompareOptions(tile_parameter="quality"), "bpp", (0.5, 1.0),
                                   formats)
    assert [name for name, _ in by_quality] == formats
    assert by_quality[1][1] == [("webp", 0.5), ("webp", 1.0)]


def test_a_missing_variant_keeps_its_place_as_a_placeholder():
    red, blue = (Image.new("RGB", (20, 20), colour) for colour in ("red", "blue"))
    labels = ["JPEG", "WEBP\nnot made", "AVIF"]
    figure = figures.comparison_figure(red, [red, None, blue], labels, zoom=2, title="t")
    geometry = grid.layout([(40, 40)] * 4, ["original\n"] + labels, title="t")
    for index, colour in ((0, (255, 0, 0)), (1, (255, 0, 0)), (3, (0, 0, 255))):
        assert figure.getpixel(geometry.tile_box(index, (40, 40))[:2]) == colour
    left, top, _, _ = geometry.tile_box(2, (40, 40))
    assert figure.getpixel((left + 20, top + 5)) == grid.PLACEHOLDER_FILL
