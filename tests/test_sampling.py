"""The search's sample: its geometry, and its tiles scored without their seams."""

import io

import pytest
from PIL import Image

from optimize_images.measure import metrics, sampling, scoring

from helpers import photo

BLOCK = 16


def jpeg(image, level):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=level)
    return Image.open(io.BytesIO(buffer.getvalue())).convert(image.mode)


def starts(length, tile, count):
    return sampling._starts(length, tile, count)


@pytest.mark.parametrize("size", [(1600, 1200), (3840, 480), (1024, 6144), (700, 5600)])
def test_tiles_start_on_the_block_grid_and_span_whole_blocks(size):
    plan = sampling.layout(size)
    assert plan.tile_width % BLOCK == 0 and plan.tile_height % BLOCK == 0
    for length, tile, count in ((size[0], plan.tile_width, plan.columns),
                                (size[1], plan.tile_height, plan.rows)):
        positions = starts(length, tile, count)
        assert all(start % BLOCK == 0 for start in positions)
        assert positions == sorted(set(positions))  # distinct, in order
        assert positions[-1] + tile <= length


def test_the_mosaic_holds_the_tiles_at_their_places():
    image = photo((1600, 1200))
    plan = sampling.layout(image.size)
    mosaic = sampling.tiles(image)
    assert mosaic.size == (plan.columns * plan.tile_width, plan.rows * plan.tile_height)
    lefts = starts(1600, plan.tile_width, plan.columns)
    tops = starts(1200, plan.tile_height, plan.rows)
    for column, row in ((0, 0), (plan.columns - 1, plan.rows - 1), (2, 3)):
        box = (lefts[column], tops[row], lefts[column] + plan.tile_width,
               tops[row] + plan.tile_height)
        at = (column * plan.tile_width, row * plan.tile_height)
        tile = mosaic.crop(at + (at[0] + plan.tile_width, at[1] + plan.tile_height))
        assert tile.tobytes() == image.crop(box).tobytes()


@pytest.mark.parametrize("size, ratio", [((4000, 3000), 4 / 3), ((3840, 480), 8),
                                         ((8000, 1000), 8), ((1024, 6144), 1 / 6),
                                         ((2048, 12288), 1 / 6), ((600, 4800), 1 / 8)])
def test_the_layout_follows_the_aspect_ratio(size, ratio):
    plan = sampling.layout(size)
    assert plan.columns / plan.rows == pytest.approx(ratio, rel=0.35)


def test_every_face_of_a_cube_map_is_sampled():
    """Six faces stacked in a 1:6 image: each sixth of its height holds tile rows."""
    width, height = 1024, 6144
    plan = sampling.layout((width, height))
    faces = {top * 6 // height for top in starts(height, plan.tile_height, plan.rows)}
    assert faces == set(range(6))


def test_a_panorama_is_sampled_from_top_to_bottom():
    """A 8:1 panorama gets more than one row of tiles: its sky and its ground."""
    plan = sampling.layout((3840, 480))
    assert plan.rows >= 2
    tops = starts(480, plan.tile_height, plan.rows)
    assert tops[0] < 480 / 3 and tops[-1] + plan.tile_height > 2 * 480 / 3


def test_the_sample_grows_with_the_photo():
    """Small images are their own sample; above them the mosaic grows with the photo."""
    assert sampling.layout((400, 300)) is None and sampling.layout((640, 480)) is None
    sizes = [(1600, 1200), (3264, 2448), (4000, 3000), (6000, 4000), (7300, 5475),
             (10000, 7500)]
    counts = [sampling.layout(size).columns * sampling.layout(size).rows for size in sizes]
    assert counts == sorted(counts)
    assert counts[-1] > 1.5 * counts[0]  # more places on a bigger photo, not a fixed mosaic


def test_a_small_image_is_its_own_sample():
    image = photo((640, 480))
    assert sampling.layout(image.size) is None
    assert sampling.tiles(image) is image
    assert sampling.take(image, "tiles") == (image, None)


def test_a_thin_strip_gets_full_height_tiles():
    plan = sampling.layout((12000, 40))
    assert plan.tile_height == 40 and plan.rows == 1 and plan.columns > 1


def test_the_thumbnail_sampler_has_no_tiles():
    image = photo((1000, 700))
    sample, tile = sampling.take(image, "thumbnail")
    assert sample.size == (400, 400) and tile is None


def test_seam_windows_are_left_out_of_a_mosaic_score():
    """A mosaic's score is the mean over its tiles' own windows: the same number as the
    exact SSIM of each tile scored apart, weighted by its windows, within the stride's
    tolerance. Two tiles of different flat greys make a strong seam that would score
    near 1 whatever the noise around it."""
    side = 64
    left = Image.effect_noise((side, side), 16).point(lambda v: v // 4 + 40)
    right = Image.effect_noise((side, side), 16).point(lambda v: v // 4 + 150)
    reference = Image.new("L", (2 * side, side))
    reference.paste(left, (0, 0))
    reference.paste(right, (side, 0))
    candidate = jpeg(reference, 30)
    tiled = scoring.scorer("ssim", reference, tile=(side, side))(candidate)
    apart = sum(metrics.ssim(reference.crop(box), candidate.crop(box))
                for box in ((0, 0, side, side), (side, 0, 2 * side, side))) / 2
    whole = scoring.scorer("ssim", reference)(candidate)
    assert tiled == pytest.approx(apart, abs=5e-4)
    assert whole - apart > 5e-3  # what the seam adds when it is not left out
