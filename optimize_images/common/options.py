"""Options defined once: fields of a frozen dataclass that carry their flags.

Each command (the main one, `diff`, `compare`) declares its options as the
fields of one frozen dataclass, each made by `option(...)`: the default, the
flags, the help, its argument group in --help, the values it accepts (choices
or a range) and how argparse reads it. From those fields come the command's
parser (`add_options`), the reading of a JSON config file (`read_config`) and
the documentation (`options_of`: name, flags, default, help, choices, group,
and each spelling as --help shows it). The dataclass's `__post_init__` calls
`check_declared`, the one check of the declared choices and ranges, then
checks the rules that tie options together, in the same words ("expects ...;
got ..."), raising `OptionError` naming the flag (`flag_of`), so the command
line, a config file and the Python API share it. argparse never supplies a
default (`argparse.SUPPRESS`): defaults live in the dataclass only.
"""

import argparse
import difflib
import json
import sys
from dataclasses import dataclass, field, fields
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, NoReturn,
                    Optional, Sequence, TextIO, Tuple, Type, TypeVar)

from .errors import OptionError, UsageError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

USAGE_ERROR = 2  # the exit status of a command line that cannot be run

OptionsClass = Type["DataclassInstance"]  # a dataclass whose fields are made by `option`
Options = TypeVar("Options", bound="DataclassInstance")  # an instance of one
Default = TypeVar("Default")  # the type of an option's value, as its default has it
Parsed = TypeVar("Parsed")  # what a command's parse gives its work: its options
Kwargs = Dict[str, Any]  # keyword arguments of argparse's add_argument
# Other spellings of an option: (flags, help, argparse kwargs) each.
OtherSpellings = Tuple[Tuple[Tuple[str, ...], str, Kwargs], ...]


@dataclass(frozen=True)
class _Declared:
    """What `option` records in a field's metadata."""
    flags: Tuple[str, ...]
    help: str
    argparse_kwargs: Kwargs
    also: OtherSpellings
    configurable: bool
    from_text: Optional[Callable[[str], Any]]
    from_config: Optional[Callable[[Any, str], Any]]
    shown: Callable[[Any], str]
    config_file: bool
    group: Optional[str]
    # What check_value takes: choices, minimum, maximum, above (those given).
    accepts: Dict[str, Any]


def option(default: Default, *flags: str, help: str, group: Optional[str] = None,
           choices: Optional[Sequence[Any]] = None, minimum: Optional[float] = None,
           maximum: Optional[float] = None, above: Optional[float] = None,
           also: OtherSpellings = (), from_text: Optional[Callable[[str], Any]] = None,
           configurable: bool = True, from_config: Optional[Callable[[Any, str], Any]] = None,
           shown: Callable[[Any], str] = str, config_file: bool = False,
           **argparse_kwargs: Any) -> Default:
    """A dataclass field that also describes its command-line flag.

    `flags` are its spellings, or its name alone for a positional argument;
    `help` may say %(default)s, written as `shown(default)`; `group` is the
    title of its argument group in --help. `choices` are the values it
    accepts; `minimum` and `maximum` (inclusive) and `above` (exclusive) its
    range; `check_declared` checks them (each value of an option that takes
    several). `argparse_kwargs` tell argparse how to read it (type, action,
    nargs, metavar).
    `also` lists other spellings that fill the same field, as (flags, help,
    argparse_kwargs) triples (e.g. -hbg for -bg). `from_text(text)` reads
    each value typed after argparse did, so that its OptionError keeps its
    words (argparse's `type` would replace them). A config file may set the
    option when it is `configurable`; `from_config(value, path)` turns the
    JSON value into the field's (by default a list becomes a tuple). The
    option with `config_file` names the config file itself.
    """
    accepts = {name: value for name, value in (("choices", choices), ("minimum", minimum),
                                                ("maximum", maximum), ("above", above))
               if value is not None}
    return field(default=default, metadata={"option": _Declared(
        flags, help, argparse_kwargs, also, configurable, from_text, from_config, shown,
        config_file, group, accepts)})


