"""Speed and peak memory of metrics.ssim and of the search's SSIM beside scikit-image's.

A pair is a photo resized to the given size and its JPEG re-encoding at q50.
Each measurement runs in a fresh Python process, which times the first call
and the best of --repeat calls, and reports its peak resident memory: the
whole process's, and what the metric added to the size it had once the pair
was ready (VmHWM is reset then).
scikit-image gets the same RGB images and converts them to float64 luma
arrays inside the timing, with Wang et al.'s settings. "search" is what the
quality search pays per probe: `scoring.scorer("ssim", a)` is made before the
timing (as a search makes it once per photo) and each call scores the luma
of b (probes are decoded as luma); its value is the strided SSIM.

    python benchmarks/metrics_speed.py [--photo PATH] [--repeat 10] [--reuse-memory]

Targets: a 448×448 sample scored in at most 5 ms (best of 10; the search's
SSIM; the search's own sample is now 288×288, measured too); a 12 MP image
in at most 0.5 s within 300 MB (metrics.ssim, exact).
"""

import argparse
import io
import json
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PHOTO = REPO.parent / "shared" / "corpus" / "photos" / "jolla.jpg"
SIZES = {"288x288": (288, 288), "448x448": (448, 448), "12 MP": (4000, 3000)}
IMPLEMENTATIONS = ("ours", "search", "scikit-image")


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO,
                        help="the photo to resize (default: %(default)s; a drawn picture "
                             "when it is absent)")
    parser.add_argument("--repeat", type=int, default=10, help="calls per measurement")
    parser.add_argument("--reuse-memory", action="store_true",
                        help="run ours inside compat.reusing_memory() (Pillow's block cache)")
    parser.add_argument("--child", nargs=2, metavar=("IMPLEMENTATION", "SIZE"),
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    if arguments.child:
        run_child(arguments, *arguments.child)
        return
    print(f"photo: {describe(arguments.photo)}; best of {arguments.repeat}; "
          f"reuse memory: {'yes' if arguments.reuse_memory else 'no'}")
    print(f"{'size':>8} {'':>12} {'first s':>9} {'best s':>9} {'peak MB':>9} {'added MB':>9}"
          "   value")
    for size in SIZES:
        results = {name: measure(arguments, name, size) for name in IMPLEMENTATIONS}
        for name, result in results.items():
            print(f"{size:>8} {name:>12} {result['first']:9.4f} {result['best']:9.4f} "
                  f"{result['peak_mb']:9.1f} {result['peak_mb'] - result['start_mb']:9.1f}"
                  f"   {result['value']:.8f}")
        theirs = results["scikit-image"]
        for name in ("ours", "search"):
            ours = results[name]
            print(f"{size:>8} {'ratio ' + name:>12} {theirs['first'] / ours['first']:8.1f}× "
                  f"{theirs['best'] / ours['best']:8.1f}× "
                  f"{ours['peak_mb'] / theirs['peak_mb']:9.3f}{'':>10}   "
                  f"|difference| {abs(ours['value'] - theirs['value']):.1e}")


def describe(photo):
    return str(photo) if photo.is_file() else "a drawn picture (photo absent)"


def measure(arguments, implementation, size):
    command = [sys.executable, __file__, "--photo", str(arguments.photo),
               "--repeat", str(arguments.repeat), "--child", implementation, size]
    if arguments.reuse_memory:
        command.append("--reuse-memory")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def run_child(arguments, implementation, size):
    a, b = make_pair(arguments.photo, SIZES[size])
    compare, context = load_implementation(implementation, arguments.reuse_memory)
    if hasattr(compare, "prepare"):
        compare.prepare(a, b)
        b = b.convert("L")
    start_mb = reset_peak_memory()
    times, value = [], None
    with context:
        for _ in range(arguments.repeat):
            start = time.perf_counter()
            value = compare(a, b)
            times.append(time.perf_counter() - start)
    print(json.dumps({"first": times[0], "best": min(times), "value": value,
                      "start_mb": start_mb, "peak_mb": memory_mb("VmHWM")}))


def make_pair(photo, size):
    from PIL import Image

    if photo.is_file():
        with Image.open(photo) as opened:
            image = opened.convert("RGB").resize(size, Image.BICUBIC)
    else:
        image = drawn_picture(size)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=50)
    encoded = Image.open(buffer)
    encoded.load()
    return image, encoded.convert("RGB")


def drawn_picture(size):
    from PIL import Image, ImageDraw

    image = Image.merge("RGB", [Image.linear_gradient("L"), Image.radial_gradient("L"),
                                Image.effect_mandelbrot((256, 256), (-2, -1.25, 0.5, 1.25), 64)])
    image = image.resize(size, Image.BICUBIC)
    draw = ImageDraw.Draw(image)
    for step in range(0, size[0], 7):
        draw.line((step, 0, size[0] - step, size[1]), fill=(step % 256, 90, 200), width=2)
    return image


def load_implementation(implementation, reuse_memory):
    """(the comparison function, the context to call it in)."""
    if implementation in ("ours", "search"):
        sys.path.insert(0, str(REPO))
        from optimize_images.common import compat
        from optimize_images.measure import metrics, scoring

        context = compat.reusing_memory() if reuse_memory else nullcontext()
        if implementation == "ours":
            return metrics.ssim, context
        scorers = {}

        def search(a, b):
            if "score" not in scorers:  # once per sample, as the search does: not timed
                raise RuntimeError("prepare() first")
            return scorers["score"](b)
        search.prepare = lambda a, b: scorers.update(score=scoring.scorer("ssim", a.convert("L")),
                                                     probe=b.convert("L"))
        return search, context
    import numpy
    from skimage.metrics import structural_similarity

    def reference(a, b):
        x = numpy.asarray(a.convert("L"), dtype=numpy.float64)
        y = numpy.asarray(b.convert("L"), dtype=numpy.float64)
        return float(structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
                                           use_sample_covariance=False, data_range=255))
    return reference, nullcontext()


def reset_peak_memory():
    """Start VmHWM afresh from the current size (Linux: clear_refs 5); the size in MB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return 0.0  # the peak then includes the set-up: "added" is the whole peak
    return memory_mb("VmRSS")


def memory_mb(field):
    """A field of /proc/self/status in MB; the peak from getrusage where there is none."""
    status = Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    for line in lines:
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
