"""docs/options.md's tables agree with --help, the options' definitions and the exit statuses.

The tables are written by scripts/options_table.py; these tests read them back
from docs/options.md and compare them, flag by flag and default by default, with
what each command's --help prints and what its options class declares; and the
exit statuses with what the code returns.
"""

import html
import importlib.util
import re
from pathlib import Path

import pytest

from optimize_images import cli
from optimize_images.cli import ACTIONS, main
from optimize_images.commands.compare import command as compare_command
from optimize_images.commands.compare.options import CompareOptions
from optimize_images.commands.diff import command as diff_command
from optimize_images.commands.diff.options import DiffOptions
from optimize_images.common.options import USAGE_ERROR, options_of
from optimize_images.common.results import FAILED, Result, Summary
from optimize_images.common.settings import Settings

from helpers import run_main

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "options.md"
COMMANDS = {  # the word after optimize-images in a table's title → (main, options class)
    "[options]": (main, Settings), "diff": (diff_command.main, DiffOptions),
    "compare": (compare_command.main, CompareOptions)}
STATED_DEFAULT = re.compile(r"\(default: ((?:[^()]|\([^()]*\))*)\)")


def script():
    spec = importlib.util.spec_from_file_location("options_table",
                                                  REPO / "scripts" / "options_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_tables(text):
    """{command word: [(names, default cell)]} of the block in docs/options.md."""
    begin, end = script().BEGIN, script().END
    assert text.count(begin) == 1 and text.count(end) == 1
    tables = {}
    for section in text[text.index(begin):text.index(end)].split("\n#### ")[1:]:
        word = section.split("`")[1].split()[1]
        rows = []
        for line in section.splitlines():
            if line.startswith("| `"):
                cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
                rows.append((names_in(cells[0]), html.unescape(cells[1]).replace("\\|", "|")))
        tables[word] = rows
    return tables


def names_in(cell):
    """'`-q Q`, `--quality Q`' → {'-q', '--quality'}; '`[PATH ...]`' → {'PATH'}."""
    return {written.split()[0].strip("[].") for written in re.findall(r"`([^`]+)`", cell)}


def help_entries(text):
    """[(names, help text)] of an argparse --help printed without wrapping."""
    entries = []
    for line in text.splitlines():
        if re.match(r"  \S", line):
            invocation, _, rest = line.strip().partition("  ")
            entries.append(({part.split()[0] for part in invocation.split(", ")}, rest.strip()))
        elif re.match(r" {3,}\S", line) and entries:
            names, help_text = entries[-1]
            entries[-1] = (names, f"{help_text} {line.strip()}".strip())
    return [(names, help_text) for names, help_text in entries
            if names != {"-h", "--help"}]


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "10000")  # one line per help text: nothing wrapped


def help_of(word):
    run = run_main(COMMANDS[word][0], "--help")
    assert run.code == 0
    return help_entries(run.out)


def row_for(rows, names):
    found = [row for row in rows if names <= row[0]]
    assert len(found) == 1, f"{sorted(names)}: {len(found)} rows in docs/options.md"
    return found[0]


@pytest.mark.parametrize("word", sorted(COMMANDS))
def test_the_tables_name_the_flags_help_names(wide, word):
    rows = page_tables(PAGE.read_text(encoding="utf-8"))[word]
    in_page = set().union(*(names for names, _ in rows))
    in_help = set().union(*(names for names, _ in help_of(word)))
    assert sorted(in_page - in_help) == [], "in docs/options.md, not in --help"
    assert sorted(in_help - in_page) == [], "in --help, not in docs/options.md"


@pytest.mark.parametrize("word", sorted(COMMANDS))
def test_the_tables_state_the_defaults_help_states(wide, word):
    rows = page_tables(PAGE.read_text(encoding="utf-8"))[word]
    entries = help_of(word)
    for row_names, default in rows:
        stated = [found for names, text in entries if names <= row_names
                  for found in STATED_DEFAULT.findall(text)]
        if stated:
            assert default == "; ".join(stated), sorted(row_names)


@pytest.mark.parametrize("word", sorted(COMMANDS))
def test_other_defaults_are_the_definitions(wide, word):
    """Where --help states no default, the table shows the field's own: off for a switch,
    a dash for nothing, else the value."""
    rows = page_tables(PAGE.read_text(encoding="utf-8"))[word]
    stated = {frozenset(names) for names, text in help_of(word) if STATED_DEFAULT.search(text)}
    for info in options_of(COMMANDS[word][1]):
        names = {flag for spelling in info.spellings for flag in spelling.flags
                 if flag.startswith("-")} or {info.spellings[0].value.strip("[].").split()[0]}
        row_names, default = row_for(rows, names)
        if any(entry <= row_names for entry in stated):
            continue
        expected = ("off" if info.default is False else "–" if info.default in (None, (), "")
                    else info.shown_default)
        assert default == expected, info.name
    if word == "[options]":
        for flags, _ in ACTIONS:
            assert row_for(rows, set(flags))[1] == "–"


def test_the_tables_are_what_the_script_writes():
    text = PAGE.read_text(encoding="utf-8")
    assert script().replaced(text) == text, "run scripts/options_table.py"


@pytest.mark.parametrize("stale", [("| `--metric", "| `--metrics"), ("| 75 |", "| 76 |")])
def test_the_script_checks_and_rewrites_only_its_blocks(tmp_path, monkeypatch, capsys, stale):
    module = script()
    text = PAGE.read_text(encoding="utf-8").replace(*stale, 1)
    copy = tmp_path / "options.md"
    copy.write_text(text, encoding="utf-8")
    monkeypatch.setattr(module, "PAGE", copy)
    assert module.main(["--check"]) == 1 and "stale" in capsys.readouterr().err
    assert copy.read_text(encoding="utf-8") == text  # --check writes nothing
    assert module.main([]) == 0 and module.main(["--check"]) == 0
    assert copy.read_text(encoding="utf-8") == PAGE.read_text(encoding="utf-8")


# The exit statuses -----------------------------------------------------------------------

def test_the_exit_statuses_are_what_the_code_returns(tmp_path):
    assert [status for status, _, _ in cli.EXIT_STATUSES] == [
        cli.OK, cli.FAILED, USAGE_ERROR, cli.LOCKED, cli.INTERRUPTED, cli.BROKEN_PIPE]
    assert Summary().exit_status == cli.OK
    failed = Summary()
    failed.add(Result(path="a.jpg", status=FAILED))
    assert failed.exit_status == cli.FAILED
    assert Summary(interrupted=True).exit_status == cli.INTERRUPTED
    assert run_main(main, "--quality", "101", tmp_path).code == USAGE_ERROR
    assert run_main(main, tmp_path / "nothing here").code == USAGE_ERROR


def test_the_exit_statuses_are_written_out_in_one_place():
    """The README, the other docs and cli's docstring point to docs/options.md's table."""
    rows = tuple(f"| {status} |" for status in (cli.LOCKED, cli.INTERRUPTED, cli.BROKEN_PIPE))
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        written = [line for line in page.read_text(encoding="utf-8").splitlines()
                   if line.startswith(rows)]
        assert len(written) == (len(rows) if page == PAGE else 0), page.name
    assert "docs/options.md" in cli.__doc__ and "130" not in cli.__doc__