@dataclass(frozen=True)
class Spelling:
    """One way of writing an option, as --help shows it."""
    flags: Tuple[str, ...]
    value: str  # what follows the flag: 'Q', 'R G B', '{ssim,sad}', '[PATH ...]'; '' for a switch
    help: str


@dataclass(frozen=True)
class OptionInfo:
    """One option as documentation sees it."""
    name: str  # the field: the Python API's keyword and the config file's key
    flags: Tuple[str, ...]
    default: Any
    shown_default: str  # the default as the help says it
    help: str  # its default filled in
    choices: Optional[tuple]
    group: Optional[str]  # its argument group's title in --help
    spellings: Tuple[Spelling, ...]  # its own first, then the other spellings (e.g. -hbg)

    @property
    def positional(self) -> bool:
        return not self.flags[0].startswith("-")

    @property
    def flag(self) -> str:
        """The flags as the user sees them, e.g. '-q/--quality'."""
        return "/".join(self.flags)


def options_of(cls: OptionsClass) -> Tuple[OptionInfo, ...]:
    """The OptionInfo of every option of an options dataclass, in declaration order."""
    return tuple(_info(each, _declared(each)) for each in fields(cls) if _declared(each))


def flag_of(cls: OptionsClass, name: str) -> str:
    """The flags of option `name` of `cls` as the user sees them, e.g. '-q/--quality'
    (as `OptionInfo.flag`, without describing every option: `check_declared` asks on
    every construction of an options class)."""
    for each in fields(cls):
        declared = _declared(each)
        if each.name == name and declared:
            return "/".join(declared.flags)
    raise KeyError(name)


def _declared(each):
    return each.metadata.get("option")


def _info(each, declared):
    shown_default = declared.shown(each.default)
    help_text = declared.help.replace("%(default)s", shown_default)
    own = Spelling(declared.flags, value_shown(each.name, declared.flags, _shown_kwargs(declared)),
                   help_text)
    others = tuple(Spelling(flags, value_shown(each.name, flags, also_kwargs), text)
                   for flags, text, also_kwargs in declared.also)
    choices = declared.accepts.get("choices")
    return OptionInfo(
        name=each.name, flags=declared.flags, default=each.default, shown_default=shown_default,
        help=help_text, choices=tuple(choices) if choices is not None else None,
        group=declared.group, spellings=(own, *others))


def _shown_kwargs(declared):
    """The argparse kwargs with the declared choices, which --help shows in the place of the
    value (argparse itself is never given them: `check_declared` checks them)."""
    choices = declared.accepts.get("choices")
    if choices is None:
        return declared.argparse_kwargs
    return dict(declared.argparse_kwargs, choices=choices)


def value_shown(name: str, flags: Sequence[str], kwargs: Mapping[str, Any]) -> str:
    """What --help writes after a flag for these argparse kwargs (its metavar, its choices
    in braces, its name in capitals), or '' when it takes no value."""
    if kwargs.get("action") in ("store_true", "store_false", "version"):
        return ""
    positional = not flags[0].startswith("-")
    metavar = kwargs.get("metavar")
    if metavar is None and "choices" in kwargs:
        metavar = "{" + ",".join(str(choice) for choice in kwargs["choices"]) + "}"
    elif metavar is None:
        metavar = name if positional else name.upper()
    text = " ".join(metavar) if isinstance(metavar, tuple) else metavar
    return f"[{text} ...]" if kwargs.get("nargs") == "*" else text


