"""Drawing the figures: a stable plan, placeholders keeping their place, one readable scale
per group, flagged targets."""

from PIL import Image, ImageChops

from helpers import colour_mask, encode, photo, shows_line
from optimize_images import diffmap, grid
from optimize_images.compare import figures, matching
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


def test_a_variant_that_missed_its_target_is_framed_and_says_why():
    red, blue = (Image.new("RGB", (20, 20), colour) for colour in ("red", "blue"))
    reason = "target out of reach: q1 is the lowest quality"
    labels = ["JPEG q10, target 0.9\n0.11 bpp", f"WEBP q1, target 0.9\n0.06 bpp\n{reason}"]
    figure = figures.comparison_figure(red, [red, blue], labels, zoom=2, title="t", flags=[1])
    left, top, right, bottom = colour_mask(figure, grid.FLAG).getbbox()
    inside = figure.crop((left + grid.FLAG_WIDTH, top + grid.FLAG_WIDTH,
                          right - grid.FLAG_WIDTH, bottom - grid.FLAG_WIDTH))
    assert inside.getcolors() == [(40 * 40, (0, 0, 255))]  # the frame is around the blue tile
    assert shows_line(figure, reason, grid.font())


def test_the_label_of_a_variant_that_missed_says_why():
    measured = matching.Measurement(1, 0.065, 0.914)
    variant = matching.Variant("webp", 0.9, measured, b"", "target out of reach: q1 is the lowest "
                               "quality")
    assert figures.tile_label(variant).split("\n")[-1] == variant.off_target
    assert figures.flagged([variant, matching.Variant("jpeg", 0.9, measured, b"")]) == [0]


def pixel_variant(format_name, target, image):
    """A Variant holding `image` itself, losslessly (the figures decode whatever it holds)."""
    data = encode(image, "PNG")
    return matching.Variant(format_name, target, matching.Measurement(50, 1.0, 0.9), data)


def scale_positions(figure):
    """The positions on the viridis scale of a figure's pixels drawn in its colours, sorted."""
    index = {colour: position for position, colour in enumerate(diffmap.COLOUR_SCALE)}
    return sorted(index[colour] for count, colour in figure.getcolors(figure.width * figure.height)
                  if colour in index for _ in range(count))


def test_the_groups_distortion_maps_share_a_scale_a_person_can_read():
    """One inverted patch (1 - SSIM above 1) set the scale of the whole group, and every
    tile came out dark; the scale now ends at a high percentile, the same for all figures."""
    original = photo((192, 144))
    mild = matching.decode(matching.encode(original, "jpeg", 50))
    strong = matching.decode(matching.encode(original, "jpeg", 20))
    inverted = mild.copy()
    inverted.paste(ImageChops.invert(original.crop((60, 60, 66, 66))), (60, 60))
    variants = {("jpeg", 0.9): pixel_variant("jpeg", 0.9, mild),
                ("webp", 0.9): pixel_variant("webp", 0.9, inverted),
                ("jpeg", 0.95): pixel_variant("jpeg", 0.95, strong),
                ("webp", 0.95): pixel_variant("webp", 0.95, mild)}
    plan = figures.figure_plan(CompareOptions(), "ssim", (0.9, 0.95), ["jpeg", "webp"])
    no_heat = Image.new("F", original.size)
    drawn = dict(figures.group_figures("photo.png", "ssim", CompareOptions(crop_size=64), plan,
                                       variants, original, no_heat, (32, 32, 96, 96)))
    maps = [drawn["distortion_map_comparison_0.9"], drawn["distortion_map_comparison_0.95"]]
    for figure in maps:
        positions = scale_positions(figure)
        assert positions[len(positions) // 2] >= 25  # the median pixel is off the darkest tenth
    legends = [figure.crop((0, figure.height - 60, figure.width, figure.height)) for figure in maps]
    assert legends[0].tobytes() == legends[1].tobytes()  # one scale for the group
    assert shows_line(legends[0], figures.DISTORTION_CAPTION, grid.font())
