"""The HTML report (--report run.html): a page to audit a run in a browser.

One self-contained file: its style, its script and its pictures (data: URIs)
are in it, and its Content-Security-Policy lets it load nothing and run no
script but its own. At the top the run's summary; then a table, one row per
file, that sorts by any column and filters by status, the worst results
first; under a lossy result, its `Preview`: a thumbnail of the whole image
with the fragment outlined, the fragment of the original and of the result
side by side at 1:1, and the two in one place, with a wipe slider and a flip
button.

The page keeps the previews of the results that lost most (the lowest SSIM on
their fragment), at most PREVIEW_LIMIT of them and PICTURE_BUDGET bytes of
pictures, and lists at most ROW_LIMIT files, the worst; it says what it left
out. Every path, reason and note goes in
escaped: a file named <script>.jpg is text on the page.
"""

import base64
import hashlib
import heapq
import time
from dataclasses import dataclass
from html import escape
from typing import List, Optional, Sequence, Tuple, Union

import PIL

from ..common.results import FAILED, OPTIMIZED, SKIPPED, Preview, Result, Summary
from ..common.settings import Settings
from ..common.writer import replace_file
from ..draw.preview import FRAGMENT_QUALITY
from ..version import __version__
from ._html_page import SCRIPT, STYLE
from .report import describe_summary, human_size

PREVIEW_LIMIT = 100
ROW_LIMIT = 5000  # files listed, the worst first: a larger run's page would open slowly
PICTURE_BUDGET = 6_000_000  # bytes of pictures (before base64) on one page
STATUSES = (OPTIMIZED, SKIPPED, FAILED)
# The table's columns: (heading, sort key, numeric?, what the heading's tooltip says).
COLUMNS = (
    ("File", "path", False, "the file as found, and where its result went"),
    ("Format", "format", False, "format and mode of the source (a conversion: source→target)"),
    ("Before → after", "before", True, "sizes on disk; sorts by the size before"),
    ("Change", "change", True, "the result's size against the source's"),
    ("Quality", "quality", True, "the encoder quality chosen"),
    ("Score", "score", True, "the quality search's metric on its sample (and the full "
                             "image's SSIM when measured)"),
    ("Fragment SSIM", "fragment", True, "SSIM on the 8x8 blocks of the fragment where the "
                                        "result differs most from the source"),
    ("Status", "status", False, "optimized, or skipped or failed and why"),
)


@dataclass(frozen=True)
class _Row:
    result: Result  # without its preview
    fragment_ssim: Optional[float]
    order: int  # in the run's order


class Audit:
    """Collects a run's results (give `add` as `on_result`) and writes the page.

    Each result's row is kept (the page lists the worst `row_limit`); of the
    previews, only those of the results that lost most, within the page's limits.
    """

    def __init__(self, *, limit: int = PREVIEW_LIMIT, budget: int = PICTURE_BUDGET,
                 row_limit: int = ROW_LIMIT) -> None:
        self.limit, self.budget, self.row_limit = limit, budget, row_limit
        self.rows: List[_Row] = []
        # a heap of (-fragment SSIM, order, preview): the least loss on top
        self.kept: List[Tuple[float, int, Preview]] = []
        self.kept_bytes = 0
        self.previews_seen = 0

    def add(self, result: Result) -> None:
        preview = result.preview
        self.rows.append(_Row(result.without_preview(),
                              preview.ssim if preview else None, len(self.rows)))
        if preview is None:
            return
        self.previews_seen += 1
        heapq.heappush(self.kept, (-preview.ssim, len(self.rows) - 1, preview))
        self.kept_bytes += preview.size
        while self.kept and (len(self.kept) > self.limit or self.kept_bytes > self.budget):
            self.kept_bytes -= heapq.heappop(self.kept)[2].size

    def page(self, summary: Summary, settings: Settings, *,
             written: Optional[float] = None) -> str:
        """The page as text; `written` is the time to state (default: now)."""
        rows = sorted(self.rows, key=_worst_first)[:self.row_limit]
        listed = {row.order for row in rows}
        previews = {order: preview for _, order, preview in self.kept if order in listed}
        bodies = "\n".join(_file_body(row, rank, previews.get(row.order))
                           for rank, row in enumerate(rows))
        script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
        return _PAGE.format(
            csp=(f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                 f"script-src 'sha256-{script_hash}'"),
            title=escape(_title(summary)), style=STYLE, script=SCRIPT,
            about=_about(settings, written), summary=_summary(summary, settings),
            left_out=self._left_out(len(previews), len(rows)), filters=_filters(rows),
            headings=_headings(), bodies=bodies)

    def write(self, summary: Summary, settings: Settings) -> None:
        """Write the page to settings.report, atomically."""
        assert settings.report is not None  # a page is written only for --report
        replace_file(settings.report, self.page(summary, settings).encode("utf-8"))

    def _left_out(self, shown: int, listed: int) -> str:
        """What the page says about its previews, and the previews and rows it has no
        room for."""
        said = (f"Under each lossy result: the whole image with the fragment outlined, then "
                f"the fragment where the result differs most, 1:1, original and result side by "
                f"side and in one place (drag the slider, or flip). The page's copies are JPEG "
                f"quality {FRAGMENT_QUALITY} without chroma subsampling.")
        missing = self.previews_seen - shown
        if missing:
            said += (f" {_count(missing, 'lossy result')} that lost least "
                     f"{'has its row' if missing == 1 else 'have their rows'} without pictures: "
                     f"the page holds the {shown} that lost most (at most {self.limit} previews "
                     f"and {human_size(self.budget)} of pictures).")
        if listed < len(self.rows):
            said += (f" The table lists the {listed} worst of the run's {len(self.rows)} files; "
                     f"the summary counts them all.")
        return f'<p class="note" id="left-out">{escape(said)}</p>'


