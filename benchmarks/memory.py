"""Peak memory of one worker: a folder of ordinary photos, and the worst inputs we accept.

Each case is one CLI run with `-jobs 1`, so that one process does exactly what a
pool worker does, in a subprocess; its peak resident memory comes from wait4()
(ru_maxrss: the high-water mark of resident memory, Pillow's and libwebp's C
buffers included, which tracemalloc would miss). Runs are --dry-run --force:
the same work, nothing written, marked files done again.

Cases:
- the interpreter with our modules and Pillow's plugins loaded: the floor;
- the photos folder (../shared/corpus/photos, else 12 made photos of 12 MP):
  the whole folder in one process, and each file alone (largest and median);
- the worst inputs --max-pixels (89,478,485) lets in: made here at --megapixels
  (default: that limit), an RGB photo as JPEG, an RGBA PNG in place, and RGB and
  RGBA PNGs converted to JPEG, to WebP (lossy, then -wl) and to AVIF; the
  encoders that need more than about 1 GB at that size (WebP, AVIF, an RGBA
  source made JPEG) are refused before encoding by --max-memory's estimate,
  and the outcome column says so;
- for each such encoding, the largest square image the default --max-memory
  (1000 MB) accepts by that estimate, to show that what is accepted stays within
  about 1 GB (--skip-largest leaves these out: the lossless ones take minutes);
- PNG's work beyond its one encode, which runs only where it fits within
  --max-memory: the trials on an RGBA PNG at their cap (12 MB of raw pixels),
  and with the png extra installed oxipng at 9 and 36 MP (its bytes a pixel);
- inputs that once cost gigabytes: a photo whose EXIF entry claims 2**31 values,
  with -ke, and a 1 GiB sparse file named .jpg.

With -jobs N, up to N workers hold their peaks at once.

    python benchmarks/memory.py [PHOTOS] [--megapixels 89.5] [--skip-worst] [--skip-largest]
                                [--skip-png]
"""

import argparse
import math
import shutil
import statistics
import struct
import sys
import tempfile
from pathlib import Path

from PIL import Image

from measured_run import REPO, run_measured

sys.path.insert(0, str(REPO / "tests"))
from helpers import SizeOnly, encode, photo  # noqa: E402  (tests/helpers.py, after the path is set)

DEFAULT_PHOTOS = REPO.parent / "shared" / "corpus" / "photos"
DEFAULT_MAX_PIXELS = 89_478_485
RUN = [sys.executable, "-m", "optimize_images", "-jobs", "1", "--dry-run", "--force"]
FLOOR = [sys.executable, "-c", "from PIL import Image; import optimize_images.cli; Image.init()"]
# RUN as without the png extra, where it is installed: `import oxipng` fails.
WITHOUT_PNG_EXTRA = [sys.executable, "-c", "import sys; sys.modules['oxipng'] = None; "
                     "from optimize_images.cli import main; sys.exit(main())"] + RUN[3:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", nargs="?", type=Path, default=DEFAULT_PHOTOS,
                        help="a folder of ordinary photos (default: %(default)s, else made ones)")
    parser.add_argument("--megapixels", type=float, default=DEFAULT_MAX_PIXELS / 1e6,
                        help="size of the worst-case inputs (default: the --max-pixels limit)")
    parser.add_argument("--skip-worst", action="store_true", help="only the photos")
    parser.add_argument("--skip-largest", action="store_true",
                        help="not the largest images --max-memory accepts")
    parser.add_argument("--skip-photos", action="store_true", help="not the photos")
    parser.add_argument("--skip-png", action="store_true", help="not PNG's trials and oxipng")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="memory-") as work:
        work = Path(work)
        table = Table()
        peak, seconds, _ = measure(FLOOR, work)
        table.row("interpreter, our modules, Pillow's plugins", None, peak, seconds)
        if not args.skip_photos:
            measure_photos(prepared_photos(args.photos, work), work, table)
        if not args.skip_worst:
            measure_worst(int(args.megapixels * 1e6), work, table)
        if not args.skip_largest:
            measure_largest_accepted(work, table)
        if not args.skip_png:
            measure_png_work(work, table)
        measure_former_bombs(work, table)
    print("\nWith -jobs N, up to N workers hold such peaks at the same time.")


