"""The independent judges the benchmarks use: butteraugli and scikit-image's SSIM.

Neither is what the quality search optimizes at run time (our own Pillow-only
SSIM on a sample), so a setting chosen by them cannot merely confirm itself.

- `butteraugli(reference, candidate)`: Debian's `butteraugli` command (apt-get
  install butteraugli); below 1.0 no visible difference, above 2.0 visible on
  close inspection. None when the command is not installed.
- `full_ssim(a, b)`: SSIM of the full images' lumas with Wang et al.'s
  settings, by scikit-image when installed, else by our own `metrics.ssim`
  (equal to 1e-7; the note printed says which).

Both take Pillow images or paths; images are turned upright (EXIF orientation)
only when asked, since a tool that drops the orientation without turning the
pixels must be compared in the orientation it wrote.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]


def have_butteraugli():
    return shutil.which("butteraugli") is not None


def opened_rgb(source, *, upright=True):
    """A path or image as an RGB image, turned upright if asked."""
    if isinstance(source, Image.Image):
        image = source
    else:
        with Image.open(source) as handle:
            handle.load()
            image = ImageOps.exif_transpose(handle) if upright else handle.copy()
    return image if image.mode == "RGB" else image.convert("RGB")


def butteraugli(reference, candidate, *, upright=True):
    """butteraugli's distance between two images (paths or Pillow images), or None."""
    if not have_butteraugli():
        return None
    with tempfile.TemporaryDirectory(prefix="judge-") as folder:
        names = []
        for index, image in enumerate((reference, candidate)):
            if isinstance(image, (str, Path)) and not upright and Path(image).suffix.lower() in (
                    ".png", ".jpg", ".jpeg"):
                names.append(str(image))
                continue
            name = str(Path(folder) / f"{index}.png")
            opened_rgb(image, upright=upright).save(name, compress_level=1)
            names.append(name)
        done = subprocess.run(["butteraugli", *names], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"butteraugli failed: {done.stderr.strip()}")
    return float(re.findall(r"[-+0-9.eE]+", done.stdout)[0])


# Photos above this many pixels are judged on crops (`crop_boxes`): butteraugli
# takes about a second a megapixel and a few GB on 40 MP.
WHOLE_IMAGE_PIXELS = 3_200_000
CROP_SIDE = 1024


def crop_boxes(size, *, side=CROP_SIDE, whole=WHOLE_IMAGE_PIXELS):
    """Where an image of `size` is judged: the whole image up to `whole` pixels, else
    four crops of side² (or less, on a narrow strip) laid out as its shape asks.

    The crops sit at the centres of a 2×2 grid, or of a 1×4 (4×1) grid along a
    strip at least four times as long as it is wide, so that a panorama or a cube map
    is judged along its length. Fixed positions: every tool is judged on the
    same pixels.
    """
    width, height = size
    if width * height <= whole:
        return [(0, 0, width, height)]
    columns = 4 if width >= 4 * height else 1 if height >= 4 * width else 2
    rows = 4 // columns
    crop_width, crop_height = min(side, width), min(side, height)
    boxes = []
    for row in range(rows):
        for column in range(columns):
            left = round((column + 0.5) * width / columns - crop_width / 2)
            top = round((row + 0.5) * height / rows - crop_height / 2)
            left, top = min(max(0, left), width - crop_width), min(max(0, top), height - crop_height)
            boxes.append((left, top, left + crop_width, top + crop_height))
    return boxes


def ssim_function():
    """(name, ssim(luma_a, luma_b)): scikit-image's when installed, else ours."""
    try:
        import numpy
        from skimage.metrics import structural_similarity
    except ImportError:
        sys.path.insert(0, str(REPO))
        from optimize_images.measure.metrics import ssim
        return "optimize_images.measure.metrics.ssim (scikit-image not installed)", ssim

    def reference(a, b):
        return float(structural_similarity(
            numpy.asarray(a, dtype=numpy.float64), numpy.asarray(b, dtype=numpy.float64),
            gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255))
    return "scikit-image (Wang et al.'s settings)", reference


_SSIM = None


def full_ssim(a, b, *, upright=True):
    """Full-image luma SSIM of two images (paths or Pillow images)."""
    global _SSIM
    if _SSIM is None:
        _SSIM = ssim_function()[1]
    return _SSIM(opened_rgb(a, upright=upright).convert("L"),
                 opened_rgb(b, upright=upright).convert("L"))


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else float("nan")
