"""Images the tests make themselves, and a way to run the CLI in-process."""

import io
import random

from PIL import Image, ImageDraw, ImageFilter

from optimize_images.cli import main


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
