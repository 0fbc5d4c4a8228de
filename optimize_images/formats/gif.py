"""GIF: a lossless re-save with an optimized palette; animations only when nothing is lost."""

import io

from PIL import Image, ImageSequence

from ..errors import Skip
from .base import MARKER, MARKER_TEXT, Encoded, Role, lossless_source, save_to_bytes

NAME = "GIF"
EXTENSIONS = (".gif",)
ROLE = Role.IN_PLACE
CODEC = None  # always built in
BYTES_PER_PIXEL = 4  # the memory the work needs, a pixel (see working_memory)
inspect = lossless_source


def prepare(image, settings):
    if image.mode in ("P", "L", "1"):
        return image
    return image.convert("P", palette=Image.ADAPTIVE)


def encode(image, job):
    return Encoded(save_to_bytes(image, NAME, optimize=True, comment=MARKER_TEXT.encode()))


def encode_animation(source, job):
    """Re-save every frame; Skip unless frames, durations and loop all survive."""
    durations = [frame.info.get("duration", 0) for frame in ImageSequence.Iterator(source)]
    source.seek(0)
    params = {"save_all": True, "optimize": True, "duration": durations,
              "comment": MARKER_TEXT.encode()}
    if "loop" in source.info:
        params["loop"] = source.info["loop"]
    data = save_to_bytes(source, NAME, **params)
    source.seek(0)
    if not _same_animation(source, data):
        raise Skip("animated GIF: a re-save would not keep every frame as it is")
    return Encoded(data)


def _same_animation(source, data):
    """Every frame renders the same, with the same duration and loop count."""
    with Image.open(io.BytesIO(data)) as copy:
        if copy.n_frames != source.n_frames or copy.info.get("loop") != source.info.get("loop"):
            return False
        for original, resaved in zip(ImageSequence.Iterator(source), ImageSequence.Iterator(copy)):
            if original.info.get("duration", 0) != resaved.info.get("duration", 0):
                return False
            if original.convert("RGBA").tobytes() != resaved.convert("RGBA").tobytes():
                return False
    source.seek(0)
    return True


def working_memory(job):
    """(bytes a pixel of the image that the work needs, what it is), as
    benchmarks/memory.py measured them."""
    return BYTES_PER_PIXEL, "GIF"


def is_marked(image):
    return (image.info.get("comment") or b"").startswith(MARKER.encode())
