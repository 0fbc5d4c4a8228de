"""optimize-images: a portable image optimizer built on Pillow alone."""

__version__ = "3.0.0.dev0"
