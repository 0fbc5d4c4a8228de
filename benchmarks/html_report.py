"""What the HTML report costs: a run with --report run.html beside the same run with a JSON
report, the page's size, and how long Chromium takes to load it.

The input is the corpus repeated: the files of FOLDERS (default: the corpus's photos
and graphics) copied under new names until there are --files of them (default 1,000).
Each run is `python -m optimize_images --output-dir OUT --report REPORT COPY` from
this working tree, in a fresh OUT (or --dry-run with --dry-run), the two kinds taking
turns for --rounds rounds. The target (at most 1.15) is judged on the best wall time of
each kind: other work on a shared machine swings one run's wall time by up to 2x
(30 to 68 s for the same dry run), and the best run is the one it disturbed least.
The medians are printed beside, and so are the CPU times of the runs' processes,
which that work disturbs less.

The page of the last HTML run is then loaded --loads times in headless Chromium
(through Playwright when installed, else `chromium --dump-dom`, whose time includes
the browser's start), and its size, rows and previews are reported.

--fragments compares, on each lossy result of the corpus photos, the fragment chosen
on 1 - SSIM of 8x8 blocks (`preview.worst_fragment`, what the report uses) with the one
chosen on 1 - the local SSIM map (what `compare` uses): the SSIM of each fragment, and
the time of each choice beside the file's own work.

Run it under the shared timing lock:

    flock /tmp/timing.lock python benchmarks/html_report.py [FOLDER ...] [--files 1000]
        [--rounds 2] [--loads 3] [--dry-run] [--fragments]
"""

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_FOLDERS = (CORPUS / "photos", CORPUS / "graphics")
MAX_RATIO = 1.15
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync")
sys.path.insert(0, str(REPO))


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=list(DEFAULT_FOLDERS),
                        help="the images to repeat (default: the corpus's photos and graphics)")
    parser.add_argument("--files", type=int, default=1000,
                        help="files in the run (default: 1000; 0: no runs, --fragments alone)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of each kind, taking turns (default: %(default)s)")
    parser.add_argument("--loads", type=int, default=3,
                        help="loads of the page in Chromium (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="runs with --dry-run")
    parser.add_argument("--fragments", action="store_true",
                        help="compare the report's fragment choice with compare's")
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    sources = [path for folder in arguments.folders for path in sorted(folder.iterdir())
               if path.is_file()]
    if not sources:
        sys.exit("no files in " + ", ".join(map(str, arguments.folders)))
    if arguments.files:
        with tempfile.TemporaryDirectory(prefix="html-report-") as scratch:
            scratch = Path(scratch)
            tree = repeated(sources, arguments.files, scratch / "tree")
            print(f"{arguments.files} files: {len(sources)} of "
                  f"{', '.join(map(str, arguments.folders))} repeated; "
                  f"{'dry runs' if arguments.dry_run else 'runs into a fresh --output-dir'}; "
                  f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
            page = compare_runs(tree, scratch, arguments)
            describe_page(page, arguments.loads)
    if arguments.fragments:
        compare_fragments([path for path in sources if path.parent == arguments.folders[0]])


def repeated(sources, count, tree):
    """`count` copies of the sources, cycling through them, each under a new name."""
    tree.mkdir(parents=True)
    for index in range(count):
        source = sources[index % len(sources)]
        shutil.copyfile(source, tree / f"r{index // len(sources):03d}_{source.name}")
    return tree


def compare_runs(tree, scratch, arguments):
    """Time the JSON and HTML runs in turns; print the medians and the ratio; the last page."""
    times = {"json": [], "html": []}  # (wall, CPU) seconds per run
    for round_number in range(arguments.rounds):
        for kind in times:
            report = scratch / f"run.{kind}"
            flags = ["--dry-run"] if arguments.dry_run else [
                "--output-dir", str(scratch / f"out-{kind}-{round_number}")]
            wall, cpu = run_ours([*flags, "--only-summary", "--report", str(report), str(tree)],
                                 scratch)
            times[kind].append((wall, cpu))
            print(f"  round {round_number + 1}, {kind:4}: {wall:7.2f} s wall, {cpu:7.2f} s CPU")
    for index, measure in enumerate(("wall", "CPU")):
        values = {kind: [run[index] for run in runs] for kind, runs in times.items()}
        medians = {kind: statistics.median(runs) for kind, runs in values.items()}
        best = {kind: min(runs) for kind, runs in values.items()}
        ratio = best["html"] / best["json"]
        verdict = (f" (target at most {MAX_RATIO}: {'met' if ratio <= MAX_RATIO else 'NOT met'})"
                   if measure == "wall" else "")
        print(f"{measure} time, best of each: JSON report {best['json']:.2f} s, HTML report "
              f"{best['html']:.2f} s, ratio {ratio:.3f}{verdict}; medians: "
              f"{medians['json']:.2f} s, {medians['html']:.2f} s, ratio "
              f"{medians['html'] / medians['json']:.3f}")
    return scratch / "run.html"


def run_ours(arguments, cwd):
    """(wall, CPU) seconds of one run of our CLI from this tree, CPU counting the run's
    processes and their workers (exit 0 or 1 expected)."""
    environment = dict(os.environ, PYTHONPATH=str(REPO))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "optimize_images", *arguments], cwd=cwd,
                               env=environment, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode not in (0, 1):
        sys.exit(f"exit {completed.returncode}: {completed.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def describe_page(page, loads):
    text = page.read_text(encoding="utf-8")
    rows, previews = text.count('<tbody class="file'), text.count('<tr class="preview">')
    print(f"page: {page.stat().st_size / 1e6:.2f} MB, {rows} rows, {previews} previews")
    try:
        load_times, how = loaded_with_playwright(page, loads), "Playwright: navigation to load"
    except ImportError:
        load_times, how = loaded_with_dump_dom(page, loads), "chromium --dump-dom, with its start"
    print(f"Chromium load ({how}): median {statistics.median(load_times):.2f} s, "
          f"worst {max(load_times):.2f} s over {loads} loads")


def loaded_with_playwright(page, loads):
    from playwright.sync_api import sync_playwright
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(loads):
                tab = browser.new_page(viewport={"width": 1280, "height": 1000})
                started = time.perf_counter()
                tab.goto(page.as_uri(), wait_until="load")
                times.append(time.perf_counter() - started)
                tab.close()
        finally:
            browser.close()
    return times


def loaded_with_dump_dom(page, loads):
    times = []
    for _ in range(loads):
        started = time.perf_counter()
        subprocess.run([CHROMIUM, *CHROMIUM_ARGS, "--dump-dom", page.as_uri()],
                       capture_output=True, timeout=300, check=True)
        times.append(time.perf_counter() - started)
    return times


def compare_fragments(paths):
    """Per lossy result: the SSIM of the fragment each choice makes, and each choice's time."""
    from PIL import Image

    from optimize_images.measure import metrics
    from optimize_images.draw import preview
    from optimize_images.measure.fragment import best_window
    from optimize_images.image.pipeline import optimize_data
    from optimize_images.common.settings import Settings
    from optimize_images.image.transforms import orientation_of, upright

    print("\nfragments of the lossy results: SSIM on the fragment chosen on 8x8 blocks "
          "(the report) and on the local SSIM map (compare)")
    print(f"{'file':32} {'blocks':>8} {'map':>8} {'work s':>8} {'blocks s':>9} {'map s':>7}")
    rows = []
    for path in paths:
        data = path.read_bytes()
        started = time.perf_counter()
        encoded, result = optimize_data(data, Settings(), name=str(path))
        work = time.perf_counter() - started
        if result.status != "optimized" or result.quality is None:
            continue
        with Image.open(io.BytesIO(data)) as opened:
            original = upright(opened, orientation_of(opened)).convert("RGB")
        with Image.open(io.BytesIO(encoded)) as opened:
            decoded = opened.convert("RGB")
        started = time.perf_counter()
        stride = preview.sampling_stride(original.size)
        by_blocks = preview.worst_fragment(
            preview.sampled_blocks(original, stride), preview.sampled_blocks(decoded, stride),
            stride=stride, size=original.size)
        blocks_time = time.perf_counter() - started
        started = time.perf_counter()
        luma = original.convert("L")
        heat = metrics.ssim_map(original, decoded).point(lambda value: 1 - value)
        by_map = best_window(heat, luma, preview.FRAGMENT_SIDE)
        map_time = time.perf_counter() - started
        scores = [metrics.ssim(original.crop(box), decoded.crop(box)) for box in (by_blocks, by_map)]
        rows.append((scores, work, blocks_time, map_time))
        print(f"{path.name[:32]:32} {scores[0]:8.4f} {scores[1]:8.4f} {work:8.3f} "
              f"{blocks_time:9.3f} {map_time:7.3f}")
    if not rows:
        return
    gaps = [scores[0] - scores[1] for scores, *_ in rows]
    work, blocks, maps = (sum(row[index] for row in rows) for index in (1, 2, 3))
    print(f"{len(rows)} lossy results: fragment SSIM, blocks minus map: mean {statistics.mean(gaps):+.4f}, "
          f"largest {max(gaps, key=abs):+.4f}; time of the choice over the files' own work: "
          f"blocks {blocks / work:.3f}x, map {maps / work:.3f}x")


if __name__ == "__main__":
    main()
