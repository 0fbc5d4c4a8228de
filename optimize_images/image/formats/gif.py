"""GIF: a lossless re-save with an optimized palette; animations only when nothing is lost."""

from typing import Any, Dict

from PIL import Image, ImageSequence

from ...common.settings import Settings
from .base import MARKER, MARKER_TEXT, Encoded, Job, WorkingMemory, lossless_source, save_to_bytes
from .contract import Format, Role

NAME = "GIF"
BYTES_PER_PIXEL = 4  # the memory the work needs, a pixel (see working_memory)
inspect = lossless_source


def prepare(image: Image.Image, settings: Settings) -> Image.Image:
    if image.mode in ("P", "L", "1"):
        return image
    return image.convert("P", palette=Image.Palette.ADAPTIVE)


def encode(image: Image.Image, job: Job) -> Encoded:
    return Encoded(save_to_bytes(image, NAME, optimize=True, comment=MARKER_TEXT.encode()))


def encode_animation(source: Image.Image, job: Job) -> Encoded:
    """Every frame re-saved, with its duration and the loop count (whether all of them
    survive is checked by the pipeline: `formats.same_animation`)."""
    durations = [frame.info.get("duration", 0) for frame in ImageSequence.Iterator(source)]
    source.seek(0)
    params: Dict[str, Any] = {"save_all": True, "optimize": True, "duration": durations,
              "comment": MARKER_TEXT.encode()}
    if "loop" in source.info:
        params["loop"] = source.info["loop"]
    data = save_to_bytes(source, NAME, **params)
    source.seek(0)
    return Encoded(data)


def working_memory(job: Job) -> WorkingMemory:
    """(bytes a pixel of the image that the work needs, what it is), as
    benchmarks/memory.py measured them."""
    return BYTES_PER_PIXEL, "GIF"


def is_marked(image: Image.Image) -> bool:
    return (image.info.get("comment") or b"").startswith(MARKER.encode())


FORMAT = Format(
    name=NAME, extensions=(".gif",), role=Role.IN_PLACE, inspect=inspect,
    codec=None,  # always built in
    prepare=prepare, encode=encode, is_marked=is_marked, working_memory=working_memory,
    encode_animation=encode_animation)
