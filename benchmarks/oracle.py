"""Which JPEG encodings the eye prefers: a grid judged by butteraugli, and policies over it.

Every JPEG photo of a folder is encoded as our final encode does (optimized
Huffman tables, progressive) in several *variants*, at each quality of
--qualities, and judged against its upright original by bytes, full-image SSIM
(ours, equal to scikit-image's to 1e-7) and butteraugli (photos up to
--butteraugli-max-mp megapixels). A variant is:

- a table family: libjpeg's standard tables, or mozjpeg's table 3 (for luma
  and chroma alike), scaled by quality as libjpeg scales its own;
- a chroma step: the chroma table is taken at quality + step (0, or finer
  chroma for a few more bytes);
- a chroma subsampling: 4:2:0, or a finer one the source itself had.

Luma SSIM does not depend on the chroma step or the subsampling, so those
variants are encoded only at qualities whose SSIM lies in --ssim-window. The
grid is cached in benchmarks/.cache/oracle-<folder>.json: a second run is quick.

Then each policy "the smallest encoding whose full-image SSIM reaches T, with
these tables, chroma step and subsampling rule, never below --floor" is scored
as a run would be: a photo whose answer is not below its own estimated quality,
or saves less than 1%, is left as it is (distance 0). It prints bytes saved,
SSIM mean/worst and butteraugli mean/max per policy beside the peer's real
outputs (optimize-images 2.2.0 from benchmarks/.peer-venv, when present), and
marks the policies that meet the issue's four targets against the peer. This
is how the default target, tables and subsampling were chosen: by an
independent judge, never by the SSIM the search optimizes.

    apt-get install butteraugli
    python benchmarks/oracle.py [FOLDER...] [--qualities 30-95/3] [--targets 0.97,0.975]
"""

import argparse
import io
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from itertools import product
from pathlib import Path

from PIL import Image, ImageOps, JpegImagePlugin

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from judge import butteraugli, have_butteraugli, mean  # noqa: E402
from optimize_images.measure import metrics  # noqa: E402
from optimize_images.image.formats import jpeg_tables  # noqa: E402

DEFAULT_FOLDER = HERE.parent.parent / "shared" / "corpus" / "photos"
CACHE = HERE / ".cache"
FAMILIES = ("standard", "mozjpeg")
SUBSAMPLING_NAMES = {0: "444", 1: "422", 2: "420"}
# Subsampling rules of a policy: what to encode for a source's own subsampling.
SUBSAMPLING_RULES = {
    "420": lambda own: 2,
    "keep": lambda own: own if own in (0, 1) else 2,
    "keep422": lambda own: 1 if own in (0, 1) else 2,  # 4:4:4 sources get 4:2:2
}
TARGETS = {"points": 3.0, "mean_ratio": 0.9, "ssim_worst": 0.967}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT_FOLDER])
    parser.add_argument("--qualities", default="30-95/3",
                        help="FIRST-LAST/STEP (default: %(default)s; 95 is always added)")
    parser.add_argument("--chroma-steps", default="0,15")
    parser.add_argument("--ssim-window", default="0.95,0.995",
                        help="SSIM range where variants other than plain 4:2:0 are encoded")
    parser.add_argument("--targets", default="0.965,0.97,0.975,0.978,0.98,0.985")
    parser.add_argument("--floor", type=int, default=50,
                        help="policies never choose a quality below this (the search's "
                             "--min-quality; default: %(default)s)")
    parser.add_argument("--butteraugli-max-mp", type=float, default=3.2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--all", action="store_true",
                        help="print every policy, not only the best few per family")
    parser.add_argument("--peer-venv", type=Path, default=HERE / ".peer-venv")
    return parser.parse_args(argv)


def qualities(spec):
    span, step = spec.split("/")
    first, last = map(int, span.split("-"))
    return sorted(set(range(first, last + 1, int(step))) | {95})


# The grid ---------------------------------------------------------------------

def upright(path):
    with Image.open(path) as source:
        source.load()
        info = {"quality": jpeg_tables.estimate_quality(source),
                "subsampling": JpegImagePlugin.get_sampling(source)}
        image = ImageOps.exif_transpose(source).convert("RGB")
    return image, info


def tables(family, chroma_step, level):
    luma, chroma = ((jpeg_tables.MOZJPEG_TABLE, jpeg_tables.MOZJPEG_TABLE)
                    if family == "mozjpeg" else jpeg_tables.standard_tables())
    return [jpeg_tables.scaled(luma, level),
            jpeg_tables.scaled(chroma, min(100, level + chroma_step))]


def encode(image, family, chroma_step, subsampling, level):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", optimize=True, progressive=True, subsampling=subsampling,
               qtables=tables(family, chroma_step, level))
    return buffer.getvalue()


