"""Images the tests make themselves, and a way to run the CLI in-process."""

import contextlib
import dataclasses
import io
import os
import random
import signal
import subprocess

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from optimize_images.cli import main
from optimize_images.common.compat import Resampling


def photo(size=(320, 240), seed=1):
    """A deterministic, photo-like RGB image: gradients, shapes and fine texture."""
    width, height = size
    rng = random.Random(seed)
    noise = Image.frombytes("RGB", size, rng.randbytes(width * height * 3))
    noise = noise.filter(ImageFilter.GaussianBlur(1.2))
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    blue = red.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    base = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(base)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(5, max(6, width // 4))
        color = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)
    return Image.blend(base.filter(ImageFilter.GaussianBlur(0.8)), noise, 0.35)


def drawing(seed, shift=0, size=(64, 48)):
    """Shapes and lines drawn at 4× and reduced: edges with real anti-aliasing."""
    rng = random.Random(seed)
    big = Image.new("RGB", (size[0] * 4, size[1] * 4), "white")
    draw = ImageDraw.Draw(big)
    for _ in range(8):
        x, y = rng.randrange(big.width), rng.randrange(big.height)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x + shift, y, x + shift + rng.randrange(20, 120), y + rng.randrange(20, 90)),
                     fill=colour)
        draw.line((x, y + shift, x + 100, y + 60 + shift), fill=(0, 0, 0), width=6)
    return big.resize(size, Resampling.BOX)


def encode(image, format_name, **params):
    buffer = io.BytesIO()
    image.save(buffer, format_name, **params)
    return buffer.getvalue()


def write(path, image, format_name=None, **params):
    """Save an image made in a test; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode(image, format_name or _format_of(path), **params))
    return path


def _format_of(path):
    return {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP",
            ".gif": "GIF", ".tif": "TIFF", ".bmp": "BMP"}[path.suffix.lower()]


def replace_format(monkeypatch, name, **capabilities):
    """Give the registered format `name` other capabilities for one test (records are
    frozen: the registry gets a changed copy)."""
    from optimize_images.image import formats
    record = dataclasses.replace(formats.FORMATS[name], **capabilities)
    monkeypatch.setitem(formats.FORMATS, name, record)


def without_optional_package(monkeypatch, module):
    """The format of `module` as if its optional package were not installed."""
    opener = dataclasses.replace(module.FORMAT.opener, register=lambda: False)
    replace_format(monkeypatch, module.FORMAT.name, opener=opener)


class SizeOnly:
    """What --max-memory's estimate reads of an image (size, mode), without its pixels."""

    def __init__(self, size, mode):
        self.size, self.mode = size, mode
        self.width, self.height = size


class Run:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


def run_main(entry_point, *argv):
    """Run a command's main(argv, stdout=..., stderr=...) in-process; its Run."""
    out, err = io.StringIO(), io.StringIO()
    code = entry_point([str(arg) for arg in argv], stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def run_cli(*argv):
    return run_main(main, *argv)


def planted(image, box, colour=(20, 200, 40)):
    """A copy with the box replaced by a flat, unrelated colour."""
    changed = image.copy()
    ImageDraw.Draw(changed).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=colour)
    return changed


def opened(path):
    """The image at `path`, fully decoded."""
    with Image.open(path) as image:
        image.load()
        return image


# Reading figures ---------------------------------------------------------------------

PAPER = 250  # a grey level at or above this is paper; darker is ink (text, ticks, drawing)


def ink_bands(image):
    """(top, bottom) of each run of rows that hold ink, in order."""
    grey = image.convert("L")
    bands, top = [], None
    for y in range(grey.height):
        inked = grey.crop((0, y, grey.width, y + 1)).getextrema()[0] < PAPER
        if inked and top is None:
            top = y
        elif not inked and top is not None:
            bands.append((top, y))
            top = None
    if top is not None:
        bands.append((top, grey.height))
    return bands


def ink_crop(image):
    """The image cropped to its ink, in grey."""
    grey = image.convert("L")
    box = grey.point(lambda value: 255 if value < PAPER else 0).getbbox()
    return grey.crop(box) if box else None


def drawn_text(text, text_font, fill=(32, 32, 32)):
    """`text` drawn alone on white, cropped to its ink: how a figure's line of it looks."""
    width, height = text_font.getbbox(text)[2] + 20, text_font.getbbox(text)[3] + 20
    canvas = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(canvas).text((10, 10), text, fill=fill, font=text_font)
    return ink_crop(canvas)


def shows_line(image, text, text_font):
    """Whether one of the image's lines of ink is exactly `text` drawn in that font."""
    expected = drawn_text(text, text_font).tobytes()
    for top, bottom in ink_bands(image):
        found = ink_crop(image.crop((0, top, image.width, bottom)))
        if found is not None and found.tobytes() == expected:
            return True
    return False


def colour_mask(image, colour):
    """An "L" mask, 255 where an RGB image has exactly this colour."""
    mask = Image.new("L", image.size, 255)
    for band, wanted in zip(image.convert("RGB").split(), colour):
        mask = ImageChops.multiply(mask, band.point(
            lambda value, wanted=wanted: 255 if value == wanted else 0))
    return mask


def median_tile_spread(luma, size):
    """The median standard deviation of the image's size × size tiles."""
    spreads = sorted(ImageStat.Stat(luma.crop((x, y, x + size, y + size))).stddev[0]
                     for y in range(0, luma.height - size + 1, size)
                     for x in range(0, luma.width - size + 1, size))
    return spreads[len(spreads) // 2]


@contextlib.contextmanager
def process_groups():
    """`start(*command, **popen_options)`, each command in a process group of its own;
    every process of every group is killed at the end, whatever happened."""
    processes = []

    def start(*command, **options):
        process = subprocess.Popen(command, start_new_session=True, **options)
        processes.append(process)
        return process

    try:
        yield start
    finally:
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()


def lines_naming(run, path):
    """The lines about `path`: results on stdout, failures and problems on stderr, each
    starting with the path and two spaces."""
    return [line for line in run.out.splitlines() + run.err.splitlines()
            if line.split("  ")[0] == str(path)]


def line_for(run, path):
    """The one line about `path`."""
    lines = lines_naming(run, path)
    assert len(lines) == 1, f"{path}: expected one line, got {lines}\n{run.out}{run.err}"
    return lines[0]