def _worst_first(row: _Row) -> Tuple[int, Optional[float], int]:
    """Failures, then problems, then lossy results by their fragment's SSIM, then the rest."""
    result = row.result
    if result.status == FAILED:
        group = 0
    elif result.problem:
        group = 1
    elif row.fragment_ssim is not None:
        group = 2
    else:
        group = 3 if result.status == OPTIMIZED else 4
    return group, row.fragment_ssim if group == 2 else 0.0, row.order


def _file_body(row: _Row, rank: int, preview: Optional[Preview]) -> str:
    """A file's <tbody>: its row, and its preview's when it has one on the page."""
    result = row.result
    keys = {"rank": rank, "status": result.status, "path": result.path,
            "format": result.format, "before": result.size_before,
            "change": f"{result.change_percent:.3f}" if result.status == OPTIMIZED else "",
            "quality": _or_empty(result.quality), "score": _or_empty(result.metric_value),
            "fragment": _or_empty(row.fragment_ssim)}
    attributes = " ".join(f'data-{name}="{escape(str(value))}"' for name, value in keys.items())
    cells = "".join(f'<td class="{"num" if numeric else key}">{content}</td>'
                    for content, (_, key, numeric, _) in zip(_cells(row), COLUMNS))
    body = f'<tbody class="file {result.status}" {attributes}>\n<tr>{cells}</tr>'
    if preview is not None:
        body += (f'\n<tr class="preview"><td colspan="{len(COLUMNS)}">'
                 f"{_preview_figures(result, preview)}</td></tr>")
    return body + "\n</tbody>"


def _or_empty(value: Optional[float]) -> Union[str, float]:
    return "" if value is None else value


def _cells(row):
    """The contents of a file's cells, escaped, in COLUMNS' order."""
    result = row.result
    path = escape(result.path)
    if result.output_path and result.output_path != result.path:
        path += f'<br><span class="small">→ {escape(result.output_path)}</span>'
    kind = escape("/".join(part for part in (result.format.replace("->", "→"), result.mode)
                           if part))
    if result.dimensions:
        kind += f'<br><span class="small">{_dimensions(result)}</span>'
    sizes = human_size(result.size_before)
    if result.status == OPTIMIZED:
        sizes += f" → {human_size(result.size_after)}"
    change = f"{result.change_percent:+.1f}%" if result.status == OPTIMIZED else ""
    quality = f"q{result.quality}" if result.quality is not None else ""
    fragment = f"{row.fragment_ssim:.4f}" if row.fragment_ssim is not None else ""
    return (path, kind, sizes, change, quality, escape(_score(result)), fragment,
            _status(result))


def _dimensions(result):
    before, after = result.dimensions, result.dimensions_after
    text = f"{before[0]}×{before[1]}"
    if after and tuple(after) != tuple(before):
        text += f" → {after[0]}×{after[1]}"
    return text