def judge_one(task):
    """One grid cell: (key, {bytes, ssim, butteraugli})."""
    path, family, chroma_step, subsampling, level, with_butteraugli = task
    image, _ = upright(path)
    data = encode(image, family, chroma_step, subsampling, level)
    decoded = Image.open(io.BytesIO(data)).convert("RGB")
    row = {"bytes": len(data), "ssim": metrics.ssim(image, decoded)}
    row["butteraugli"] = butteraugli(image, decoded) if with_butteraugli else None
    return cell_key(path, family, chroma_step, subsampling, level), row


def cell_key(photo, family, chroma_step, subsampling, level):
    """The cache key of one cell; `photo` is a path or a file name."""
    name = getattr(photo, "name", photo)
    return f"{name}|{family}|+{chroma_step}|{SUBSAMPLING_NAMES[subsampling]}|{level}"


def load_cache(folder):
    """The folder's cached cells; keys of the first version (no chroma step) read as +0."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"oracle-{folder.name}.json"
    cache = json.loads(path.read_text()) if path.exists() else {}
    for key in [key for key in cache if key.count("|") == 3]:
        name, family, subsampling, level = key.split("|")
        cache[f"{name}|{family}|+0|{subsampling}|{level}"] = cache.pop(key)
    return path, cache


def finer_subsamplings(own):
    """4:2:0 and every finer subsampling the source itself has."""
    return {2: [2], 1: [2, 1], 0: [2, 1, 0]}.get(own, [2])


def missing_cells(photos, levels, chroma_steps, window, cache, max_pixels):
    """Plain 4:2:0 at every level first; the other variants where SSIM is in the window."""
    for path, (image, info) in photos.items():
        judged = image.width * image.height <= max_pixels
        for family, level in product(FAMILIES, levels):
            base = cell_key(path, family, 0, 2, level)
            if base not in cache:
                yield base, (path, family, 0, 2, level, judged)
                continue
            if not window[0] <= cache[base]["ssim"] <= window[1]:
                continue
            for step, subsampling in product(chroma_steps, finer_subsamplings(info["subsampling"])):
                key = cell_key(path, family, step, subsampling, level)
                if key not in cache:
                    yield key, (path, family, step, subsampling, level, judged)


def fill_grid(photos, levels, arguments, cache, cache_path):
    chroma_steps = [int(step) for step in arguments.chroma_steps.split(",")]
    window = [float(value) for value in arguments.ssim_window.split(",")]
    max_pixels = arguments.butteraugli_max_mp * 1e6
    for phase in ("4:2:0 at every quality", "other variants in the SSIM window"):
        tasks = [task for _, task in missing_cells(photos, levels, chroma_steps, window, cache,
                                                   max_pixels)]
        print(f"{folder_name(photos)}: {len(tasks)} cells to compute ({phase})", flush=True)
        with ProcessPoolExecutor(arguments.jobs) as pool:
            for done, (key, row) in enumerate(pool.map(judge_one, tasks, chunksize=2), 1):
                cache[key] = row
                if done % 100 == 0 or done == len(tasks):
                    cache_path.write_text(json.dumps(cache))
                    print(f"  {done}/{len(tasks)}", flush=True)


def folder_name(photos):
    return next(iter(photos)).parent.name if photos else "-"


# Policies ---------------------------------------------------------------------

class Policy:
    def __init__(self, family, chroma_step, subsampling_rule, target):
        self.family, self.chroma_step = family, chroma_step
        self.subsampling_rule, self.target = subsampling_rule, target

    @property
    def label(self):
        return (f"{self.family} chroma+{self.chroma_step} {self.subsampling_rule} "
                f"SSIM>={self.target:g}")

    def choose(self, photo, info, cache, levels):
        """The smallest encoding reaching the target under the photo's own quality, or None."""
        subsampling = SUBSAMPLING_RULES[self.subsampling_rule](info["subsampling"])
        families = FAMILIES if self.family == "best" else (self.family,)
        best = None
        for family in families:
            for level in levels:
                if info["quality"] is not None and level >= info["quality"]:
                    break
                # None below the SSIM window, where no target of ours is reached
                row = cache.get(cell_key(photo, family, self.chroma_step, subsampling, level))
                if row is not None and row["ssim"] >= self.target:
                    if best is None or row["bytes"] < best["bytes"]:
                        best = dict(row, level=level, family=family)
                    break
        return best


