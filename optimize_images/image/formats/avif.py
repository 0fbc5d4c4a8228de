"""AVIF: read and converted; written (where this Pillow has the codec) at the searched quality."""

from PIL import Image

from .base import Encoded, Job, WorkingMemory, lossy_source, rgb_or_rgba, xmp_is_marked
from .contract import Format, Role
from .lossy import encode_searched, roundtrip_with

NAME = "AVIF"
BYTES_PER_PIXEL = 35  # the memory the work needs, a pixel (see working_memory)
inspect = lossy_source
prepare = rgb_or_rgba
is_marked = xmp_is_marked


def working_memory(job: Job) -> WorkingMemory:
    """(bytes a pixel of the image that the work needs, what it is), as
    benchmarks/memory.py measured them."""
    return BYTES_PER_PIXEL, "AVIF"


def encode(image: Image.Image, job: Job) -> Encoded:
    return encode_searched(image, job, NAME, roundtrip_with(NAME))


FORMAT = Format(
    name=NAME, extensions=(".avif",), role=Role.CONVERT_ONLY, inspect=inspect, codec="avif",
    prepare=prepare, encode=encode, is_marked=is_marked, working_memory=working_memory)
