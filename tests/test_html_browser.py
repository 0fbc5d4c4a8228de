"""The HTML report in a real browser: headless Chromium driven by Playwright (test extras;
skipped when either is absent). The page of a small run: its rows, its sorting and
filters, the wipe and the flip, hostile file names kept as text, nothing fetched."""

import io
import os
import shutil

import pytest
from PIL import Image, ImageChops, ImageStat

from helpers import photo, run_cli, write

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As root in a container: no sandbox; and nothing started that talks to the network.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync")
HOSTILE = ("<script>.jpg", "<img src=x onerror=document.title='pwned'>.png")
COLUMNS = ("path", "format", "before", "change", "quality", "score", "fragment", "status")
NUMERIC = ("before", "change", "quality", "score", "fragment")

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The page of a dry run over lossy photos of three sizes, a lossless PNG, a PNG left
    alone, a broken file and two hostile names; (its path, the files' paths)."""
    tree = tmp_path_factory.mktemp("audit") / "tree"
    for index, side in enumerate((320, 400, 480)):
        write(tree / f"photo{index}.jpg", photo((side, side * 3 // 4), seed=index), quality=95)
    write(tree / "graphic.png", photo((64, 48)), compress_level=0)
    write(tree / "tiny.png", photo((4, 4)), optimize=True)  # not smaller: skipped
    (tree / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    write(tree / HOSTILE[0], photo((160, 120), seed=7), "JPEG", quality=95)
    write(tree / HOSTILE[1], photo((48, 32), seed=8), "PNG", compress_level=0)
    page_path = tree.parent / "run.html"
    assert run_cli("--dry-run", "--report", page_path, tree).code == 1
    return page_path, sorted(str(path) for path in tree.iterdir())


@pytest.fixture
def page(browser, report):
    """The report opened in a new page; every request it makes is recorded in .requested."""
    opened = browser.new_page(viewport={"width": 1400, "height": 900})
    opened.requested, opened.problems = [], []
    opened.on("request", lambda request: opened.requested.append(request.url))
    opened.on("pageerror", lambda error: opened.problems.append(str(error)))
    opened.on("console", lambda message: message.type == "error"
              and opened.problems.append(message.text))
    opened.goto(report[0].as_uri())
    yield opened
    opened.close()


def column(page, key):
    """The data-KEY values of the visible rows, in the page's order."""
    return page.eval_on_selector_all(
        "tbody.file", f"bodies => bodies.filter(b => !b.hidden).map(b => b.dataset.{key})")


def sort_key(values, key):
    present = [value for value in values if value != ""]
    return [float(value) for value in present] if key in NUMERIC else [
        value.lower() for value in present]


def shot(locator):
    """What the browser draws of an element."""
    return Image.open(io.BytesIO(locator.screenshot())).convert("RGB")


def distance(a, b):
    """The mean absolute difference of two pictures, over pixels and bands."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_one_row_per_file_the_worst_first_and_nothing_fetched(page, report):
    assert sorted(column(page, "path")) == report[1]
    assert page.text_content("#shown") == f"{len(report[1])} of {len(report[1])} files shown"
    assert column(page, "status")[0] == "failed"
    fragments = [float(value) for value in column(page, "fragment") if value]
    assert len(fragments) == 4 and fragments == sorted(fragments)  # the lossy results
    assert [url for url in page.requested if not url.startswith(("file:", "data:"))] == []
    assert page.problems == []


@pytest.mark.parametrize("key", COLUMNS)
def test_every_column_sorts_both_ways_with_empty_cells_last(page, key):
    button = page.locator(f'th[data-key="{key}"] button')
    for direction in ("ascending", "descending"):
        button.click()
        assert page.get_attribute(f'th[data-key="{key}"]', "aria-sort") == direction
        values = column(page, key)
        filled = sort_key(values, key)
        assert filled == sorted(filled, reverse=direction == "descending")
        assert values[len(filled):] == [""] * (len(values) - len(filled))
    assert page.problems == []


def test_the_status_filters_hide_and_show_rows(page, report):
    page.uncheck('input.status-filter[value="skipped"]')
    page.uncheck('input.status-filter[value="failed"]')
    statuses = column(page, "status")
    assert set(statuses) == {"optimized"} and len(statuses) == len(report[1]) - 2
    assert page.text_content("#shown") == f"{len(statuses)} of {len(report[1])} files shown"
    page.check('input.status-filter[value="failed"]')
    assert sorted(set(column(page, "status"))) == ["failed", "optimized"]


def test_the_fragments_can_be_hidden(page):
    assert page.locator("tr.preview").first.is_visible()
    page.uncheck("#show-previews")
    assert not page.locator("tr.preview").first.is_visible()


def test_the_wipe_slides_and_flips_between_original_and_result(page):
    fragments = page.locator(".fragments").first
    original, result = fragments.locator("img.original"), fragments.locator("img.result")
    stack, slider = fragments.locator(".stack"), fragments.locator('input[type="range"]')
    flip = fragments.locator("button.flip")
    assert fragments.locator(".wipe").is_visible()
    apart = distance(shot(original), shot(result))
    assert apart > 0.5  # there is something to see
    flip.click()  # the original, whole
    assert flip.get_attribute("aria-pressed") == "true"
    # As drawn; the figures may lie at fractions of a pixel, where the browser resamples.
    assert distance(shot(stack), shot(original)) < apart / 20
    flip.click()  # the result, whole
    assert flip.get_attribute("aria-pressed") == "false" and slider.input_value() == "0"
    assert distance(shot(stack), shot(result)) < apart / 20
    slider.focus()
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    assert slider.input_value() == "30"
    assert fragments.locator("img.over").evaluate("img => img.style.clipPath") == (
        "inset(0px 70% 0px 0px)")
    assert fragments.locator(".shown").text_content() == "original | result"
    assert page.problems == []


def test_hostile_file_names_stay_text(page, report):
    for name in HOSTILE:
        path = next(path for path in report[1] if path.endswith(name))
        cell = page.locator("tbody.file", has=page.locator(f'td:text-is("{path}")'))
        assert cell.count() == 1
    assert page.eval_on_selector_all("script", "scripts => scripts.length") == 1
    assert page.eval_on_selector_all("img[onerror]", "images => images.length") == 0
    assert page.title().startswith("optimize-images audit")