def score(sizes, chosen):
    """(saved %, ssim mean, ssim worst, butteraugli mean, butteraugli max, n judged)."""
    before = sum(sizes.values())
    after, ssims, distances = 0, [], []
    for photo, size in sizes.items():
        row = chosen.get(photo)
        kept = row is None or row["bytes"] > 0.99 * size
        after += size if kept else row["bytes"]
        ssims.append(1.0 if kept else row["ssim"])
        if kept:
            distances.append(0.0 if row is None or row["butteraugli"] is not None else None)
        else:
            distances.append(row["butteraugli"])
    judged = [value for value in distances if value is not None]
    return (100 * (before - after) / before, mean(ssims), min(ssims),
            mean(judged), max(judged) if judged else float("nan"), len(judged))


def peer_rows(photos, venv):
    """The peer's real outputs, judged like the grid (in the orientation it wrote)."""
    script = venv / "bin" / "optimize-images"
    if not script.exists():
        return None
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "copy"
        copy.mkdir()
        for path in photos:
            (copy / path.name).write_bytes(path.read_bytes())
        subprocess.run([str(script), str(copy)], capture_output=True, check=False)
        rows = {}
        for path, (image, _) in photos.items():
            data = (copy / path.name).read_bytes()
            if data == path.read_bytes():
                continue
            with Image.open(path) as original:
                raw = original.convert("RGB")  # the peer keeps the stored orientation
            decoded = Image.open(io.BytesIO(data)).convert("RGB")
            if decoded.size != raw.size:
                raw = image
            small = raw.width * raw.height <= 3.2e6
            rows[path.name] = {"bytes": len(data), "ssim": metrics.ssim(raw, decoded),
                               "butteraugli": butteraugli(raw, decoded) if small else None}
    return rows


def evaluate(folders, arguments):
    """{folder: (sizes, peer figures, {policy label: figures})}."""
    policies = [Policy(*values) for values in product(
        FAMILIES + ("best",), [int(s) for s in arguments.chroma_steps.split(",")],
        SUBSAMPLING_RULES, [float(t) for t in arguments.targets.split(",")])]
    levels = [level for level in qualities(arguments.qualities) if level >= arguments.floor]
    outcome = {}
    for folder in folders:
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
        photos = {path: upright(path) for path in paths}
        cache_path, cache = load_cache(folder)
        fill_grid(photos, qualities(arguments.qualities), arguments, cache, cache_path)
        infos = {path.name: info for path, (_, info) in photos.items()}
        sizes = {path.name: path.stat().st_size for path in paths}
        peer = peer_rows(photos, arguments.peer_venv)
        figures = {policy.label: score(sizes, {name: policy.choose(name, info, cache, levels)
                                               for name, info in infos.items()})
                   for policy in policies}
        outcome[folder] = (sizes, score(sizes, peer) if peer is not None else None, figures)
    return policies, outcome


def meets(figures, peer):
    saved, _, ssim_worst, distance_mean, distance_max, _ = figures
    return (saved >= peer[0] + TARGETS["points"] and distance_mean <= TARGETS["mean_ratio"] * peer[3]
            and distance_max <= peer[4] and ssim_worst >= TARGETS["ssim_worst"])


def main(argv=None):
    arguments = parse_arguments(argv)
    if not have_butteraugli():
        sys.exit("butteraugli is not installed (apt-get install butteraugli)")
    policies, outcome = evaluate([folder.resolve() for folder in arguments.folders], arguments)
    for folder, (sizes, peer, figures) in outcome.items():
        print(f"\n{folder}: {len(sizes)} JPEGs; butteraugli on photos up to "
              f"{arguments.butteraugli_max_mp:g} MP; unchanged files count 0; "
              f"qualities from {arguments.floor}")
        print(f"{'policy':44} {'saved':>6} {'SSIM mean':>9} {'worst':>6} "
              f"{'butteraugli mean':>16} {'max':>5}")
        if peer is not None:
            print_row("optimize-images 2.2.0 (real run)", peer)
        shown = figures if arguments.all else pareto(figures)
        for label, row in shown.items():
            print_row(label, row, "  <- meets all four targets" if peer and meets(row, peer) else "")


def pareto(figures):
    """The policies no other beats on every count (bytes, SSIM worst, butteraugli mean
    and max), most bytes saved first."""
    def key(row):
        return (row[0], row[2], -row[3], -row[4])

    def dominated(row):
        return any(all(a >= b for a, b in zip(key(other), key(row))) and key(other) != key(row)
                   for other in figures.values())
    front = {label: row for label, row in figures.items() if not dominated(row)}
    return dict(sorted(front.items(), key=lambda item: -item[1][0]))


def print_row(label, figures, note=""):
    saved, ssim_mean, ssim_worst, distance_mean, distance_max, judged = figures
    print(f"{label:44} {saved:5.1f}% {ssim_mean:9.4f} {ssim_worst:6.3f} "
          f"{distance_mean:16.2f} {distance_max:5.2f}  ({judged} judged){note}", flush=True)


if __name__ == "__main__":
    main()
