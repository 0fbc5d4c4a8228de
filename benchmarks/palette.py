"""Lossy palettes (-rc) beside pngquant: bytes, butteraugli and SSIM for each of
Pillow's quantizers, with and without dithering.

Every PNG of the folders (default: the corpus's graphics and its photos saved
as PNG) is reduced to a palette of --colors entries by each variant, then
written by our lossless PNG encoder (Pillow alone), and by `pngquant
--speed 4 COLORS` (apt-get install pngquant; its own file, as users get it).

Variants of Pillow's `quantize`: the method (median cut, maximum coverage,
fast octree) and the mapping of pixels to the palette (nearest colour, or
Floyd-Steinberg dithering through a second `quantize(palette=...)`); an
image with no more colours than the palette holds stays exact in all of
them, as pngquant leaves it. Pillow quantizes RGBA only by fast octree and
maps RGBA only to the nearest colour, so images with transparency get fast
octree whatever the variant says. `-rc` is what the option does now; "-rc
before" what it did before (every image quantized, median cut when opaque).

Judges (benchmarks/judge.py), never what a variant optimizes: butteraugli
of the flattened images (over white and over black, the worse counted) and
full-image SSIM; mean and worst per folder. The variant nearest pngquant is
chosen on one half of the files (alternate names) and reported on the other.

    python benchmarks/palette.py [FOLDER...] [--colors 256]
"""

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.modules["oxipng"] = None  # our bytes: Pillow alone

import judge  # noqa: E402
from optimize_images.common.compat import Dither, Quantize  # noqa: E402
from optimize_images.image.formats import png  # noqa: E402
from optimize_images.image.formats.base import Job  # noqa: E402
from optimize_images.common.modes import has_alpha, opaque_rgb  # noqa: E402
from optimize_images.common.modes import to_8bit  # noqa: E402
from optimize_images.common.settings import Settings  # noqa: E402
from optimize_images.image.transforms import reduce_colors  # noqa: E402

CORPUS = HERE.parent.parent / "shared" / "corpus"
METHODS = {"median cut": Quantize.MEDIANCUT, "max coverage": Quantize.MAXCOVERAGE,
           "fast octree": Quantize.FASTOCTREE}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path,
                        default=[CORPUS / "graphics", CORPUS / "photos"])
    parser.add_argument("--colors", type=int, default=256)
    return parser.parse_args(argv)


def variants(colors):
    """name → function(image) giving the palette image (of the image at 8 bits)."""
    found = {"-rc before (median cut, nearest, always)": lambda image: before(image, colors)}
    for name, method in METHODS.items():
        for dithered in (False, True):
            label = f"{name}, {'dithered' if dithered else 'nearest'}"
            found[label] = (lambda image, method=method, dithered=dithered:
                            quantized(to_8bit(image), colors, method, dithered))
    found["-rc"] = lambda image: reduce_colors(to_8bit(image), colors)
    return found


def before(image, colors):
    """-rc as it was: every image quantized, median cut for opaque ones, fast octree else."""
    if has_alpha(image):
        return image.convert("RGBA").quantize(colors, method=Quantize.FASTOCTREE)
    return image.convert("RGB").quantize(colors, method=Quantize.MEDIANCUT)


def quantized(image, colors, method, dithered):
    """An image with no more colours than the palette holds stays exact (as -rc and
    pngquant leave it); else the method's palette, the pixels dithered or not."""
    alpha = has_alpha(image)
    colour = image.convert("RGBA" if alpha else "RGB")
    if colour.getcolors(colors) is not None:
        return image
    if alpha:
        return colour.quantize(colors, method=Quantize.FASTOCTREE)
    palette = colour.quantize(colors, method=method)
    if not dithered:
        return palette
    return colour.quantize(palette=palette, dither=Dither.FLOYDSTEINBERG)


def our_bytes(image):
    settings = Settings()
    job = Job(settings=settings, source_format="PNG", source_size=0)
    return png.encode(png.prepare(image, settings), job).data


