"""Our serial per-file time against the speed floor: one decode and one encode per file.

No optimizer can do less than read the photo and write it once. For every file
of a folder this times, in this process and serially: the floor (decode the
original, then encode what we wrote, with the same format, quality, tables and
options, in memory), and our whole per-file work (`pipeline.optimize_file`
with the default settings, writing into a scratch --output-dir). Each figure is
the best of --runs. It prints per-file times, the totals and their ratio, and
where our time goes beyond the floor (profiled over one more pass).

    python benchmarks/floor.py [FOLDER] [--runs 3] [--profile]

Target (issue "beat 2.2.0 at the default"): ours at most 1.15x the floor.
"""

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from optimize_images.image.pipeline import optimize_file  # noqa: E402
from optimize_images.common.results import OPTIMIZED  # noqa: E402
from optimize_images.common.settings import Settings  # noqa: E402

DEFAULT_FOLDER = HERE.parent.parent / "shared" / "corpus" / "photos"
TARGET = 1.15


def best_time(function, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def floor_work(source_bytes, output_bytes):
    """Decode the original; encode the decoded output's pixels as we wrote them."""
    with Image.open(io.BytesIO(output_bytes)) as written:
        written.load()
        params = encoder_params(written)
        pixels = written.copy()

    def work():
        with Image.open(io.BytesIO(source_bytes)) as source:
            source.load()
        buffer = io.BytesIO()
        pixels.save(buffer, written.format, **params)
    return work


def encoder_params(image):
    """What our encode used, as far as the file tells: tables, subsampling, progressive."""
    if image.format != "JPEG":
        return {"optimize": True} if image.format == "PNG" else {}
    from PIL import JpegImagePlugin
    return {"qtables": image.quantization, "optimize": True,
            "progressive": bool(image.info.get("progressive")),
            "subsampling": JpegImagePlugin.get_sampling(image)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="also profile one pass of ours and print where the time goes")
    arguments = parser.parse_args(argv)
    paths = sorted(path for path in arguments.folder.iterdir() if path.is_file())
    rows = []
    with tempfile.TemporaryDirectory(prefix="floor-") as scratch:
        settings = Settings(output_dir=scratch, jobs=1)
        for path in paths:
            def ours(path=path):
                return optimize_file(str(path), settings, root=str(arguments.folder))
            result = ours()
            if result.status != OPTIMIZED:
                continue
            ours_seconds = best_time(ours, arguments.runs)
            output = Path(result.output_path).read_bytes()
            floor_seconds = best_time(floor_work(path.read_bytes(), output), arguments.runs)
            rows.append((path.name, floor_seconds, ours_seconds))
        print(f"{'file':34} {'floor ms':>9} {'ours ms':>9} {'ratio':>6}")
        for name, floor_seconds, ours_seconds in rows:
            print(f"{name[:34]:34} {1000 * floor_seconds:9.1f} {1000 * ours_seconds:9.1f} "
                  f"{ours_seconds / floor_seconds:6.2f}")
        floor_total = sum(row[1] for row in rows)
        ours_total = sum(row[2] for row in rows)
        ratio = ours_total / floor_total
        print(f"\n{len(rows)} files optimized: floor {floor_total:.2f} s, ours {ours_total:.2f} s, "
              f"ratio {ratio:.2f}x (target <= {TARGET}x: {'met' if ratio <= TARGET else 'NOT met'})")
        if arguments.profile:
            profile = cProfile.Profile()
            profile.enable()
            for path in paths:
                optimize_file(str(path), settings, root=str(arguments.folder))
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
