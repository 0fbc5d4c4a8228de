"""The options mechanism: every command's options declared once, read from the
command line and config files, validated by their dataclass, described for docs."""

import io
import json
import re
from dataclasses import dataclass
from typing import Optional

import pytest

from optimize_images.commands.compare.options import CompareOptions
from optimize_images.commands.diff.options import DiffOptions
from optimize_images.common.errors import OptimizeImagesError, OptionError, UsageError
from optimize_images.common.options import (Exit, Parser, add_options, check_declared, check_value,
                                            flag_of, option, options_of, parse_command_line,
                                            read_config)
from optimize_images.common.settings import Settings


def positive(value):
    number = int(value)
    if number <= 0:
        raise OptionError("--count", f"give a number above 0, not {number}")
    return number


@dataclass(frozen=True)
class Example:
    name: str = option(None, "name", metavar="NAME", configurable=False, help="positional")
    count: int = option(3, "-c", "--count", type=int, help="how many (default: %(default)s)")
    tags: tuple = option((), "--tag", action="append", help="repeatable")
    size: int = option(1, "--size", from_text=positive, help="read after argparse")
    config: str = option(None, "--config", configurable=False, config_file=True, help="JSON")

    def __post_init__(self):
        if self.count > 10:
            raise OptionError(flag_of(Example, "count"), "at most 10")


def parse(*argv):
    parser = Parser(prog="example", stdout=io.StringIO())
    add_options(parser, Example)
    return parse_command_line(Example, parser, list(argv))[0]


def test_defaults_live_in_the_dataclass_only():
    assert parse("x") == Example(name="x")
    assert parse("x", "-c", "5", "--tag", "a", "--tag", "b") == Example(
        name="x", count=5, tags=("a", "b"))


def test_each_option_is_described_from_its_definition():
    infos = {info.name: info for info in options_of(Example)}
    assert infos["count"].flag == "-c/--count" and infos["count"].default == 3
    assert infos["count"].help == "how many (default: 3)"
    assert infos["name"].positional and not infos["count"].positional
    assert flag_of(Example, "tags") == "--tag"
    with pytest.raises(KeyError):
        flag_of(Example, "nonsense")


@pytest.mark.parametrize("cls", [Settings, DiffOptions, CompareOptions])
def test_every_command_describes_every_field(cls):
    infos = options_of(cls)
    assert [info.name for info in infos] == list(cls.__dataclass_fields__)
    for info in infos:
        assert info.flags and info.help and "%(default)s" not in info.help


def test_validation_errors_name_the_flag_and_belong_to_the_family():
    with pytest.raises(OptionError) as error:
        parse("x", "--count", "11")
    assert error.value.flag == "-c/--count" and str(error.value) == "-c/--count: at most 10"
    assert isinstance(error.value, (UsageError, ValueError, OptimizeImagesError))
    with pytest.raises(OptionError, match="--count: give a number above 0"):
        parse("x", "--size", "0")  # from_text keeps its own words


def test_argparse_errors_and_help_never_exit():
    with pytest.raises(UsageError, match="unrecognized arguments: --bogus"):
        parse("x", "--bogus")
    with pytest.raises(Exit) as done:
        parse("--help")
    assert done.value.status == 0


def test_a_config_file_fills_in_and_the_command_line_wins(tmp_path):
    config = tmp_path / "example.json"
    config.write_text(json.dumps({"count": 7, "tags": ["from-file"]}))
    assert read_config(Example, str(config)) == {"count": 7, "tags": ("from-file",)}
    assert parse("x", "--config", str(config)) == Example(
        name="x", count=7, tags=("from-file",), config=str(config))
    assert parse("x", "--config", str(config), "-c", "2").count == 2


@pytest.mark.parametrize("content, message", [
    ('{"name": "x"}', "unknown key 'name'"), ('{"config": "y"}', "unknown key 'config'"),
    ("[]", "JSON object"), ("{", "cannot read"),
])
def test_a_config_file_sets_only_configurable_options(tmp_path, content, message):
    config = tmp_path / "example.json"
    config.write_text(content)
    with pytest.raises(OptionError, match=f"--config: .*{message}"):
        read_config(Example, str(config))


# Declared choices and ranges, checked in one place ----------------------------------

