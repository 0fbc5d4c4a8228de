"""MPO: a JPEG holding several pictures (stereo pairs, previews); looked at and left
alone, so that none of its pictures is lost. (With one picture, Pillow calls it JPEG.)"""

from .base import Role, lossy_source

NAME = "MPO"
EXTENSIONS = (".mpo",)
ROLE = Role.LEFT_ALONE
inspect = lossy_source
