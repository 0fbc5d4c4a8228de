"""Speed of the diff command's strategies (pixelmatch beside its package), and of compare.

0. The gradient strategy at 1 MP, for each metric, on the photo and its JPEG
   q20 re-encoding: diffmap.diff_map(strategy="gradient"), best of --repeat
   runs, beside the metric itself (metrics.ssim, metrics.ms_ssim).
1. pixelmatch at 1 MP: diffmap.draw(strategy="pixelmatch") beside
   pixelmatch.contrib.PIL.pixelmatch (the PyPI port of mapbox/pixelmatch), in
   the same run, on two pairs: a photo and its JPEG q20 re-encoding, and a
   drawing with anti-aliased edges and the same drawing moved by 2 px. Both
   draw their output picture. Ours is timed as the best of --repeat runs,
   theirs once (it takes seconds). Then the pixels each flags as different
   (red) and as anti-aliased (yellow) are compared.
2. A full compare run (every default target and format) on one 12 MP photo,
   through the command's entry point, timed from start to end.

    pip install pixelmatch   # a benchmark extra: the package never imports it
    python benchmarks/diff_speed.py [--photo PATH] [--repeat 3] [--skip-compare]

Targets: pixelmatch at least 20 times faster with anti-aliasing detection off
and the same flagged pixels; compare on 12 MP in under 30 s. The machines
are shared: the load average is printed beside each timing.
"""

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image, ImageChops, ImageDraw  # noqa: E402

from optimize_images.draw import diffmap
from optimize_images.measure import metrics  # noqa: E402
from optimize_images.commands.compare import command as compare_command  # noqa: E402
from optimize_images.measure.pixelmatch import ANTI_ALIASED_COLOUR, DIFFERENT_COLOUR  # noqa: E402

DEFAULT_PHOTO = REPO.parent / "shared" / "corpus" / "photos" / "jolla.jpg"
ONE_MEGAPIXEL = (1000, 1000)
TWELVE_MEGAPIXELS = (4000, 3000)
METRIC_FUNCTIONS = {"psnr": metrics.psnr, "ssim": metrics.ssim, "ms-ssim": metrics.ms_ssim}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO,
                        help="the photo to resize (default: %(default)s; a drawn picture "
                             "when it is absent)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours per measurement")
    parser.add_argument("--skip-compare", action="store_true", help="only the pixelmatch part")
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    photo = load_photo(arguments.photo)
    print(f"photo: {arguments.photo if arguments.photo.is_file() else 'a drawn picture'}")
    time_gradients(*photo_pair(photo), arguments.repeat)
    try:
        from pixelmatch.contrib.PIL import pixelmatch
    except ImportError:
        sys.exit("the pixelmatch package is missing: pip install pixelmatch")
    print(f"{'pair':>10} {'aa':>4} {'ours s':>8} {'theirs s':>9} {'ratio':>7} "
          f"{'theirs red':>10} {'ours red':>9} {'red same':>8} {'yellow same':>11}  load")
    pairs = {"photo": photo_pair(photo), "drawing": drawing_pair()}
    for name, (a, b) in pairs.items():
        for detect_aa in (False, True):
            compare_pixelmatch(name, a, b, detect_aa, arguments.repeat, pixelmatch)
    if not arguments.skip_compare:
        time_compare(photo)


def time_gradients(a, b, repeat):
    print(f"{'gradient of':>12} {'map s':>7} {'metric s':>9}  load")
    for metric in diffmap.GRADIENT_METRICS:
        gradient = best_time(lambda: diffmap.diff_map(a, b, strategy="gradient", metric=metric),
                             repeat)
        score = METRIC_FUNCTIONS.get(metric)
        itself = f"{best_time(lambda: score(a, b), repeat):9.3f}" if score else f"{'':>9}"
        print(f"{metric:>12} {gradient:7.3f} {itself}  {load()}")
    print()


