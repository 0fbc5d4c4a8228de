"""docs/options.md's tables, written from the definitions: the options and the exit statuses.

    python scripts/options_table.py           # rewrite the tables in docs/options.md
    python scripts/options_table.py --check   # exit 1 when docs/options.md's tables are stale

A section per command: the main one (`Settings`, and the flags of cli.ACTIONS),
`diff` (`DiffOptions`) and `compare` (`CompareOptions`), with a table per
argument group, titled and ordered as --help shows them (first the options of
no group, with the command's other flags). A row shows every spelling of an
option as --help shows it, its default (what the help says after "default:",
else the field's own default), and its help without that phrase. The exit
statuses' table is cli.EXIT_STATUSES. Only the blocks between BEGIN and END
markers are replaced.
"""

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optimize_images.cli import ACTIONS, EXIT_STATUSES  # noqa: E402  (the repository comes first)
from optimize_images.commands.compare.options import CompareOptions  # noqa: E402
from optimize_images.commands.diff.options import DiffOptions  # noqa: E402
from optimize_images.common.options import Spelling, options_of, value_shown  # noqa: E402
from optimize_images.common.settings import Settings  # noqa: E402

PAGE = REPO / "docs" / "options.md"
BEGIN = ("<!-- BEGIN options tables: written by scripts/options_table.py from the options' "
         "definitions; edit those, then run it -->")
END = "<!-- END options tables -->"
EXIT_BEGIN = ("<!-- BEGIN exit statuses: written by scripts/options_table.py from "
              "cli.EXIT_STATUSES; edit those, then run it -->")
EXIT_END = "<!-- END exit statuses -->"
COMMANDS = (  # (title, options class, the command's other flags as (flags, argparse kwargs))
    ("optimize-images [options] PATH ...", Settings, ACTIONS),
    ("optimize-images diff [options] A B", DiffOptions, ()),
    ("optimize-images compare [options] IMAGE_OR_FOLDER", CompareOptions, ()),
)
# "(default: ...)" in a help text, allowing one level of parentheses inside.
DEFAULT_PHRASE = re.compile(r"\s*\(default: ((?:[^()]|\([^()]*\))*)\)")
NONE = "–"


def block():
    """The text between BEGIN and END: a section per command, a table per argument group."""
    parts = [BEGIN]
    for title, cls, actions in COMMANDS:
        parts += ["", f"#### `{title}`"]
        for group, infos in _by_group(options_of(cls)):
            rows = [_row(info.spellings, _own_default(info)) for info in infos]
            if group is None:
                rows += [_row((_action_spelling(flags, kwargs),), NONE) for flags, kwargs in actions]
            if rows:
                parts += ([""] if group is None else ["", f"**{group}**", ""]) + [
                    "| option | default | what it does |", "|---|---|---|", *rows]
    return "\n".join(parts + ["", END])


def _by_group(infos):
    """[(group title, its options)], the options of no group first, then each group in the
    order it first appears (as argparse shows them)."""
    groups = {None: []}
    for info in infos:
        groups.setdefault(info.group, []).append(info)
    return list(groups.items())


def exit_block():
    """The text between EXIT_BEGIN and EXIT_END: a row per exit status."""
    rows = [f"| {status} | {_cell(meaning)} | {_cell(action)} |"
            for status, meaning, action in EXIT_STATUSES]
    return "\n".join([EXIT_BEGIN, "", "| status | meaning | what to do |", "|---|---|---|",
                      *rows, "", EXIT_END])


def stated_defaults(text):
    """The defaults a help text states, e.g. ['medium'] for '... (default: medium)'."""
    return DEFAULT_PHRASE.findall(text)


def _own_default(info):
    """What the table says when the help states no default: from the field itself."""
    if info.default is False:
        return "off"
    if info.default in (None, (), ""):
        return NONE
    return info.shown_default


def _row(spellings, own_default):
    stated = [found for spelling in spellings for found in stated_defaults(spelling.help)]
    written = ", ".join(text for spelling in spellings for text in _written(spelling))
    what = "; ".join(_without_defaults(spelling, index) for index, spelling in enumerate(spellings))
    return f"| {written} | {_cell('; '.join(stated) or own_default)} | {_cell(what)} |"


def _written(spelling):
    """'`-q Q`', '`--quality Q`'; a positional argument by its value alone: '`[PATH ...]`'."""
    if not spelling.flags[0].startswith("-"):
        return [f"`{spelling.value}`"]
    return [f"`{flag} {spelling.value}`" if spelling.value else f"`{flag}`"
            for flag in spelling.flags]


def _without_defaults(spelling, index):
    text = DEFAULT_PHRASE.sub("", spelling.help)
    return text if index == 0 else f"`{spelling.flags[-1]}`: {text}"


def _action_spelling(flags, kwargs):
    return Spelling(flags, value_shown(flags[-1].lstrip("-"), flags, kwargs), kwargs["help"])


def _cell(text):
    """Table-safe: a bar would end the cell, and <name> would be taken for HTML; a help's
    %% (argparse's escape) is the % --help prints."""
    return ((text or NONE).replace("%%", "%").replace("|", "\\|").replace("<", "&lt;")
            .replace(">", "&gt;"))


def replaced(text):
    """The page's text with the blocks between the BEGIN and END markers written anew."""
    for begin, end, written in ((BEGIN, END, block()), (EXIT_BEGIN, EXIT_END, exit_block())):
        start, stop = text.index(begin), text.index(end) + len(end)
        text = text[:start] + written + text[stop:]
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when docs/options.md's tables are not current")
    check = parser.parse_args(argv).check
    text = PAGE.read_text(encoding="utf-8")
    if check:
        if replaced(text) != text:
            print("docs/options.md's tables are stale: run scripts/options_table.py",
                  file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(replaced(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
