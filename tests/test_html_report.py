"""The HTML report: one self-contained page, every name escaped, the worst results first,
and the previews kept within the page's limits. (Its script runs in test_html_browser.py.)"""

import base64
import hashlib
from html.parser import HTMLParser

import pytest

from helpers import photo, run_cli, write
from optimize_images import api
from optimize_images.run import _html_page as html_page, html_report
from optimize_images.draw import preview
from optimize_images.common.results import FAILED, OPTIMIZED, SKIPPED, Preview, Result, Summary
from optimize_images.common.settings import Settings

HOSTILE = ("<script>.jpg", '"><img src=x onerror=alert(1)>.png')


class Page(HTMLParser):
    """The elements of a page (tag, attributes) and its text, as a browser parses them."""

    def __init__(self, text):
        super().__init__()
        self.elements, self.texts, self._open = [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_data(self, data):
        self.texts.append(data)

    def tags(self, name):
        return [attributes for tag, attributes in self.elements if tag == name]

    def text(self):
        return "".join(self.texts)


def made_tree(folder):
    """A photo to make lossy, a PNG to shrink losslessly, a broken file, hostile names."""
    write(folder / "photo.jpg", photo((320, 240)), quality=95)
    write(folder / "graphic.png", photo((64, 48)), compress_level=0)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    write(folder / HOSTILE[0], photo((160, 120), seed=2), "JPEG", quality=95)
    write(folder / HOSTILE[1], photo((48, 32), seed=3), "PNG", compress_level=0)
    return folder


def test_a_run_writes_one_self_contained_page(tmp_path):
    tree = made_tree(tmp_path / "tree")
    page_path = tmp_path / "run.html"
    run = run_cli("--dry-run", "--report", page_path, tree)
    assert run.code == 1  # the broken file
    text = page_path.read_text(encoding="utf-8")
    page = Page(text)
    assert len(page.tags("script")) == 1 and len(page.tags("style")) == 1
    # Nothing is loaded from anywhere: every picture is in the page, and the policy says so.
    sources = [img["src"] for img in page.tags("img") if "src" in img]
    assert sources and all(source.startswith("data:image/jpeg;base64,") for source in sources)
    assert not [tag for tag, attributes in page.elements if "href" in attributes]
    policy = page.tags("meta")[1]["content"]
    script = html_page.SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert policy.startswith("default-src 'none'; img-src data:;")
    assert f"script-src 'sha256-{digest}'" in policy and f"<script>{script}</script>" in text
    # One row per file, each hostile name as text and nowhere as markup.
    bodies = page.tags("tbody")
    assert sorted(body["data-path"] for body in bodies) == sorted(
        str(tree / name) for name in ("photo.jpg", "graphic.png", "broken.jpg") + HOSTILE)
    for name in HOSTILE:
        assert str(tree / name) in page.text()
    assert not [img for img in page.tags("img") if "onerror" in img]
    # The summary at the top; the failure first, then the lossy results, worst first.
    assert "5 files: 4 optimized, 0 skipped, 1 failed" in page.text()
    assert "dry run" in page.text()
    assert [body["data-status"] for body in bodies][0] == FAILED
    lossy = [float(body["data-fragment"]) for body in bodies if body["data-fragment"]]
    assert len(lossy) == 2 and lossy == sorted(lossy)
    assert len(page.tags("figure")) == 2 * 4  # thumbnail, original, result, wipe


def test_without_an_html_report_no_preview_is_cut(tmp_path, monkeypatch):
    tree = made_tree(tmp_path / "tree")

    def refuse(*args, **kwargs):
        raise AssertionError("a preview was cut")

    monkeypatch.setattr(preview, "cut", refuse)
    for extra in ((), ("--report", tmp_path / "run.json")):
        run = run_cli("--dry-run", "-jobs", "1", *extra, tree)
        assert run.code == 1 and "photo.jpg" in run.out  # the broken file fails alone


def test_the_api_hands_previews_to_on_result_and_keeps_none(tmp_path):
    path = write(tmp_path / "photo.jpg", photo((320, 240)), quality=95)
    seen = []
    outcome = api.optimize(path, dry_run=True, report=str(tmp_path / "run.html"),
                           on_result=seen.append)
    assert seen[0].preview is not None
    assert outcome.results == [seen[0].without_preview()]


def result(path, status=OPTIMIZED, ssim=None, size=100, **facts):
    cut = None if ssim is None else Preview((0, 0, 8, 8), ssim, b"o" * size, b"r" * size, b"t")
    return Result(path, status, size_before=1000, size_after=500 if status == OPTIMIZED else None,
                  preview=cut, **facts)


def page_of(audit, **settings):
    summary = Summary()
    for row in audit.rows:
        summary.add(row.result)
    return Page(audit.page(summary, Settings(paths=("x",), **settings), written=0))


def test_the_worst_come_first_and_the_page_keeps_the_worst_previews():
    audit = html_report.Audit(limit=2)
    for added in (result("fine.jpg", ssim=0.99), result("lossless.png"),
                  result("left.png", SKIPPED, reason="already optimized"),
                  result("bad.jpg", ssim=0.90), result("broken.jpg", FAILED, reason="truncated"),
                  result("missing.png", SKIPPED, reason="no codec", problem=True),
                  result("middling.jpg", ssim=0.95)):
        audit.add(added)
    page = page_of(audit)
    assert [body["data-path"] for body in page.tags("tbody")] == [
        "broken.jpg", "missing.png", "bad.jpg", "middling.jpg", "fine.jpg", "lossless.png",
        "left.png"]
    pictured = [img["src"] for img in page.tags("img") if img.get("class") == "original"]
    assert pictured == [html_report._data_uri(b"o" * 100)] * 2  # bad and middling
    assert "1 lossy result that lost least has its row without pictures" in page.text()
    assert "the page holds the 2 that lost most" in page.text()


def test_the_picture_budget_drops_the_least_lost_first():
    audit = html_report.Audit(budget=2 * 201 + 1)
    for name, ssim in (("a.jpg", 0.97), ("b.jpg", 0.91), ("c.jpg", 0.99), ("d.jpg", 0.93)):
        audit.add(result(name, ssim=ssim))
    assert sorted(order for _, order, _ in audit.kept) == [1, 3]  # b and d
    assert "2 lossy results that lost least have their rows" in page_of(audit).text()


def test_a_long_run_lists_its_worst_rows_and_says_so():
    audit = html_report.Audit(row_limit=2)
    for added in (result("a.jpg", ssim=0.97), result("b.png"), result("c.jpg", ssim=0.91),
                  result("d.jpg", FAILED, reason="truncated")):
        audit.add(added)
    page = page_of(audit)
    assert [body["data-path"] for body in page.tags("tbody")] == ["d.jpg", "c.jpg"]
    assert "The table lists the 2 worst of the run's 4 files" in page.text()
    assert len([img for img in page.tags("img") if img.get("class") == "original"]) == 1


def test_a_page_with_room_for_all_says_nothing_was_left_out():
    audit = html_report.Audit()
    audit.add(result("a.jpg", ssim=0.97))
    text = page_of(audit).text()
    assert "without pictures" not in text and "The table lists" not in text


@pytest.mark.parametrize("field", ["reason", "detail", "note"])
def test_reasons_and_notes_are_escaped(field):
    status = OPTIMIZED if field == "note" else FAILED
    audit = html_report.Audit()
    audit.add(result("a.jpg", status, **{field: "<b onclick=x>bold</b>"}))
    text = audit.page(Summary(), Settings(paths=("x",)), written=0)
    assert "<b onclick" not in text and "&lt;b onclick=x&gt;bold&lt;/b&gt;" in text


def test_an_html_report_can_be_named_in_capitals():
    assert Settings(report="Run.HTM").html_report and Settings(report="audit.html").html_report
    assert not Settings(report="run.json").html_report and not Settings(report="-").html_report
    assert not Settings().html_report


def test_an_html_report_that_cannot_be_written_stops_the_run_before_any_work(tmp_path):
    path = write(tmp_path / "photo.jpg", photo((64, 48)), quality=95)
    before = path.read_bytes()
    run = run_cli("--report", tmp_path / "missing" / "run.html", path)
    assert run.code == 2 and "--report" not in run.out and path.read_bytes() == before


def test_the_last_line_names_the_html_report(tmp_path):
    path = write(tmp_path / "photo.jpg", photo((64, 48)), quality=95)
    page = tmp_path / "run.html"
    run = run_cli("--dry-run", "--report", page, path)
    assert run.code == 0, run.err
    assert run.out.splitlines()[-1] == f"HTML report written to {page}" and page.exists()
    assert run_cli("--dry-run", "--quiet", "--report", page, path).out == ""
