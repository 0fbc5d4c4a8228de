"""BMP: read and converted (with -ca or -cf), never rewritten in place."""

from .base import Role, lossless_source

NAME = "BMP"
EXTENSIONS = (".bmp",)
ROLE = Role.CONVERT_ONLY
inspect = lossless_source
