"""The README and the docs: the test command is what CI runs, the links lead somewhere, the
flags the README names exist, and nothing points users at files only maintainers have."""

import re
from pathlib import Path

import pytest

from optimize_images.cli import main

from helpers import run_main

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def shell_blocks(text):
    return re.findall(r"```sh\n(.*?)\n```", text, re.S)


def anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors_of(page):
    return {anchor(line.lstrip("#")) for line in page.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")}


def test_ci_runs_the_readmes_test_command_and_the_first_one_uses_the_samples():
    install_and_run, tests = shell_blocks(README.read_text(encoding="utf-8"))[:2]
    assert tests in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert install_and_run.endswith(" samples/") and any((REPO / "samples").glob("*.jpg"))


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_links_lead_to_files_and_headings(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name} links to {target}"
        if fragment:
            assert fragment in anchors_of(linked), f"{page.name} links to {target}"


def test_the_readmes_main_options_are_flags_of_the_command(monkeypatch):
    monkeypatch.setenv("COLUMNS", "10000")
    help_text = run_main(main, "--help").out
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Main options"):text.index("## Documentation")]
    flags = {flag for row in table.splitlines() if row.startswith("| `")
             for flag in re.findall(r"`(-[\w-]+)", row)}
    assert len(flags) > 10
    assert sorted(flag for flag in flags if not re.search(rf"(^|[\s,\[]){flag}\b", help_text)) == []


def test_the_readme_does_not_send_users_to_the_maintainers_corpus():
    assert "shared/corpus" not in README.read_text(encoding="utf-8")
