"""Draw the figure of docs/diff-and-compare.md that shows the diff strategies side by side.

The pair: samples/chelsea.jpg (A) and the same photo brightened by 20 levels,
as a change of exposure would, with a scratch across the fur that is 20
levels darker than A (B). Every pixel of B then differs from A by 20 levels,
the scratch's as much as the others': the difference map is flat and
pixelmatch (whose threshold 20 levels do not reach) flags nothing, while SSIM
and its gradient see the scratch's structure. Each strategy's picture is
drawn as `optimize-images diff` draws it, legend below, in one labelled grid.

    python benchmarks/diff_figures.py [--output docs/images/diff-strategies.png]
"""

import argparse
import os
import sys

from PIL import Image, ImageDraw

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from optimize_images.draw import diffmap, grid  # noqa: E402
from optimize_images.draw.pictures import write_picture  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
SOURCE = os.path.join(ROOT, "samples", "chelsea.jpg")
CROP = (40, 0, 340, 200)  # the cat's forehead and eyes: fur, a noisy texture
SCRATCH = (200, 40, 250, 120)  # a line across the fur, in the crop's coordinates
LEVELS = 20
STRATEGIES = (("pixelmatch", "ssim", "pixelmatch"), ("difference", "ssim", "difference"),
              ("ssim", "ssim", "ssim"), ("gradient", "ssim", "gradient --metric ssim"))


def pair():
    """(A, B): the photo, and the photo brightened, with a dark scratch."""
    with Image.open(SOURCE) as opened:
        a = opened.convert("RGB").crop(CROP)
    scratch = Image.new("L", a.size, 0)
    ImageDraw.Draw(scratch).line(SCRATCH, fill=255, width=2)
    return a, Image.composite(a.point(lambda value: max(0, value - LEVELS)),
                              a.point(lambda value: min(255, value + LEVELS)), scratch)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(ROOT, "docs", "images",
                                                         "diff-strategies.png"))
    arguments = parser.parse_args(argv)
    a, b = pair()
    tiles = [a, b]
    labels = ["A: samples/chelsea.jpg", f"B: {LEVELS} levels brighter, a scratch {LEVELS} darker"]
    for strategy, metric, label in STRATEGIES:
        _, picture = diffmap.draw(a, b, strategy=strategy, metric=metric, legend="below")
        tiles.append(picture)
        labels.append(f"--strategy {label}")
    figure = grid.montage(tiles, labels, columns=3)
    write_picture(arguments.output, figure)
    print(f"{arguments.output}: {figure.width}x{figure.height}")


if __name__ == "__main__":
    main()