def pngquant_bytes(path, colors, scratch):
    output = scratch / "quantized.png"
    done = subprocess.run(["pngquant", "--force", "--speed", "4", "--output", str(output),
                           str(colors), str(path)], capture_output=True)
    return output.read_bytes() if done.returncode == 0 else None


def judged(original, data):
    with Image.open(io.BytesIO(data)) as result:
        result.load()
        distances = [judge.butteraugli(flat(original, background), flat(result, background),
                                       upright=False)
                     for background in ((255, 255, 255), (0, 0, 0))]
        ssim = judge.full_ssim(flat(original), flat(result), upright=False)
    return max(distances), ssim


def flat(image, background=(255, 255, 255)):
    """Opaque RGB pixels only (no stale transparency key to be written with them); a
    16-bit grey's key applied first (`modes.to_8bit` would carry its 16-bit value)."""
    rgb = opaque_rgb(to_8bit(image), background)
    return Image.frombytes("RGB", image.size, rgb.tobytes())


def measure(folders, colors):
    """[(folder, file name, {variant: (bytes, butteraugli, ssim)})]."""
    rows = []
    found = variants(colors)
    with tempfile.TemporaryDirectory(prefix="palette-") as scratch:
        for folder in folders:
            for path in sorted(folder.glob("*.png")):
                with Image.open(path) as original:
                    original.load()
                    if getattr(original, "n_frames", 1) > 1:
                        continue
                    cells = {}
                    for name, reduce in found.items():
                        data = our_bytes(reduce(original))
                        cells[name] = (len(data), *judged(original, data))
                    quantized_file = pngquant_bytes(path, colors, Path(scratch))
                    if quantized_file is not None:
                        cells["pngquant"] = (len(quantized_file),
                                             *judged(original, quantized_file))
                rows.append((folder.name, path.name, path.stat().st_size, cells))
                print(f"  {folder.name}/{path.name}", flush=True)
    return rows


def summary(rows, names):
    """name → (bytes, butteraugli mean, max, SSIM mean, worst) over `rows`."""
    result = {}
    for name in names:
        cells = [row[3][name] for row in rows if name in row[3]]
        if cells:
            distances, ssims = [c[1] for c in cells], [c[2] for c in cells]
            result[name] = (sum(c[0] for c in cells), judge.mean(distances), max(distances),
                            judge.mean(ssims), min(ssims))
    return result


def print_summary(title, rows, names):
    print(f"\n{title}: {len(rows)} files, {sum(row[2] for row in rows):,} bytes")
    print("| variant | bytes | butteraugli mean / max | SSIM mean / worst |")
    print("|---|---:|---|---|")
    for name, (size, b_mean, b_max, s_mean, s_min) in summary(rows, names).items():
        print(f"| {name} | {size:,} | {b_mean:.2f} / {b_max:.2f} | {s_mean:.4f} / {s_min:.4f} |")


def nearest_pngquant(rows, names):
    """The quantizer variant (not -rc) that comes nearest pngquant's look: the lowest
    butteraugli mean (pngquant's is the lower in every case measured)."""
    table = summary(rows, names)
    return min((name for name in table if name != "pngquant" and name.startswith(tuple(METHODS))),
               key=lambda name: table[name][1])


def main(argv=None):
    arguments = parse_arguments(argv)
    if not judge.have_butteraugli() or not shutil.which("pngquant"):
        print("needs butteraugli and pngquant (apt-get install butteraugli pngquant)")
        return
    names = list(variants(arguments.colors)) + ["pngquant"]
    rows = measure(arguments.folders, arguments.colors)
    for folder in arguments.folders:
        print_summary(folder.name, [row for row in rows if row[0] == folder.name], names)
    fit, held_out = rows[0::2], rows[1::2]
    chosen = nearest_pngquant(fit, names)
    print(f"\nnearest pngquant's butteraugli mean on half the files: {chosen}")
    print_summary("the other half", held_out, [chosen, "-rc", names[0], "pngquant"])


if __name__ == "__main__":
    main()
