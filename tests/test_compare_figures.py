"""Drawing the figures: a stable plan, placeholders keeping their place, one readable scale
per group, flagged targets."""

from PIL import Image, ImageChops

from helpers import colour_mask, encode, photo, shows_line
from optimize_images.draw import diffmap, grid
from optimize_images.commands.compare import figures, matching
from optimize_images.commands.compare.options import CompareOptions


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


def runs(flags):
    """(start, end) of each run of True in a list."""
    found, start = [], None
    for index, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            found.append((start, index))
            start = None
    return found


def map_tiles(figure):
    """The tiles of a distortion figure: the regions drawn in the viridis colours, in the
    first band of rows that holds any (the legend bar lies further down)."""
    scale = Image.new("L", figure.size, 0)
    for colour in set(diffmap.COLOUR_SCALE):
        scale = ImageChops.lighter(scale, colour_mask(figure, colour))
    rows = runs(scale.crop((0, y, figure.width, y + 1)).getbbox() is not None
                for y in range(figure.height))
    top, bottom = rows[0]
    columns = runs(scale.crop((x, top, x + 1, bottom)).getbbox() is not None
                   for x in range(figure.width))
    return [figure.crop((left, top, right, bottom)) for left, right in columns]


def test_the_maps_side_by_side_share_a_scale_a_person_can_read():
    """One inverted patch (1 - SSIM above 1) set the scale, and every tile came out dark;
    the scale now ends at a high percentile of the figure's maps, one for all its tiles."""
    original = photo((256, 192))
    mild = matching.decode(matching.encode(original, "jpeg", 80))
    inverted = mild.copy()
    inverted.paste(ImageChops.invert(original.crop((100, 100, 106, 106))), (100, 100))
    variants = {("jpeg", 0.9): pixel_variant("jpeg", 0.9, mild),
                ("webp", 0.9): pixel_variant("webp", 0.9, inverted)}
    plan = figures.figure_plan(CompareOptions(), "ssim", (0.9,), ["jpeg", "webp"])
    no_heat = Image.new("F", original.size)
    drawn = dict(figures.group_figures("photo.png", "ssim", CompareOptions(crop_size=64), plan,
                                       variants, original, no_heat, (40, 40, 104, 104)))
    figure = drawn["distortion_map_comparison_0.9"]
    positions = scale_positions(figure)
    assert positions[len(positions) // 2] >= 25  # the median pixel is off the darkest tenth
    first, second = map_tiles(figure)
    assert first.size == second.size == (64 * 3, 64 * 3)
    # Away from the patch the two variants are the same: drawn alike, on one scale.
    assert first.crop((0, 0, 90, 90)).tobytes() == second.crop((0, 0, 90, 90)).tobytes()
    assert shows_line(figure, figures.DISTORTION_CAPTION, grid.font())
