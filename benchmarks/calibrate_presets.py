"""Calibrate the --preset targets against an independent judge: butteraugli.

For each photo and each candidate target, the quality search picks a JPEG
quality; the full-size result is then judged by Debian's `butteraugli` tool
(below 1.0: no visible difference; above 2.0: visible on close inspection).
Prints, per target, the mean and worst butteraugli distance, the mean quality
and the bytes saved, so each preset can be set to a target whose results stay
under a chosen distance.

    apt-get install butteraugli
    python benchmarks/calibrate_presets.py [FOLDER] [--metric ssim] [--targets 0.96,0.97,...]
"""

import argparse
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from optimize_images import transforms  # noqa: E402
from optimize_images.errors import Skip  # noqa: E402
from optimize_images.formats import jpeg  # noqa: E402
from optimize_images.formats.base import Job  # noqa: E402
from optimize_images.settings import Settings  # noqa: E402


def upright_rgb(path):
    with Image.open(path) as source:
        source.load()
        quality = jpeg.estimate_quality(source) if source.format == "JPEG" else None
        image = transforms.upright(source, transforms.orientation_of(source)).convert("RGB")
    return image, quality, path.stat().st_size


def butteraugli(reference_png, candidate):
    with tempfile.NamedTemporaryFile(suffix=".png") as handle:
        candidate.save(handle.name)
        done = subprocess.run(["butteraugli", str(reference_png), handle.name],
                              capture_output=True, text=True, check=True)
    return float(re.findall(r"[-+0-9.eE]+", done.stdout)[0])


def judge(photos, metric, target, workdir):
    settings = Settings(metric=metric, target=target)
    rows = []
    for path, (image, source_quality, size) in photos.items():
        job = Job(settings=settings, source_format="JPEG", source_size=size,
                  source_quality=source_quality)
        try:
            encoded = jpeg.encode(image, job)
        except Skip:
            rows.append((0.0, source_quality, size, size))  # left as it is
            continue
        decoded = Image.open(io.BytesIO(encoded.data)).convert("RGB")
        distance = butteraugli(workdir / f"{path.stem}.png", decoded)
        rows.append((distance, encoded.quality, size, len(encoded.data)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path,
                        default=REPO.parent / "shared" / "corpus" / "photos")
    parser.add_argument("--metric", default="ssim", choices=["ssim", "ms-ssim"])
    parser.add_argument("--targets", default="0.95,0.96,0.97,0.975,0.98,0.985,0.99,0.995")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N photos")
    args = parser.parse_args()
    if not shutil.which("butteraugli"):
        sys.exit("butteraugli is not installed (apt-get install butteraugli)")
    paths = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    paths = paths[:args.limit] if args.limit else paths
    photos = {path: upright_rgb(path) for path in paths}
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        for path, (image, _, _) in photos.items():
            image.save(workdir / f"{path.stem}.png")
        print(f"{len(photos)} photos, metric {args.metric}")
        print(f"{'target':>7} {'butteraugli mean':>17} {'worst':>7} {'quality mean':>13} {'saved':>7}")
        for target in (float(value) for value in args.targets.split(",")):
            rows = judge(photos, args.metric, target, workdir)
            distances = [row[0] for row in rows]
            qualities = [row[1] for row in rows if row[1] is not None]
            before, after = sum(row[2] for row in rows), sum(row[3] for row in rows)
            print(f"{target:7.3f} {sum(distances) / len(distances):17.2f} {max(distances):7.2f} "
                  f"{sum(qualities) / len(qualities):13.1f} {100 * (before - after) / before:6.1f}%",
                  flush=True)


if __name__ == "__main__":
    main()