def _score(result: Result) -> str:
    parts = []
    if result.metric and result.metric_value is not None:
        parts.append(f"{result.metric} {result.metric_value:.4f} (sample)")
    if result.ssim is not None:
        parts.append(f"ssim {result.ssim:.4f} (full)")
    return ", ".join(parts)


def _status(result: Result) -> str:
    """The status cell: the status, then why (and for a failure what Python said), escaped."""
    if result.status == OPTIMIZED:
        text, more = "optimized", result.note
        if result.source_deleted:
            more = "; ".join(part for part in ("source deleted", more) if part)
    else:
        text, more = f"{result.status}: {result.reason}", result.detail
    cell = f'<span class="status-word">{escape(text)}</span>'
    if more:
        cell += f'<br><span class="small">{escape(more)}</span>'
    return cell


def _preview_figures(result: Result, preview: Preview) -> str:
    left, top, right, bottom = preview.box
    width, height = right - left, bottom - top
    original, after = _data_uri(preview.original), _data_uri(preview.result)
    label = f"result{f' (q{result.quality})' if result.quality is not None else ''}"
    return (
        '<div class="fragments">'
        f'<figure><img class="thumbnail" src="{_data_uri(preview.thumbnail)}" '
        f'alt="the whole image, the fragment outlined" loading="lazy">'
        f"<figcaption>the fragment: {width}×{height} at ({left}, {top})</figcaption></figure>"
        f'<figure><img class="original" src="{original}" width="{width}" height="{height}" '
        f'alt="the original" loading="lazy"><figcaption>original</figcaption></figure>'
        f'<figure><img class="result" src="{after}" width="{width}" height="{height}" '
        f'alt="the result" loading="lazy"><figcaption>{escape(label)}</figcaption></figure>'
        f'<figure class="wipe" hidden><div class="stack" style="width:{width}px;'
        f'height:{height}px"><img class="under" alt="the result" width="{width}" '
        f'height="{height}"><img class="over" alt="the original" width="{width}" '
        f'height="{height}"></div>'
        '<figcaption><input type="range" min="0" max="100" value="50" '
        'aria-label="wipe: the original left of it, the result right of it"> '
        '<button type="button" class="flip" aria-pressed="false">flip</button> '
        '<span class="shown">original | result</span></figcaption></figure>'
        "</div>")


def _data_uri(data: bytes) -> str:
    return f"data:image/jpeg;base64,{base64.b64encode(data).decode('ascii')}"


def _title(summary: Summary) -> str:
    return f"optimize-images audit: {_count(summary.seen, 'file')}"


def _about(settings: Settings, written: Optional[float]) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(written))
    what = "a dry run: nothing was written" if settings.dry_run else (
        f"results written into {settings.output_dir}" if settings.output_dir
        else "results written in place")
    return escape(f"optimize-images {__version__} (Pillow {PIL.__version__}), {when}, on "
                  f"{', '.join(settings.paths)}: {what}.")


def _summary(summary: Summary, settings: Settings) -> str:
    lines = describe_summary(summary, dry_run=settings.dry_run).replace(" -> ", " → ")
    return "\n".join(f"<li>{escape(line)}</li>" for line in lines.splitlines())


def _filters(rows: Sequence[_Row]) -> str:
    """A checkbox per status, with its count."""
    counts = {status: 0 for status in STATUSES}
    for row in rows:
        counts[row.result.status] += 1
    return " ".join(
        f'<label><input type="checkbox" class="status-filter" value="{status}" checked> '
        f"{status} ({counts[status]})</label>" for status in STATUSES)


def _headings() -> str:
    return "".join(
        f'<th scope="col" data-key="{key}" data-numeric="{"1" if numeric else ""}" '
        f'title="{escape(tip)}"><button type="button">{escape(heading)}</button></th>'
        for heading, key, numeric, tip in COLUMNS)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="about">{about}</p>
<ul class="summary">
{summary}
</ul>
{left_out}
</header>
<div class="controls">Show: {filters}
<label><input type="checkbox" id="show-previews" checked> fragments</label>
<span id="shown"></span></div>
<table id="files">
<thead><tr>{headings}</tr></thead>
{bodies}
</table>
<script>{script}</script>
</body>
</html>
"""
