"""BMP: read and converted (with -ca or -cf), never rewritten in place."""

from .base import lossless_source
from .contract import Format, Role

NAME = "BMP"
inspect = lossless_source

FORMAT = Format(name=NAME, extensions=(".bmp",), role=Role.CONVERT_ONLY, inspect=inspect)
