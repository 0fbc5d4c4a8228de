"""How well the quality search keeps its promise, against an oracle, in one run.

For each photo in a folder: the quality the search chooses, the bytes, the
full-image SSIM of the result against the (upright, decoded) original, and the
"oracle": the smallest full-size encoding whose full-image metric reaches the
target, found by bisection over the same quality range. Also the classic method
(--metric sad --sample thumbnail) for the wall-time ratio.

    python benchmarks/quality_search.py [FOLDER] [--metric ssim] [--target 0.97]

Targets (issue "quality engine"): at least 95% of photos within 0.003 of the
target or above; bytes saved at least 95% of the oracle's; wall time at most
1.3x the classic method's.
"""

import argparse
import io
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from optimize_images import metrics, quality, transforms  # noqa: E402
from optimize_images.errors import Skip  # noqa: E402
from optimize_images.formats import jpeg  # noqa: E402
from optimize_images.formats.base import Job, save_to_bytes  # noqa: E402
from optimize_images.settings import Settings  # noqa: E402

FULL_METRICS = {"ssim": metrics.ssim, "ms-ssim": metrics.ms_ssim}
TOLERANCE = 0.003


def load(path):
    """(upright decoded image ready for JPEG, source image, file size)."""
    data = path.read_bytes()
    source = Image.open(io.BytesIO(data))
    source.load()
    image = transforms.upright(source, transforms.orientation_of(source))
    return jpeg.prepare(image, Settings()), source, len(data)


def our_result(image, source, size, settings):
    """(bytes, chosen quality or None when the tool would leave the file, seconds)."""
    job = Job(settings=settings, source_format=source.format, source_size=size,
              source_quality=jpeg.estimate_quality(source) if source.format == "JPEG" else None,
              source_subsampling=jpeg.subsampling_of(source) if source.format == "JPEG" else None)
    started = time.perf_counter()
    try:
        encoded = jpeg.encode(image, job)
    except Skip:
        return None, None, time.perf_counter() - started
    return encoded.data, encoded.quality, time.perf_counter() - started


def full_encode(image, source, level, size):
    """The full image encoded as ours would be at `level`: same tables and subsampling."""
    settings = Settings()
    subsampling = jpeg.subsampling_of(source) if source.format == "JPEG" else None
    return save_to_bytes(image, "JPEG", qtables=jpeg.tables_for(image.mode, settings, level),
                         subsampling=jpeg.subsampling_for(image.mode, settings, subsampling),
                         optimize=True, progressive=size > jpeg.PROGRESSIVE_ABOVE)


def decoded(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def oracle(image, source, size, measure, target, low, high):
    """Smallest full-size encoding (ours: same tables and subsampling) reaching the target
    with the full-image metric, or None."""
    best = None
    while low <= high:
        middle = (low + high) // 2
        data = full_encode(image, source, middle, size)
        if measure(image, decoded(data)) >= target:
            best, high = data, middle - 1
        else:
            low = middle + 1
    return best


def run(folder, metric, target):
    measure = FULL_METRICS[metric]
    ours = Settings(metric=metric, target=target)
    classic = Settings(metric="sad", sample="thumbnail")
    plan = quality.plan_for(ours)
    rows, our_seconds, classic_seconds = [], 0.0, 0.0
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
            continue
        image, source, size = load(path)
        data, chosen, seconds = our_result(image, source, size, ours)
        our_seconds += seconds
        classic_seconds += our_result(image, source, size, classic)[2]
        ceiling = jpeg.estimate_quality(source) if source.format == "JPEG" else plan.high
        best = oracle(image, source, size, measure, target, plan.low, min(plan.high, ceiling))
        value = measure(image, decoded(data)) if data else 1.0
        rows.append({
            "name": path.name, "size": size, "quality": chosen,
            "bytes": len(data) if data else size, "value": value,
            "oracle_bytes": len(best) if best else size,
        })
    return rows, our_seconds, classic_seconds


def report(rows, our_seconds, classic_seconds, metric, target):
    print(f"{'photo':32} {'size':>9} {'q':>4} {'ours':>9} {metric:>8} {'oracle':>9}")
    for row in rows:
        chosen = row["quality"] if row["quality"] is not None else "-"
        print(f"{row['name'][:32]:32} {row['size']:9d} {chosen!s:>4} {row['bytes']:9d} "
              f"{row['value']:8.4f} {row['oracle_bytes']:9d}")
    total = sum(row["size"] for row in rows)
    saved = total - sum(row["bytes"] for row in rows)
    oracle_saved = total - sum(row["oracle_bytes"] for row in rows)
    kept = sum(row["value"] >= target - TOLERANCE for row in rows)
    values = [row["value"] for row in rows]
    print()
    print(f"photos: {len(rows)}; {metric} of results: mean {sum(values) / len(values):.4f}, "
          f"worst {min(values):.4f}")
    print(f"within {TOLERANCE} of {target} or above: {kept}/{len(rows)} "
          f"({100 * kept / len(rows):.0f}%; target >= 95%)")
    print(f"bytes saved: ours {100 * saved / total:.1f}%, oracle {100 * oracle_saved / total:.1f}%, "
          f"ratio {saved / oracle_saved if oracle_saved else float('nan'):.3f} (target >= 0.95)")
    print(f"search + encode time: ours {our_seconds:.2f} s, classic {classic_seconds:.2f} s, "
          f"ratio {our_seconds / classic_seconds:.2f} (target <= 1.3)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path,
                        default=REPO.parent / "shared" / "corpus" / "photos")
    parser.add_argument("--metric", choices=sorted(FULL_METRICS), default="ssim")
    parser.add_argument("--target", type=float, default=0.97)
    args = parser.parse_args()
    rows, ours, classic = run(args.folder, args.metric, args.target)
    report(rows, ours, classic, args.metric, args.target)


if __name__ == "__main__":
    main()
