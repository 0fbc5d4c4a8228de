"""What each choice of our lossless PNG encoder wins: bytes and seconds, step by step.

In one process, on the folder's PNG files (or, with --converted, its other
still images saved as PNG by Pillow), each image is encoded:

1. plain: Pillow's `save(optimize=True)` of the image as it is (what we did
   before: no reduction, Pillow's filters, zlib's default strategy);
2. + exact reductions: the same for every exact form (`reductions`), the smallest;
3. + strategies: every form with Pillow's filters under each `compress_type`
   (zlib's default, filtered, Huffman-only, RLE), the smallest: what Pillow's
   encoder alone can reach with trials;
4. ours: the encoder as it is (`formats.png.encode`, without the png extra):
   the forms, our filters, the predicted trials;
5. exhaustive: every form under every filtering (none, sub, up, average,
   Paeth, adaptive) and every strategy at level 9: the best our trials could find.

It prints the totals, the share saved and the seconds of each step, then per
file the form and filtering that won step 5. The chunks besides IDAT are the
same in every step (our marker included).

    python benchmarks/png_choices.py [FOLDER] [--converted]
"""

import argparse
import io
import sys
import time
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.modules["oxipng"] = None  # Pillow alone

from png import DEFAULT_FOLDER, OTHER_FORMATS  # noqa: E402

from optimize_images.image.formats import png  # noqa: E402
from optimize_images.image.formats.base import Job  # noqa: E402
from optimize_images.image.reductions import exact_forms  # noqa: E402
from optimize_images.image._scanlines import METHODS, STRATEGIES, deflated  # noqa: E402
from optimize_images.common.settings import Settings  # noqa: E402

STEPS = ("plain", "+ exact reductions", "+ strategies", "ours", "exhaustive")


def images(folder, converted):
    for path in sorted(folder.iterdir()):
        wanted = OTHER_FORMATS if converted else (".png",)
        if path.suffix.lower() not in wanted:
            continue
        with Image.open(path) as image:
            image.seek(0)
            image.load()
            if getattr(image, "n_frames", 1) > 1 and not converted:
                continue
            yield path.name, path.stat().st_size, image.copy()


def step_sizes(image, job):
    """{step: (bytes, seconds)} and what won the exhaustive step."""
    image = png.prepare(image, job.settings)
    found = {}

    def timed(step, work):
        started = time.perf_counter()
        found[step] = (work(), time.perf_counter() - started)

    def pillow(forms, types):
        return min(len(png._save(form, job, optimize=True, compress_type=kind))
                   for form in forms for kind in types)

    timed("plain", lambda: len(png.save_to_bytes(image, "PNG", optimize=True,
                                                 **png._metadata(job))))
    timed("+ exact reductions", lambda: pillow(exact_forms(image), (-1,)))
    timed("+ strategies", lambda: pillow(exact_forms(image), (0, 1, 2, 3)))
    timed("ours", lambda: len(png.encode(image, job).data))
    winner = []

    def exhaustive():
        best = None
        for form in exact_forms(image):
            encoding = png._Encoding(form, job)
            for method in METHODS:
                stream = encoding.lines.filtered(method)
                for name, strategy in STRATEGIES.items():
                    size = encoding.size_with(deflated(stream, strategy))
                    if best is None or size < best:
                        best = size
                        winner[:] = [form.name, method, name]
        return best
    timed("exhaustive", exhaustive)
    return found, winner


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--converted", action="store_true",
                        help="the folder's GIF/TIFF/BMP/WebP images saved as PNG by Pillow")
    arguments = parser.parse_args(argv)
    job = Job(settings=Settings(), source_format="PNG", source_size=0)
    totals = {step: [0, 0.0] for step in STEPS}
    source_total, winners = 0, []
    for name, size, image in images(arguments.folder, arguments.converted):
        if arguments.converted:  # the source is Pillow's own PNG of the image
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
            size = len(buffer.getvalue())
            with Image.open(buffer) as reopened:
                reopened.load()
                image = reopened.copy()
        found, winner = step_sizes(image, job)
        source_total += size
        for step, (data_size, seconds) in found.items():
            totals[step][0] += min(data_size, size)  # a file never grows
            totals[step][1] += seconds
        winners.append((name, size, found["ours"][0], found["exhaustive"][0], winner))
    print(f"{arguments.folder}{' (converted)' if arguments.converted else ''}: "
          f"{len(winners)} files, {source_total:,} bytes; a result bigger than its source "
          "counts at the source's size\n")
    print("| step | bytes | saved | seconds |")
    print("|---|---:|---:|---:|")
    for step, (size, seconds) in totals.items():
        print(f"| {step} | {size:,} | {100 * (1 - size / source_total):.2f}% | {seconds:.2f} |")
    print("\n| file | source | ours | exhaustive | its form, filtering, strategy |")
    print("|---|---:|---:|---:|---|")
    for name, size, ours, best, winner in winners:
        print(f"| {name} | {size:,} | {ours:,} | {best:,} | {', '.join(map(str, winner))} |")


if __name__ == "__main__":
    main()
