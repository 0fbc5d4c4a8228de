import pytest

from optimize_images.common.errors import OptionError
from optimize_images.common.options import options_of
from optimize_images.common.settings import Settings, flag_of, parse_hex_color


def test_defaults_are_valid():
    settings = Settings()
    assert settings.quality is None
    assert settings.background == (255, 255, 255)
    assert settings.conversion_target is None


@pytest.mark.parametrize("options, flag", [
    ({"quality": 0}, "-q/--quality"),
    ({"quality": 101}, "-q/--quality"),
    ({"max_colors": 1}, "-mc/--max-colors"),
    ({"webp_method": 7}, "-wm/--webp-method"),
    ({"jobs": -1}, "-jobs/--jobs"),
    ({"max_width": -5}, "-mw/--max-width"),
    ({"background": (0, 0, 256)}, "-bg/--background"),
    ({"jpeg_tables": "fancy"}, "-jt/--jpeg-tables"),
    ({"convert_to": "gif"}, "-cf/--convert-to"),
    ({"min_savings": 150}, "--min-savings"),
])
def test_invalid_values_name_their_flag(options, flag):
    with pytest.raises(OptionError) as error:
        Settings(**options)
    assert error.value.flag == flag
    assert str(error.value).startswith(flag)


@pytest.mark.parametrize("text, rgb", [
    ("ff0000", (255, 0, 0)), ("#00FF00", (0, 255, 0)), ("f0a", (255, 0, 170)), ("#abc", (170, 187, 204)),
])
def test_hex_colours(text, rgb):
    assert parse_hex_color(text) == rgb


@pytest.mark.parametrize("text", ["", "12", "ggg", "#12345", "1234567"])
def test_bad_hex_colours(text):
    with pytest.raises(ValueError):
        parse_hex_color(text)


@pytest.mark.parametrize("options, target, everything", [
    ({}, None, False),
    ({"convert_all": True}, "JPEG", True),
    ({"convert_big": True}, "JPEG", False),
    ({"convert_to": "webp"}, "WEBP", True),
    ({"convert_big": True, "convert_to": "webp"}, "WEBP", False),
])
def test_conversion_target(options, target, everything):
    settings = Settings(**options)
    assert settings.conversion_target == target
    assert bool(settings.converts_everything) == everything


def test_flag_of_knows_every_field():
    assert flag_of("keep_exif") == "-ke/--keep-exif"
    with pytest.raises(KeyError):
        flag_of("nonsense")


def test_the_webp_method_is_the_measured_choice_and_its_help_says_the_cost():
    """-cf webp took 1.8x as long at 6 as at 4, for the same bytes and butteraugli
    (benchmarks/webp_method.py; the table is in docs/user-guide.md)."""
    assert Settings().webp_method == 4
    help_text = {info.name: info.help for info in options_of(Settings)}["webp_method"]
    assert "1.8x as long" in help_text and "(default: 4)" in help_text
