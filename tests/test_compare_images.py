"""Choosing the image a folder's study uses: candidates, and the one whose formats differ most."""

import os

from helpers import photo, write
from optimize_images.commands.compare import images, matching
from optimize_images.commands.compare.options import CompareOptions


def test_coefficient_of_variation():
    assert images.coefficient_of_variation([2.0, 2.0, 2.0]) == 0
    assert images.coefficient_of_variation([1.0, 3.0]) == 0.5
    assert images.coefficient_of_variation([4.0]) == 0


def fake_measure(bpp_per_quality):
    """A sample measure whose SSIM is quality / 100 and whose bpp is linear in quality."""
    return lambda quality: matching.Measurement(quality, quality * bpp_per_quality, quality / 100)


def test_the_image_whose_formats_differ_most_is_chosen():
    measures = {
        "alike.png": {"jpeg": fake_measure(0.02), "webp": fake_measure(0.021)},
        "apart.png": {"jpeg": fake_measure(0.02), "webp": fake_measure(0.04)},
    }
    assert images.most_varied(sorted(measures), "ssim", (0.9, 0.95), measures.get) == "apart.png"


def test_candidates_honour_source_image_and_exclude(tmp_path):
    for name in ("a.png", "b.png", "c.png"):
        write(tmp_path / name, photo((32, 32)))

    def names(settings):
        return sorted(os.path.basename(path) for path in images.candidates(str(tmp_path), settings))

    assert names(CompareOptions(exclude=("b.*",))) == ["a.png", "c.png"]
    assert names(CompareOptions(source_image="c.png")) == ["c.png"]
