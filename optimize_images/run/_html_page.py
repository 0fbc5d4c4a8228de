"""The HTML report's style and script, inlined into every page (see `html_report`).

The script sorts the table (a click on a heading: ascending, again:
descending; empty cells last), filters it by status, hides or shows the
previews, and runs each preview's wipe: its two pictures are those of the
side-by-side figures (taken from them, so the page holds each once), the
original left of the slider and the result right of it; "flip" shows one,
then the other, whole. It reads the page's text only through attributes and
sets none as HTML.
"""

STYLE = """
:root { color-scheme: light; font: 14px/1.4 system-ui, sans-serif; color: #222; background: #fff; }
body { margin: 1.5em; }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
.about, .note { color: #555; max-width: 72em; }
.summary { font-size: 1.1em; padding-left: 1.2em; }
.controls { position: sticky; top: 0; z-index: 1; background: #fff; padding: .5em 0;
  border-bottom: 1px solid #ccc; }
.controls label { margin-right: 1em; white-space: nowrap; }
#shown { color: #555; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; background: #f3f3f3; white-space: nowrap; }
th button { all: unset; cursor: pointer; font-weight: bold; }
th button:focus-visible { outline: 2px solid #06c; }
th[aria-sort=ascending] button::after { content: " \\25B2"; }
th[aria-sort=descending] button::after { content: " \\25BC"; }
td, th { padding: .3em .5em; vertical-align: top; border-bottom: 1px solid #e3e3e3; }
td.path { min-width: 16em; overflow-wrap: anywhere; }
td.status { min-width: 12em; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.small { color: #666; font-size: .9em; }
tbody.failed .status-word { color: #b00020; font-weight: bold; }
tbody.skipped .status-word { color: #666; }
tr.preview td { background: #fafafa; }
.no-previews tr.preview { display: none; }
.fragments { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
figure { margin: 0; }
figcaption { color: #555; font-size: .9em; margin-top: .2em; }
.fragments img { display: block; image-rendering: pixelated; }
.fragments img.thumbnail { image-rendering: auto; }
.stack { position: relative; }
.stack img { position: absolute; left: 0; top: 0; }
[hidden] { display: none !important; }
"""

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("files");
  var bodies = Array.prototype.slice.call(table.tBodies);
  var headings = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var sortedBy = null, descending = false;

  function key(body, name, numeric) {
    var raw = body.getAttribute("data-" + name);
    if (raw === null || raw === "") { return null; }
    return numeric ? parseFloat(raw) : raw.toLowerCase();
  }

  function sortBy(heading) {
    var name = heading.getAttribute("data-key");
    var numeric = heading.getAttribute("data-numeric") === "1";
    descending = sortedBy === heading ? !descending : false;
    sortedBy = heading;
    bodies.sort(function (a, b) {
      var x = key(a, name, numeric), y = key(b, name, numeric);
      if (x === null || y === null) {
        if (x !== y) { return x === null ? 1 : -1; }
      } else if (x !== y) {
        return (x < y ? -1 : 1) * (descending ? -1 : 1);
      }
      return key(a, "rank", true) - key(b, "rank", true);
    });
    var ordered = document.createDocumentFragment();
    bodies.forEach(function (body) { ordered.appendChild(body); });
    table.appendChild(ordered);
    headings.forEach(function (other) { other.removeAttribute("aria-sort"); });
    heading.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  headings.forEach(function (heading) {
    heading.querySelector("button").addEventListener("click", function () { sortBy(heading); });
  });

  var filters = Array.prototype.slice.call(document.querySelectorAll(".status-filter"));
  var shown = document.getElementById("shown");

  function filter() {
    var wanted = {}, count = 0;
    filters.forEach(function (box) { wanted[box.value] = box.checked; });
    bodies.forEach(function (body) {
      body.hidden = !wanted[body.getAttribute("data-status")];
      if (!body.hidden) { count += 1; }
    });
    shown.textContent = count + " of " + bodies.length + " files shown";
  }

  filters.forEach(function (box) { box.addEventListener("change", filter); });
  filter();

  var previews = document.getElementById("show-previews");
  previews.addEventListener("change", function () {
    table.classList.toggle("no-previews", !previews.checked);
  });

  Array.prototype.forEach.call(document.querySelectorAll(".fragments"), function (fragments) {
    var wipe = fragments.querySelector(".wipe");
    var over = wipe.querySelector(".over"), under = wipe.querySelector(".under");
    var slider = wipe.querySelector("input"), flip = wipe.querySelector(".flip");
    var label = wipe.querySelector(".shown");
    over.src = fragments.querySelector("img.original").src;
    under.src = fragments.querySelector("img.result").src;

    function show(value) {
      slider.value = value;
      over.style.clipPath = "inset(0 " + (100 - value) + "% 0 0)";
      flip.setAttribute("aria-pressed", value >= 100 ? "true" : "false");
      label.textContent = value >= 100 ? "original" : value <= 0 ? "result" : "original | result";
    }

    slider.addEventListener("input", function () { show(Number(slider.value)); });
    flip.addEventListener("click", function () { show(Number(slider.value) >= 100 ? 0 : 100); });
    show(50);
    wipe.hidden = false;
  });
})();
"""
