"""AVIF (where this Pillow was built with it): lossy at the searched quality."""

from .base import (MARKER_XMP, Encoded, choose_quality, rgb_or_rgba, roundtrip_with,
                   save_to_bytes, xmp_is_marked)

NAME = "AVIF"
EXTENSION = ".avif"
is_marked = xmp_is_marked
prepare = rgb_or_rgba


def encode(image, job):
    level, metric, value = choose_quality(image, job.settings, roundtrip_with(NAME))
    data = save_to_bytes(image, NAME, quality=level, icc_profile=job.icc_profile,
                         exif=job.exif, xmp=MARKER_XMP)
    return Encoded(data, quality=level, metric=metric, metric_value=value)
