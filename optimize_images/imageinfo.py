"""What -i/--info tells about one image file."""

import os
import warnings

from PIL import Image

from .errors import Fail
from .modes import has_alpha
from .transforms import orientation_of


def image_facts(path):
    """(label, value) pairs describing the file.

    Raises `Fail` for what is not a regular file (a FIFO would block), and
    whatever Pillow raises for what it cannot read. Pillow's warnings (about
    a broken EXIF block, say) are not shown: they would go past the streams
    the caller gave.
    """
    if not os.path.isfile(path):
        raise Fail("not a regular file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _facts(path)


def _facts(path):
    with Image.open(path) as image:
        facts = [
            ("file", path),
            ("file size", f"{os.path.getsize(path):,} bytes"),
            ("format", image.format),
            ("mode", image.mode),
            ("dimensions", f"{image.width}x{image.height}"),
            ("frames", getattr(image, "n_frames", 1)),
            ("transparency", "yes" if has_alpha(image) else "no"),
            ("EXIF", f"{len(image.info['exif']):,} bytes" if image.info.get("exif") else "none"),
            ("orientation", orientation_of(image)),
            ("ICC profile",
             f"{len(image.info['icc_profile']):,} bytes" if image.info.get("icc_profile")
             else "none"),
        ]
        if image.format == "JPEG":
            facts.append(("progressive", "yes" if image.info.get("progressive") else "no"))
        if image.info.get("dpi"):
            facts.append(("dpi", "x".join(f"{value:g}" for value in image.info["dpi"])))
    return facts