class Table:
    def __init__(self):
        print(f"{'case':52} {'pixels':>9} {'peak RSS':>10} {'B/pixel':>8} {'seconds':>8}  outcome")

    def row(self, label, pixels, peak, seconds=None, outcome=""):
        per_pixel = f"{peak / pixels:8.1f}" if pixels else f"{'':8}"
        shown = f"{pixels / 1e6:7.1f}MP" if pixels else f"{'':9}"
        timing = f"{seconds:8.1f}" if seconds is not None else f"{'':8}"
        print(f"{label:52} {shown} {peak / 1e6:7.0f} MB {per_pixel} {timing}  {outcome}",
              flush=True)


def measure(command, work):
    """(peak bytes, seconds, what happened): the first line's verdict, or the exit status."""
    status, out, err, peak, seconds = run_measured(command, work, timeout=3600)
    if err.strip():
        print(f"   (stderr: {err.strip()[:200]})")
    return peak, seconds, _outcome(out, err, status)


def _outcome(out, err, status):
    if "--max-memory" in err:
        return "refused by --max-memory, before its work"
    if status not in (0, 1):
        return f"exit status {status}"
    first = out.splitlines()[0] if out else ""
    for verdict in ("FAILED: ", "skipped: "):
        if verdict in first:
            return verdict + first.partition(verdict)[2][:60]
    return "optimized" if status == 0 and " -> " in first else f"exit status {status}"


def prepared_photos(folder, work):
    if folder.is_dir():
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    made = work / "photos"
    made.mkdir()
    print(f"({folder} is absent: using 12 made photos of 4000x3000)")
    return [_save(made / f"{index:02}.jpg", photo((4000, 3000), seed=index), quality=92)
            for index in range(12)]


def measure_photos(photos, work, table):
    folder = work / "photos-run"
    folder.mkdir()
    pixels = {}
    for path in photos:
        shutil.copy(path, folder / path.name)
        with Image.open(path) as image:
            pixels[path.name] = image.width * image.height
    largest = max(pixels.values())
    peak, seconds, _ = measure(RUN + [str(folder)], work)
    table.row(f"photos folder, {len(photos)} files, one process", largest, peak, seconds,
              "(largest photo's pixels)")
    peaks = []
    for name in sorted(pixels):
        peak, _, _ = measure(RUN + [str(folder / name)], work)
        peaks.append((peak, name))
    worst_peak, worst_name = max(peaks)
    table.row(f"  the costliest photo alone ({worst_name})", pixels[worst_name], worst_peak)
    table.row("  the median photo alone", None, statistics.median(peak for peak, _ in peaks))


def measure_worst(pixels, work, table):
    side = math.isqrt(pixels)
    print(f"(making {side}x{side} images: {side * side / 1e6:.1f} MP)", flush=True)
    rgb = _big_picture(side, "RGB")
    jpeg = _save(work / "big.jpg", rgb, quality=92)
    table.row("RGB JPEG, quality search", side * side, *measure(RUN + [str(jpeg)], work))
    table.row("RGB JPEG, -q 60", side * side, *measure(RUN + ["-q", "60", str(jpeg)], work))
    del rgb
    for mode in ("RGB", "RGBA"):
        png = _save(work / "big.png", _big_picture(side, mode), compress_level=1)
        if mode == "RGBA":
            table.row("RGBA PNG, in place", side * side, *measure(RUN + [str(png)], work))
        for label, flags in CONVERSIONS:
            table.row(f"{mode} PNG -> {label}", side * side, *measure(RUN + flags + [str(png)], work))


