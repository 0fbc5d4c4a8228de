"""A stress set of photos for the quality search, made again from ../shared/corpus on demand.

The corpus is mostly small camera JPEGs. What it lacks, and what broke the
search's promise on photos we did not have, is made here from its photos:

- grain:   upscales to 8-40 MP with sensor-like grain at ISO-like levels (luma
           noise that grows with brightness, slightly correlated as demosaicing
           leaves it, and coarser chroma noise), and one clean upscale;
- noisy:   photos at their own size with heavy grain;
- pano:    stitched panoramas (photos side by side) and a wide crop, 6:1 to 8:1;
- cubemap: six faces from six photos stacked into a 1:6 image, as 360° renders
           ship them;
- tall:    tall and wide strips, 1:8 to 8:1;
- sky:     crops that are mostly sky, from upscaled photos with a little grain;
- padded:  small detailed subjects on flat grey or a smooth gradient, as
           product shots and photos pasted on backdrops are;
- tiny:    photos of 0.05-0.1 MP.

Every photo is saved as a camera would: JPEG at quality 95 with libjpeg's
tables, 4:2:0. The grain is drawn from a seeded generator, so the same corpus
gives the same files. The kind of a photo is its file name up to the first
'-'. Needs numpy (a benchmark extra).

    python benchmarks/stress_photos.py [OUTPUT] [--corpus ../shared/corpus] [--only NAME...]

OUTPUT defaults to benchmarks/.cache/stress (git-ignored); files already
there are kept unless --force.
"""

import argparse
import sys
from pathlib import Path

import numpy
from PIL import Image, ImageOps

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"
DEFAULT_OUTPUT = HERE / ".cache" / "stress"
LANCZOS = Image.Resampling.LANCZOS if hasattr(Image, "Resampling") else Image.LANCZOS
BLOCK = 16  # sizes are kept on JPEG's MCU grid


def load(corpus, name):
    """A corpus photo, upright RGB (names without a folder are in photos/)."""
    path = corpus / (name if "/" in name else f"photos/{name}")
    with Image.open(path) as image:
        image.load()
        return ImageOps.exif_transpose(image).convert("RGB")


def scaled(image, factor):
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, LANCZOS)


def to_megapixels(image, megapixels):
    return scaled(image, (megapixels * 1e6 / (image.width * image.height)) ** 0.5)


def fitted(image, width, height):
    """The image cropped to the aspect of width × height, centred, then resized to it."""
    return ImageOps.fit(image, (width, height), LANCZOS)


def strip(image, aspect, at=0.5):
    """The full-height (aspect < 1) or full-width strip of width/height `aspect`, its
    centre at fraction `at` across the image."""
    w, h = image.size
    if aspect < 1:
        width = round(h * aspect)
        left = min(max(0, round(at * w - width / 2)), w - width)
        return image.crop((left, 0, left + width, h))
    height = round(w / aspect)
    top = min(max(0, round(at * h - height / 2)), h - height)
    return image.crop((0, top, w, top + height))


def crop_fraction(image, left, top, right, bottom):
    w, h = image.size
    return image.crop((round(left * w), round(top * h), round(right * w), round(bottom * h)))


def _smoothed(field):
    """A 1-2-1 blur in both directions, rescaled to keep unit deviation: noise that
    neighbouring pixels share a little, as a demosaiced sensor's does."""
    for axis in (0, 1):
        field = (numpy.roll(field, 1, axis) + 2 * field + numpy.roll(field, -1, axis)) / 4
    return field / 0.375