@dataclass(frozen=True)
class Declared:
    level: str = option("low", "--level", group="first", choices=("low", "high"), help="a choice")
    count: int = option(3, "--count", group="first", minimum=1, maximum=9, type=int, help="1-9")
    share: float = option(0.5, "--share", group="second", above=0, maximum=1, type=float,
                          help="above 0")
    floor: int = option(0, "--floor", group="second", minimum=0, type=int, help="at least 0")
    limit: Optional[int] = option(None, "--limit", minimum=1, type=int, help="may be None")
    rgb: tuple = option((1, 2, 3), "--rgb", minimum=0, maximum=255, type=int, nargs=3,
                        help="each value checked")

    def __post_init__(self):
        check_declared(self)


@pytest.mark.parametrize("values, message", [
    ({"level": "mid"}, "--level: expects one of low, high; got 'mid'"),
    ({"count": 0}, "--count: expects a number from 1 to 9; got 0"),
    ({"count": 10}, "--count: expects a number from 1 to 9; got 10"),
    ({"count": "3"}, "--count: expects a number from 1 to 9; got '3'"),
    ({"share": 0}, "--share: expects a number above 0 and at most 1; got 0"),
    ({"share": 1.5}, "--share: expects a number above 0 and at most 1; got 1.5"),
    ({"floor": -1}, "--floor: expects a number of at least 0; got -1"),
    ({"limit": 0}, "--limit: expects a number of at least 1; got 0"),
    ({"rgb": (0, 256, 0)}, "--rgb: expects a number from 0 to 255; got 256"),
])
def test_declared_choices_and_ranges_are_checked_in_one_style(values, message):
    with pytest.raises(OptionError) as error:
        Declared(**values)
    assert str(error.value) == message


def test_values_within_their_declaration_pass():
    assert Declared(level="high", count=9, share=1, floor=0, limit=None, rgb=(0, 255, 7)).count == 9
    assert Declared(count=1, share=1e-9).share == 1e-9


def test_check_value_is_the_same_check_for_a_keyword():
    with pytest.raises(OptionError, match=r"^radius: expects a number above 0; got 0$"):
        check_value("radius", 0, above=0)
    check_value("radius", 0.5, above=0)


def test_choices_reach_help_but_are_checked_in_our_words():
    parser = Parser(prog="declared", stdout=io.StringIO())
    add_options(parser, Declared)
    help_text = parser.format_help()
    assert "--level {low,high}" in help_text
    with pytest.raises(OptionError, match="--level: expects one of low, high; got 'mid'"):
        parse_command_line(Declared, parser, ["--level", "mid"])


def test_help_shows_each_group_with_its_options_in_order():
    parser = Parser(prog="declared", stdout=io.StringIO())
    add_options(parser, Declared)
    lines = parser.format_help().splitlines()
    first, second = lines.index("first:"), lines.index("second:")
    assert first < second
    assert [line.split()[0] for line in lines[first + 1:second] if line.startswith("  -")] == [
        "--level", "--count"]
    assert {info.name: info.group for info in options_of(Declared)} == {
        "level": "first", "count": "first", "share": "second", "floor": "second",
        "limit": None, "rgb": None}


@pytest.mark.parametrize("cls, values", [
    (Settings, {"quality": 0}), (Settings, {"metric": "psnr"}), (Settings, {"target": 0}),
    (Settings, {"watch_interval": 0}), (Settings, {"background": (0, 0, 300)}),
    (DiffOptions, {"strategy": "fuzzy"}), (DiffOptions, {"radius": 0}),
    (DiffOptions, {"threshold": 2}), (CompareOptions, {"zoom": 0}),
    (CompareOptions, {"figure_format": "jpg"}), (CompareOptions, {"formats": ("gif",)}),
])
def test_the_three_commands_word_a_bad_value_alike(cls, values):
    (name, value), = values.items()
    with pytest.raises(OptionError) as error:
        cls(**values)
    assert re.fullmatch(rf"{re.escape(flag_of(cls, name))}: expects .+; got .+", str(error.value))


@pytest.mark.parametrize("cls", [Settings, DiffOptions, CompareOptions])
def test_flag_of_names_each_option_as_its_description_does(cls):
    described = options_of(cls)
    assert [flag_of(cls, info.name) for info in described] == [info.flag for info in described]
    with pytest.raises(KeyError):
        flag_of(cls, "no_such_option")
