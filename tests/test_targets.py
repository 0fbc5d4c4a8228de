"""The default's per-photo SSIM target: its features, its model, and its use by the search."""

import io
import math

import pytest
from PIL import Image, ImageDraw

from optimize_images.measure import quality, targets
from optimize_images.common.settings import Settings

from helpers import photo


def noise(size, sigma=20, base=128):
    return Image.effect_noise(size, sigma).point(lambda value: value - 128 + base)


def test_still_share_counts_blocks_without_variation():
    image = noise((128, 64))
    image.paste(90, (0, 0, 64, 64))  # the left half: 64 still 8x8 blocks of 128
    assert targets.still_share(image) == pytest.approx(0.5)
    assert targets.still_share(Image.new("L", (64, 64), 200)) == 1.0
    assert targets.still_share(noise((64, 64))) == 0.0


def test_a_gradient_is_flat_and_noise_is_not():
    gradient = Image.linear_gradient("L").resize((256, 256))  # one grey level a pixel
    assert targets.flat_share(gradient) > 0.95
    assert targets.flat_share(noise((256, 256))) < 0.1


def test_the_flat_share_leaves_still_pixels_out():
    """A backdrop that never changes is counted apart from the content's flatness."""
    content = noise((64, 128))
    image = Image.new("L", (256, 128), 240)
    image.paste(content, (96, 0))
    still, flat = targets.features(image)
    assert still == pytest.approx(0.75, abs=0.02)
    assert flat < 0.1  # the content is all grain


def test_still_pixels_shrink_the_deficit_in_proportion():
    """SSIM is a mean: still blocks score 1, so the rest must make up for them."""
    bare = 1 - targets.target(0.0, 0.3, -2.6, -2.1)
    backdrop = 1 - targets.target(0.75, 0.3, -2.6, -2.1)
    assert backdrop == pytest.approx(bare / 4)
    assert bare == pytest.approx(math.exp(-2.6 - 2.1 * 0.3))


def test_targets_stay_within_bounds():
    assert targets.target(0.97, 1.0, -3.3, -2.1) == targets.HIGHEST
    assert targets.target(0.0, 0.0, 0.0, -2.1) == targets.LOWEST


@pytest.mark.parametrize("preset", ["low", "medium", "high", "veryhigh"])
def test_flatter_photos_get_higher_targets(preset):
    busy, smooth = noise((256, 256)), Image.linear_gradient("L").resize((256, 256))
    assert targets.target_for(smooth, preset) > targets.target_for(busy, preset)


def test_presets_are_ordered():
    sample = photo((320, 240)).convert("L")
    values = [targets.target_for(sample, preset) for preset in ("low", "medium", "high",
                                                                 "veryhigh")]
    assert values == sorted(values) and len(set(values)) == 4


def jpeg_roundtrip(sample, level):
    buffer = io.BytesIO()
    sample.save(buffer, "JPEG", quality=level)
    return Image.open(io.BytesIO(buffer.getvalue())).convert(sample.mode)


def scene(background):
    """A photo-like subject on a background: a smooth sky, or grain."""
    image = background.convert("RGB")
    ImageDraw.Draw(image).ellipse((100, 60, 220, 180), fill=(180, 40, 40))
    image.paste(photo((80, 60)), (120, 90))
    return image


def test_the_default_search_raises_the_target_on_flat_ground():
    sky = scene(Image.linear_gradient("L").resize((320, 240)).point(lambda v: 100 + v // 3))
    grain = scene(noise((320, 240), sigma=30))
    plan = quality.plan_for(Settings())
    flat_choice = quality.search(sky, jpeg_roundtrip, plan)
    busy_choice = quality.search(grain, jpeg_roundtrip, plan)
    assert flat_choice.value > busy_choice.value  # SSIM reached: higher where it is flat


def test_a_target_given_keeps_its_meaning(monkeypatch):
    def refuse(*arguments):
        raise AssertionError("a target was given: no per-photo target")
    monkeypatch.setattr(targets, "target_for", refuse)
    image = scene(Image.linear_gradient("L").resize((320, 240)))
    plan = quality.plan_for(Settings(target=0.95))
    choice = quality.search(image, jpeg_roundtrip, plan)
    assert plan.target == 0.95 and choice.value >= 0.95
