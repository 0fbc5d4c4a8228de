"""How visible each JPEG quality is, photo by photo: a grid of our full encodes judged by butteraugli.

For every photo of the folders given, the upright image is encoded as our final
encode does (the default tables with the chroma floor, the subsampling rule,
optimized Huffman tables, baseline or progressive) at each quality of
--qualities, and each encoding is judged against the image by bytes, full-image
SSIM (luma, Wang et al.'s settings; `metrics.ssim`) and butteraugli:

- photos up to 3.2 MP: butteraugli of the whole image;
- larger photos: butteraugli of four 1024² crops laid out as the photo's shape
  asks (2×2, or 1×4 along a long strip; `judge.crop_boxes`), the photo's
  distance being the largest of the four, as butteraugli's own score is the
  largest distance in its map.

The grid is cached per photo in benchmarks/.cache/visibility/ (keyed by the
file's size and time): a second run is quick. `benchmarks/visible_quality.py`
fits the default's per-photo target on it; this module only builds it.

    python benchmarks/visibility_grid.py FOLDER... [--qualities 30-95/5] [--jobs 2]
"""

import argparse
import hashlib
import io
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageOps

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import judge  # noqa: E402
from optimize_images.measure import metrics  # noqa: E402
from optimize_images.image.formats import jpeg  # noqa: E402
from optimize_images.image.formats.jpeg_tables import estimate_quality, subsampling_of  # noqa: E402
from optimize_images.common.settings import Settings  # noqa: E402

CACHE = HERE / ".cache" / "visibility"
SUFFIXES = (".jpg", ".jpeg", ".png")


def qualities(spec):
    span, step = spec.split("/")
    first, last = map(int, span.split("-"))
    return list(range(first, last + 1, int(step)))


def photos(folders):
    return sorted(path for folder in folders for path in Path(folder).iterdir()
                  if path.suffix.lower() in SUFFIXES)


def upright(path):
    """(upright image ready for JPEG, its facts as a search would know them)."""
    with Image.open(path) as source:
        source.load()
        is_jpeg = source.format == "JPEG"
        facts = {"format": source.format, "bytes": path.stat().st_size,
                 "quality": estimate_quality(source) if is_jpeg else None,
                 "subsampling": subsampling_of(source) if is_jpeg else None}
        image = jpeg.prepare(ImageOps.exif_transpose(source), Settings())
    facts.update(width=image.width, height=image.height)
    return image, facts


def encode(image, level, source_subsampling, settings=Settings()):
    """Our final encode at `level` (what `jpeg.encode` writes after its search)."""
    coding = {"qtables": jpeg.tables_for(image.mode, settings, level),
              "subsampling": jpeg.subsampling_for(image.mode, settings, source_subsampling),
              "optimize": True}
    return jpeg._in_fewer_bytes(image, coding, {})


def cache_path(path):
    stat = path.stat()
    key = hashlib.sha1(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return CACHE / f"{path.stem}-{key.hexdigest()[:10]}.json"


def judge_level(task):
    """One cell of the grid: (quality, {bytes, ssim, butteraugli: [per crop]})."""
    path, level = task
    image, facts = upright(path)
    data = encode(image, level, facts["subsampling"])
    with Image.open(io.BytesIO(data)) as decoded:
        result = decoded.convert(image.mode)
    distances = [judge.butteraugli(image.crop(box), result.crop(box), upright=False)
                 for box in judge.crop_boxes(image.size)]
    return level, {"bytes": len(data), "ssim": metrics.ssim(image, result),
                   "butteraugli": distances}


def grid(paths, levels, jobs):
    """path → {"facts": ..., "levels": {quality: cell}}, from the cache where it can."""
    CACHE.mkdir(parents=True, exist_ok=True)
    found, tasks = {}, []
    for path in paths:
        cached = cache_path(path)
        entry = json.loads(cached.read_text()) if cached.exists() else None
        if entry is None:
            entry = {"facts": upright(path)[1], "levels": {}}
        found[path] = entry
        tasks += [(path, level) for level in levels if str(level) not in entry["levels"]]
    if tasks:
        print(f"judging {len(tasks)} encodings...", file=sys.stderr, flush=True)
        with ProcessPoolExecutor(jobs) as pool:
            for (path, _), (level, cell) in zip(tasks, pool.map(judge_level, tasks)):
                found[path]["levels"][str(level)] = cell
                cache_path(path).write_text(json.dumps(found[path]))
    return {path: {"facts": entry["facts"],
                   "levels": {int(level): cell for level, cell in entry["levels"].items()}}
            for path, entry in found.items()}


def grid_from_cache(paths):
    """path → grid entry (as `grid` gives it) for the photos already in the cache."""
    found = {}
    for path in paths:
        cached = cache_path(path)
        if cached.exists():
            entry = json.loads(cached.read_text())
            found[path] = {"facts": entry["facts"],
                           "levels": {int(level): cell
                                      for level, cell in entry["levels"].items()}}
    return found


def distance(cell):
    """A grid cell's butteraugli: the largest over its crops."""
    return max(cell["butteraugli"])


def smallest_within(entry, bound, *, min_savings=0.01):
    """(bytes, butteraugli) of the smallest encoding within `bound`, as a run would keep
    it: below the source's own quality and at least `min_savings` smaller; else None."""
    facts = entry["facts"]
    ceiling = facts["quality"] or 101
    fits = [(cell["bytes"], distance(cell)) for level, cell in entry["levels"].items()
            if level < ceiling and distance(cell) <= bound
            and cell["bytes"] <= (1 - min_savings) * facts["bytes"]]
    return min(fits) if fits else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--qualities", default="30-95/5")
    parser.add_argument("--jobs", type=int, default=2)
    arguments = parser.parse_args(argv)
    if not judge.have_butteraugli():
        sys.exit("butteraugli is not installed (apt-get install butteraugli)")
    levels = qualities(arguments.qualities)
    for path, entry in grid(photos(arguments.folders), levels, arguments.jobs).items():
        cells = entry["levels"]
        print(path.name, " ".join(f"{level}:{distance(cells[level]):.2f}" for level in levels))


if __name__ == "__main__":
    main()
