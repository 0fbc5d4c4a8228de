"""JPEG vs WebP vs AVIF at one perceptual target: bytes, full-image SSIM and time.

Each photo is encoded in memory by our format modules with the same quality
search (--metric ssim --target 0.97 by default), so the three formats meet
the same promise; the table gives, per format, the total bytes, the bytes as a
share of the originals, the mean and worst full-image SSIM, and the seconds.

    python benchmarks/formats.py [FOLDER] [--target 0.97]
"""

import argparse
import io
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from optimize_images.image import formats, transforms
from optimize_images.measure import metrics  # noqa: E402
from optimize_images.image.formats.base import Job  # noqa: E402
from optimize_images.common.settings import Settings  # noqa: E402


def photos(folder):
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in (".jpg", ".jpeg", ".png"):
            with Image.open(path) as source:
                source.load()
                image = transforms.upright(source, transforms.orientation_of(source))
                yield path, image.convert("RGB"), path.stat().st_size


def encode_all(images, format_name, settings):
    handler = formats.encoder_for(format_name)
    total, values, started = 0, [], time.perf_counter()
    for _, image, size in images:
        job = Job(settings=settings, source_format="PNG", source_size=size)
        encoded = handler.encode(handler.prepare(image, settings), job)
        total += len(encoded.data)
        with Image.open(io.BytesIO(encoded.data)) as decoded:
            values.append(metrics.ssim(image, decoded.convert("RGB")))
    return total, values, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path,
                        default=REPO.parent / "shared" / "corpus" / "photos")
    parser.add_argument("--target", type=float, default=0.97)
    args = parser.parse_args()
    images = list(photos(args.folder))
    original = sum(size for _, _, size in images)
    settings = Settings(metric="ssim", target=args.target)
    print(f"{len(images)} photos, {original:,} bytes; every format searched to SSIM {args.target}")
    print(f"{'format':6} {'bytes':>11} {'of original':>12} {'SSIM mean':>10} {'worst':>7} {'seconds':>8}")
    for name in ("JPEG", "WEBP", "AVIF"):
        if not formats.can_write(name):
            print(f"{name:6} (this Pillow cannot write it)")
            continue
        total, values, seconds = encode_all(images, name, settings)
        print(f"{name:6} {total:11,d} {100 * total / original:11.1f}% "
              f"{sum(values) / len(values):10.4f} {min(values):7.4f} {seconds:8.2f}")


if __name__ == "__main__":
    main()
