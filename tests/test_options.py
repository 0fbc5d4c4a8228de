"""The options mechanism: every command's options declared once, read from the
command line and config files, validated by their dataclass, described for docs."""

import io
import json
from dataclasses import dataclass

import pytest

from optimize_images.compare.options import CompareOptions
from optimize_images.diff.options import DiffOptions
from optimize_images.errors import OptimizeImagesError, OptionError, UsageError
from optimize_images.options import (Exit, Parser, add_options, flag_of, option, options_of,
                                     parse_command_line, read_config)
from optimize_images.settings import Settings


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
