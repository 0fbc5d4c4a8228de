"""The compare command's options: each invalid value names its option; targets and config files."""

import json

import pytest

from optimize_images.commands.compare.options import CompareOptions, parse_target
from optimize_images.common.errors import OptionError
from optimize_images.common.options import read_config


@pytest.mark.parametrize("options, option", [
    (dict(targets=(("psnr", (30.0,)),)), "--target"),
    (dict(targets=(("ssim", (1.5,)),)), "--target"),
    (dict(targets=(("bpp", (0.0,)),)), "--target"),
    (dict(targets=()), "--target"),
    (dict(targets=(("ssim", (0.9, 0.9)),)), "--target"),
    (dict(exclude="photo.png"), "--exclude"),
    (dict(source_image=3), "--source-image"),
    (dict(formats=("gif",)), "--formats"),
    (dict(tile_parameter="size"), "--tile-parameter"),
    (dict(crop_size=8), "--crop-size"),
    (dict(zoom=0), "--zoom"),
    (dict(figure_format="jpg"), "--figure-format"),
])
def test_invalid_options_name_the_option(options, option):
    with pytest.raises(OptionError, match=option):
        CompareOptions(**options)


def test_parse_target():
    assert parse_target("ssim=0.9,0.95") == ("ssim", (0.9, 0.95))
    assert parse_target("BPP=1") == ("bpp", (1.0,))
    with pytest.raises(OptionError, match="--target"):
        parse_target("ssim=high")


def test_read_config(tmp_path):
    path = tmp_path / "study.json"
    path.write_text(json.dumps({"targets": {"bpp": [0.25, 0.5]}, "tile_parameter": "quality",
                                "exclude": ["x.png"], "zoom": 2}))
    options = read_config(CompareOptions, str(path))
    assert CompareOptions(**options) == CompareOptions(targets=(("bpp", (0.25, 0.5)),),
                                                 tile_parameter="quality", exclude=("x.png",),
                                                 zoom=2)


@pytest.mark.parametrize("content, message", [
    ('{"colour": "red"}', "unknown key 'colour'"),
    ('{"targets": {"ssim": ["high"]}}', "lists of numbers"),
    ('[1, 2]', "JSON object"),
    ('{', "cannot read"),
])
def test_bad_configs_are_named(tmp_path, content, message):
    path = tmp_path / "study.json"
    path.write_text(content)
    with pytest.raises(OptionError, match=message):
        read_config(CompareOptions, str(path))
