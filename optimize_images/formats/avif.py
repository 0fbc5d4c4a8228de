"""AVIF: read and converted; written (where this Pillow has the codec) at the searched quality."""

from .base import (Role, encode_searched, lossy_source, rgb_or_rgba, roundtrip_with,
                   xmp_is_marked)

NAME = "AVIF"
EXTENSIONS = (".avif",)
ROLE = Role.CONVERT_ONLY
CODEC = "avif"
inspect = lossy_source
prepare = rgb_or_rgba
is_marked = xmp_is_marked


def encode(image, job):
    return encode_searched(image, job, NAME, roundtrip_with(NAME))
