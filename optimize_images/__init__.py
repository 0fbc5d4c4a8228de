"""optimize-images: a portable image optimizer built on Pillow alone."""

from .version import __version__  # noqa: F401