def best_time(work, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def load_photo(path):
    if path.is_file():
        with Image.open(path) as opened:
            return opened.convert("RGB")
    return drawing(TWELVE_MEGAPIXELS, seed=7)


def photo_pair(photo):
    a = photo.resize(ONE_MEGAPIXEL, Image.LANCZOS)
    buffer = io.BytesIO()
    a.save(buffer, "JPEG", quality=20)
    with Image.open(buffer) as encoded:
        return a, encoded.convert("RGB")


def drawing_pair():
    return drawing(ONE_MEGAPIXEL, seed=3), drawing(ONE_MEGAPIXEL, seed=3, shift=2)


def drawing(size, seed, shift=0):
    """Shapes, lines and text drawn at twice the size and reduced: anti-aliased edges."""
    rng = random.Random(seed)
    big = Image.new("RGB", (size[0] * 2, size[1] * 2), "white")
    draw = ImageDraw.Draw(big)
    for _ in range(300):
        x, y = rng.randrange(big.width), rng.randrange(big.height)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x + shift, y, x + shift + rng.randrange(10, 200),
                      y + rng.randrange(10, 200)), fill=colour)
        draw.line((x, y, x + rng.randrange(-300, 300), y + rng.randrange(-300, 300) + shift),
                  fill=(0, 0, 0), width=3)
        draw.text((x + shift, y), "optimize-images", fill=(0, 0, 0))
    return big.resize(size, Image.BOX)


def compare_pixelmatch(name, a, b, detect_aa, repeat, pixelmatch):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        _, ours = diffmap.draw(a, b, strategy="pixelmatch", detect_aa=detect_aa, legend=None)
        times.append(time.perf_counter() - start)
    theirs = Image.new("RGBA", a.size)
    start = time.perf_counter()
    pixelmatch(a, b, theirs, threshold=diffmap.DEFAULT_THRESHOLD, includeAA=not detect_aa)
    their_time = time.perf_counter() - start
    theirs = theirs.convert("RGB")
    red = [marked(picture, DIFFERENT_COLOUR) for picture in (theirs, ours)]
    yellow = [marked(picture, ANTI_ALIASED_COLOUR) for picture in (theirs, ours)]
    print(f"{name:>10} {'on' if detect_aa else 'off':>4} {min(times):8.3f} {their_time:9.2f} "
          f"{their_time / min(times):6.0f}× {count(red[0]):10d} {count(red[1]):9d} "
          f"{same(red):>8} {same(yellow):>11}  {load()}")


def marked(picture, colour):
    """An "L" mask (as bytes) of the pixels of exactly this colour."""
    mask = Image.new("L", picture.size, 255)
    for band, wanted in zip(picture.split(), colour):
        exact = band.point(lambda value, wanted=wanted: 255 if value == wanted else 0)
        mask = ImageChops.multiply(mask, exact)
    return mask.tobytes()


def same(masks):
    return "yes" if masks[0] == masks[1] else "NO"


def count(mask):
    return mask.count(255)


def time_compare(photo):
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "photo-12mp.jpg")
        photo.resize(TWELVE_MEGAPIXELS, Image.LANCZOS).save(source, quality=95)
        out = io.StringIO()
        before = load()
        start = time.perf_counter()
        status = compare_command.main([source, "-o", os.path.join(folder, "out")],
                                       stdout=out, stderr=out)
        elapsed = time.perf_counter() - start
        figures = sum(len(files) for _, _, files in os.walk(os.path.join(folder, "out")))
    print(f"\ncompare, 12 MP ({TWELVE_MEGAPIXELS[0]}x{TWELVE_MEGAPIXELS[1]}), default targets "
          f"and formats: {elapsed:.1f} s, exit {status}, {figures} figures; "
          f"load before {before}, after {load()}")
    print(out.getvalue(), end="")


def load():
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "?"


if __name__ == "__main__":
    main()