def check_keywords(function_name: str, cls: OptionsClass, keywords: Iterable[str]) -> None:
    """Raise TypeError, as Python words it, for a keyword that is not an option of `cls`,
    suggesting the nearest option as argparse does for a mistyped flag."""
    names = [each.name for each in fields(cls) if _declared(each)]
    for keyword in keywords:
        if keyword not in names:
            nearest = difflib.get_close_matches(keyword, names, n=1)
            hint = f"; did you mean {nearest[0]!r}?" if nearest else ""
            raise TypeError(f"{function_name}() got an unexpected keyword argument "
                            f"{keyword!r}{hint}")


# Validation -----------------------------------------------------------------------

def check_declared(options: "DataclassInstance") -> None:
    """Check every option of an options dataclass instance against its declared choices and
    range; OptionError naming the flag of the first that is not within them.

    An option whose default is None may be None. Each value of an option that
    takes several (nargs, action="append") is checked.
    """
    cls = type(options)
    for each in fields(cls):
        declared = _declared(each)
        if declared is None or not declared.accepts:
            continue
        value = getattr(options, each.name)
        if value is None and each.default is None:
            continue
        several = ("nargs" in declared.argparse_kwargs
                   or declared.argparse_kwargs.get("action") == "append")
        for item in (value if several and isinstance(value, (tuple, list)) else (value,)):
            check_value(flag_of(cls, each.name), item, **declared.accepts)


def check_value(flag: str, value: Any, *, choices: Optional[Sequence[Any]] = None,
                minimum: Optional[float] = None, maximum: Optional[float] = None,
                above: Optional[float] = None) -> None:
    """Raise OptionError(flag, ...) unless `value` is one of `choices` (when given) and a
    number within the range (when one is given): from `minimum` to `maximum`, both
    included, and `above` excluded."""
    if choices is not None and value not in choices:
        raise OptionError(flag, f"expects one of {', '.join(str(choice) for choice in choices)}"
                                f"; got {value!r}")
    if (minimum, maximum, above) == (None, None, None):
        return
    within = isinstance(value, (int, float)) and not (
        (minimum is not None and value < minimum) or (maximum is not None and value > maximum)
        or (above is not None and value <= above))
    if not within:
        raise OptionError(flag, f"expects {_range_words(minimum, maximum, above)}; got {value!r}")


def _range_words(minimum, maximum, above):
    """'a number from 1 to 100', 'a number of at least 1', 'a number above 0 and at most 1'."""
    if above is not None:
        words = f"a number above {_number(above)}"
        return words + (f" and at most {_number(maximum)}" if maximum is not None else "")
    if minimum is None:
        return f"a number of at most {_number(maximum)}"
    if maximum is None:
        return f"a number of at least {_number(minimum)}"
    return f"a number from {_number(minimum)} to {_number(maximum)}"


def _number(bound: float) -> str:
    """A bound as a person writes it: 1 for 1.0, 0.5 for 0.5."""
    return str(int(bound)) if bound == int(bound) else f"{bound:g}"


# The command line -----------------------------------------------------------------

