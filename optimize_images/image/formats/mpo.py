"""MPO: a JPEG holding several pictures (stereo pairs, previews); looked at and left
alone, so that none of its pictures is lost. (With one picture, Pillow calls it JPEG.)"""

from .base import lossy_source
from .contract import Format, Role

NAME = "MPO"
inspect = lossy_source

FORMAT = Format(name=NAME, extensions=(".mpo",), role=Role.LEFT_ALONE, inspect=inspect)
