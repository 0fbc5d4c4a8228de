"""TIFF: read and converted (with -ca or -cf), never rewritten in place."""

from .base import lossless_source
from .contract import Format, Role

NAME = "TIFF"
inspect = lossless_source

FORMAT = Format(name=NAME, extensions=(".tif", ".tiff"), role=Role.CONVERT_ONLY, inspect=inspect)