class Exit(Exception):
    """Not an error: argparse finished early (--help, --version) with this status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse that writes to an injected stream and raises instead of calling sys.exit."""

    def __init__(self, *args: Any, stdout: TextIO, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stdout = stdout

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def exit(self, status: int = 0, message: Optional[str] = None) -> NoReturn:
        if message:
            self.stdout.write(message)
        raise Exit(status)

    def _print_message(self, message, file=None):
        if message:
            self.stdout.write(message)


def add_options(parser: argparse.ArgumentParser, cls: OptionsClass) -> None:
    """Add a flag (or positional argument) per option of `cls`, in its argument group (in
    the order the groups first appear); argparse fills in only what was typed."""
    groups = {}
    for each in fields(cls):
        declared = _declared(each)
        if declared is None:
            continue
        if declared.group is not None and declared.group not in groups:
            groups[declared.group] = parser.add_argument_group(declared.group)
        group = groups.get(declared.group, parser)
        kwargs = dict(_keeping_our_words(declared.argparse_kwargs),
                      help=_info(each, declared).help, default=argparse.SUPPRESS)
        if "choices" in declared.accepts and "metavar" not in kwargs:  # shown as argparse would
            kwargs["metavar"] = value_shown(each.name, declared.flags, _shown_kwargs(declared))
        if not declared.flags[0].startswith("-"):
            group.add_argument(each.name, **kwargs)
        else:
            group.add_argument(*declared.flags, dest=each.name, **kwargs)
        for flags, text, also_kwargs in declared.also:
            group.add_argument(*flags, dest=each.name, help=text, default=argparse.SUPPRESS,
                               **_keeping_our_words(also_kwargs))


def _keeping_our_words(kwargs: Kwargs) -> Kwargs:
    """argparse kwargs whose `type`, when it is a function of ours, keeps its ValueError's
    words: argparse would say "invalid parse_hex_color value" instead."""
    convert = kwargs.get("type")
    if convert is None or convert in (int, float):  # argparse words those well
        return kwargs

    def read(text):
        try:
            return convert(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return dict(kwargs, type=read)


def parse_command_line(cls: Type[Options], parser: argparse.ArgumentParser,
                       argv: Sequence[str]) -> Tuple[Options, Dict[str, Any]]:
    """(an instance of `cls`, {name: value} of the parser's other arguments).

    The options typed win over those of the config file they name, which win
    over the defaults. Raises UsageError (OptionError for a bad value).
    """
    typed = vars(parser.parse_args(argv))
    declared = {each.name: _declared(each) for each in fields(cls) if _declared(each)}
    values = {name: _from_text(declared[name], value) for name, value in typed.items()
              if name in declared}
    config = _config_option(cls)
    if config is not None and values.get(config):
        values = {**read_config(cls, values[config]), **values}
    return cls(**values), {name: value for name, value in typed.items() if name not in declared}


def run_command(prog: str, parse: Callable[[List[str], TextIO], Parsed],
                work: Callable[[Parsed, TextIO, TextIO], int], argv: Iterable[str],
                stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """parse(argv, stdout) (a usage error: one line on stderr, status 2), then the
    exit status of work(options, stdout, stderr)."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        options = parse(list(argv), stdout)
    except Exit as done:
        return done.status
    except UsageError as error:
        stderr.write(f"{prog}: error: {error}\n")
        return USAGE_ERROR
    return work(options, stdout, stderr)


def _from_text(declared, value):
    if declared.from_text is not None:
        if isinstance(value, list):
            return tuple(declared.from_text(text) for text in value)
        return declared.from_text(value)
    return _tuple_if_list(value)


def _tuple_if_list(value):
    return tuple(value) if isinstance(value, list) else value


# Config files ---------------------------------------------------------------------

def read_config(cls: OptionsClass, path: str) -> Dict[str, Any]:
    """The options a JSON config file sets, as keyword arguments for `cls`.

    The file holds an object whose keys are option names (the fields).
    """
    flag = flag_of(cls, _config_option(cls))
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as error:
        raise OptionError(flag, f"cannot read {path}: {error}") from None
    if not isinstance(config, dict):
        raise OptionError(flag, f"{path} must hold a JSON object")
    known = {each.name: _declared(each) for each in fields(cls)
             if _declared(each) and _declared(each).configurable}
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise OptionError(flag, f"unknown key {unknown[0]!r} in {path}; "
                                f"known: {', '.join(sorted(known))}")
    try:
        return {name: _from_config(known[name], value, path) for name, value in config.items()}
    except ValueError as error:  # a value `from_config` cannot read; its message says why
        raise OptionError(flag, str(error)) from None


def _from_config(declared, value, path):
    if declared.from_config is None:
        return _tuple_if_list(value)
    return declared.from_config(value, path)


def _config_option(cls):
    """The name of the option that names a config file, or None."""
    for each in fields(cls):
        if _declared(each) and _declared(each).config_file:
            return each.name
    return None