# The conversions --max-memory guards: (label, flags).
CONVERSIONS = (("JPEG (-cf jpeg)", ["-cf", "jpeg"]), ("WebP (-cf webp)", ["-cf", "webp"]),
               ("lossless WebP (-cf webp -wl)", ["-cf", "webp", "-wl"]),
               ("AVIF (-cf avif)", ["-cf", "avif"]))


def measure_largest_accepted(work, table):
    """Each guarded conversion at the largest square the default --max-memory accepts."""
    for mode in ("RGB", "RGBA"):
        for label, flags in CONVERSIONS:
            side = largest_accepted_side(mode, flags)
            png = _save(work / "largest.png", _big_picture(side, mode), compress_level=1)
            table.row(f"largest accepted: {mode} PNG -> {label}", side * side,
                      *measure(RUN + flags + [str(png)], work))


def largest_accepted_side(mode, flags):
    """The side of the largest square image of `mode` that the pipeline's estimate lets
    through --max-memory's default with these flags (found by bisection on a stand-in),
    and --max-pixels's."""
    from optimize_images.image import formats, rules
    from optimize_images.common.errors import Fail
    from optimize_images.common.settings import Settings

    settings = Settings(convert_to=flags[1], webp_lossless="-wl" in flags)
    handler = formats.encoder_for(settings.conversion_target)
    job = formats.Job(settings=settings, source_format="PNG", source_size=1, source_lossless=True,
                      source_alpha=mode == "RGBA")
    low, high = 1, math.isqrt(DEFAULT_MAX_PIXELS)
    while low < high:
        side = (low + high + 1) // 2
        try:
            rules.check_memory(SizeOnly((side, side), mode), handler, job, settings)
            low = side
        except Fail:
            high = side - 1
    return low



def measure_png_work(work, table):
    """The trials at their cap, without the png extra (and with it, where installed, beside
    oxipng); oxipng's own need from runs at 9 and 36 MP, where the trials do not run."""
    from optimize_images.image.formats import png

    side = math.isqrt(png.TRIAL_BYTES // 4)
    path = _save(work / "trials.png", _big_picture(side, "RGBA"), compress_level=1)
    table.row("RGBA PNG at the trials' cap, in place", side * side,
              *measure(WITHOUT_PNG_EXTRA + [str(path)], work))
    if png.oxipng_version() is None:
        print("(pyoxipng is not installed: the png extra is not measured)")
        return
    table.row("  with the png extra (oxipng, then the trials)", side * side,
              *measure(RUN + [str(path)], work))
    for side in (3000, 6000):
        path = _save(work / "extra.png", _big_picture(side, "RGBA"), compress_level=1)
        table.row("RGBA PNG in place with the png extra (oxipng)", side * side,
                  *measure(RUN + [str(path)], work))


def _big_picture(side, mode):
    """Gradients with grain: photo-like enough for the encoders, quick to make at 89 MP."""
    gradient = Image.linear_gradient("L").resize((side, side))
    grain = Image.effect_noise((side, side), 24)
    bands = [Image.blend(gradient, grain, 0.3), Image.blend(gradient.rotate(90), grain, 0.2),
             Image.radial_gradient("L").resize((side, side))]
    if mode == "RGBA":
        bands.append(gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    return Image.merge(mode, bands)


def measure_former_bombs(work, table):
    exif = (b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01"
            + struct.pack(">HHII", 0x0112, 3, 1 << 31, 20) + bytes(4))
    bomb = _save(work / "exif-bomb.jpg", photo((1600, 1200)), quality=95, exif=exif)
    table.row("photo with an EXIF entry claiming 2**31 values, -ke", 1600 * 1200,
              *measure(RUN + ["-ke", str(bomb)], work))
    sparse = work / "sparse.jpg"
    with open(sparse, "wb") as handle:
        handle.truncate(1 << 30)
    table.row("1 GiB sparse file named .jpg", None, *measure(RUN + [str(sparse)], work))


def _save(path, image, **params):
    path.write_bytes(encode(image, {".jpg": "JPEG", ".png": "PNG"}[path.suffix], **params))
    return path


if __name__ == "__main__":
    sys.exit(main())
