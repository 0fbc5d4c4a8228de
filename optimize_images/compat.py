"""Pillow API differences, resolved once (Pillow 9.5 up to the newest)."""

from PIL import Image

# Enums arrived in Pillow 9.1 and the plain module constants left in 10.0.
Resampling = getattr(Image, "Resampling", Image)
Transpose = getattr(Image, "Transpose", Image)
Quantize = getattr(Image, "Quantize", Image)
Dither = getattr(Image, "Dither", Image)