def grained(image, level, seed):
    """Sensor-like grain of about `level` grey levels (mid-grey), in YCbCr.

    Luma noise grows with the square root of the brightness above a read-noise
    floor; chroma noise is drawn at half resolution, so it comes in blotches.
    Worked in bands of rows to bound memory on 40 MP images.
    """
    if level <= 0:
        return image
    generator = numpy.random.default_rng(seed)
    ycc = image.convert("YCbCr")
    width, height = ycc.size
    out = Image.new("YCbCr", ycc.size)
    band = 512
    for top in range(0, height, band):
        part = numpy.asarray(ycc.crop((0, top, width, min(height, top + band))),
                             dtype=numpy.float32)
        rows = part.shape[0]
        luma = _smoothed(generator.standard_normal((rows, width), dtype=numpy.float32))
        part[..., 0] += level * numpy.sqrt(0.2 + part[..., 0] / 160) * luma
        for channel in (1, 2):
            half = generator.standard_normal(((rows + 1) // 2, (width + 1) // 2),
                                             dtype=numpy.float32)
            blotches = numpy.repeat(numpy.repeat(_smoothed(half), 2, 0), 2, 1)[:rows, :width]
            part[..., channel] += 0.6 * level * blotches
        out.paste(Image.fromarray(numpy.clip(part + 0.5, 0, 255).astype(numpy.uint8), "YCbCr"),
                  (0, top))
    return out.convert("RGB")


def stacked(images, vertical):
    width = images[0].width if vertical else sum(image.width for image in images)
    height = sum(image.height for image in images) if vertical else images[0].height
    out = Image.new("RGB", (width, height))
    at = 0
    for image in images:
        out.paste(image, (0, at) if vertical else (at, 0))
        at += image.height if vertical else image.width
    return out


def gradient(width, height, top, bottom):
    """A smooth vertical gradient from colour `top` to colour `bottom`, as a clear sky."""
    ramp = numpy.linspace(0.0, 1.0, height, dtype=numpy.float32)[:, None, None]
    colours = numpy.asarray(top, numpy.float32) * (1 - ramp) + numpy.asarray(
        bottom, numpy.float32) * ramp
    return Image.fromarray(numpy.broadcast_to(colours, (height, width, 3)).round().astype(
        numpy.uint8), "RGB")


def padded(subject, background, place=(0.5, 0.55)):
    out = background.copy()
    left = round((out.width - subject.width) * place[0])
    top = round((out.height - subject.height) * place[1])
    out.paste(subject, (left, top))
    return out


def on_grid(image):
    """Cropped to whole 16-px blocks, as camera sizes are."""
    width, height = image.width // BLOCK * BLOCK, image.height // BLOCK * BLOCK
    return image if (width, height) == image.size else image.crop((0, 0, width, height))


def recipes(corpus):
    """name → a function making that photo (RGB, before the camera's JPEG)."""
    def photo(name):
        return load(corpus, name)

    faces = ("DSCN0012.jpg", "DSCN0021.jpg", "olympus-c960.jpg", "DSCN0040.jpg",
             "nikon-e950.jpg", "sanyo-vpcg250.jpg")
    pano_frames = ("DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg", "DSCN0027.jpg",
                   "DSCN0040.jpg", "sony-cybershot.jpg")
    return {
        "grain-08mp-iso6400": lambda: grained(photo("jolla.jpg"), 8, 1),
        "grain-12mp-iso3200": lambda: grained(to_megapixels(photo("canon_hdr_NO.jpg"), 12), 6, 2),
        "grain-16mp-iso400": lambda: grained(to_megapixels(photo("Reconyx_HC500_Hyperfire.jpg"),
                                                             16), 2, 3),
        "grain-20mp-clean": lambda: to_megapixels(photo("metadata/xmp_test.jpg"), 20),
        "grain-24mp-iso1600": lambda: grained(to_megapixels(photo("jolla.jpg"), 24), 4.5, 4),
        "grain-40mp-iso800": lambda: grained(to_megapixels(photo("DSCN0021.jpg"), 40), 3, 5),
        "noisy-02mp-iso3200": lambda: grained(photo("metadata/xmp_test.jpg"), 6, 6),
        "noisy-03mp-iso1600": lambda: grained(photo("Reconyx_HC500_Hyperfire.jpg"), 4, 7),
        "pano-stitched-8to1": lambda: stacked([photo(name) for name in pano_frames], False),
        "pano-stitched-14mp": lambda: grained(stacked(
            [scaled(photo(name), 3) for name in pano_frames[:5]], False), 2, 8),
        "pano-wide-6to1": lambda: grained(strip(scaled(photo("olympus-c960.jpg"), 6), 6, 0.45), 1, 16),
        "cubemap-1024": lambda: stacked([fitted(photo(name), 1024, 1024) for name in faces],
                                        True),
        "cubemap-2048": lambda: grained(stacked([fitted(photo(name), 2048, 2048)
                                                 for name in faces], True), 1.5, 9),
        "tall-1to8-2mp": lambda: strip(to_megapixels(photo("canon_hdr_NO.jpg"), 16), 1 / 8, 0.5),
        "tall-1to4-tower": lambda: strip(scaled(photo("DSCN0042.jpg"), 2.5), 1 / 4, 0.4),
        "tall-8to1-strip": lambda: fitted(photo("DSCN0012.jpg"), 960, 120),
        "sky-blue-2mp": lambda: grained(crop_fraction(scaled(photo("olympus-c960.jpg"), 3),
                                                      0, 0, 1, 0.62), 1.5, 10),
        "sky-dusk-4mp": lambda: grained(crop_fraction(scaled(photo("sanyo-vpcg250.jpg"), 4),
                                                      0, 0, 1, 0.7), 2, 11),
        "sky-cloudy-1mp": lambda: grained(crop_fraction(scaled(photo("sony-cybershot.jpg"), 2),
                                                        0, 0, 1, 0.55), 1, 12),
        "padded-grey-4mp": lambda: grained(padded(photo("chelsea.png"),
                                                  Image.new("RGB", (2400, 1600), (128, 126, 122))),
                                           1, 13),
        "padded-gradient-6mp": lambda: grained(padded(photo("coffee.png"), gradient(
            3000, 2000, (96, 142, 201), (203, 221, 236))), 0.8, 14),
        "padded-flat-1mp": lambda: padded(fitted(photo("astronaut.png"), 256, 256),
                                          Image.new("RGB", (1024, 1024), (240, 240, 240))),
        "padded-small-12mp": lambda: grained(padded(fitted(photo("fujifilm-mx1700.jpg"), 320, 320),
                                                    gradient(4000, 3000, (70, 110, 170),
                                                             (225, 215, 200))), 1.2, 15),
        "tiny-005mp": lambda: fitted(photo("DSCN0040.jpg"), 256, 192),
        "tiny-01mp": lambda: fitted(photo("chelsea.png"), 384, 256),
    }


def make(name, recipe, output, force):
    path = output / f"{name}.jpg"
    if path.exists() and not force:
        return path, "kept"
    image = on_grid(recipe())
    partial = path.with_suffix(".part")
    image.save(partial, "JPEG", quality=95, subsampling=2)
    partial.replace(path)
    return path, f"made {image.width}x{image.height}"


def kind_of(path):
    """The kind of a stress photo: its file name up to the first '-'."""
    return Path(path).name.split("-")[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", nargs="*", help="make only these names")
    parser.add_argument("--force", action="store_true", help="make again files already there")
    arguments = parser.parse_args(argv)
    if not (arguments.corpus / "photos").is_dir():
        sys.exit(f"no corpus at {arguments.corpus}")
    arguments.output.mkdir(parents=True, exist_ok=True)
    for name, recipe in recipes(arguments.corpus).items():
        if arguments.only and name not in arguments.only:
            continue
        path, what = make(name, recipe, arguments.output, arguments.force)
        print(f"{path.name}: {what} ({path.stat().st_size / 1e6:.1f} MB)", flush=True)


if __name__ == "__main__":
    main()
