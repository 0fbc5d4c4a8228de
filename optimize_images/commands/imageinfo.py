"""What -i/--info tells about one image file: what it is, and what a run would do with it.

The file is read and opened as the pipeline reads and opens it (so what the
main command refuses, -i refuses with the same words), and the last line is
the verdict of the pipeline itself, run dry on that one file.
"""

import dataclasses
import warnings
from typing import List, Tuple

from ..common.modes import has_alpha
from ..common.results import FAILED, OPTIMIZED, Result
from ..common.settings import Settings
from ..image import formats, pipeline, reading
from ..image.transforms import orientation_of
from ..run.report import what_happened

VERDICT = "optimize-images"  # the label of the last line
_ORIENTATIONS = {
    1: "upright", 2: "mirrored", 3: "upside down", 4: "upside down and mirrored",
    5: "shown turned 90 degrees clockwise and mirrored", 6: "shown turned 90 degrees clockwise",
    7: "shown turned 90 degrees counter-clockwise and mirrored",
    8: "shown turned 90 degrees counter-clockwise",
}


def file_info(path: str, settings: Settings) -> Tuple[List[Tuple[str, str]], Result]:
    """((label, value) pairs describing the file, the `Result` of a dry run on it).

    The last pair says what a run with `settings` would do, in the run's own
    words. Raises `Fail` (or `Skip`) for a file the pipeline cannot open, as
    the pipeline words it.
    """
    with warnings.catch_warnings():  # about a broken EXIF block, say: past the caller's streams
        warnings.simplefilter("ignore")
        file = reading.read_file(path, settings)
        reading.check_header(file.data[:reading.HEADER_BYTES], settings)
        image, _ = reading.open_image(file.data, settings)
        with image:
            facts = _facts(path, file.size, image, file.data)
    verdict = pipeline.optimize_file(path, dataclasses.replace(settings, dry_run=True))
    return facts + [(VERDICT, _verdict(verdict))], verdict


def _facts(path, size, image, data):
    info = image.info
    facts = [
        ("file", path),
        ("format", image.format),
        ("mode", image.mode),
        ("dimensions", f"{image.width}x{image.height}"),
        ("file size", f"{size:,} bytes"),
        ("frames", str(getattr(image, "n_frames", 1))),
        ("transparency", "yes" if has_alpha(image) else "no"),
        *formats.details(image, data),
        ("EXIF", f"{len(info['exif']):,} bytes" if info.get("exif") else "none"),
        ("orientation", _orientation(orientation_of(image))),
        ("ICC profile", f"{len(info['icc_profile']):,} bytes" if info.get("icc_profile")
         else "none"),
    ]
    if info.get("dpi"):  # from EXIF, Pillow gives IFDRational values: float() reads them
        facts.append(("dpi", "x".join(f"{float(value):g}" for value in info["dpi"])))
    facts.append(("our marker", "yes" if formats.is_marked(image) else "no"))
    return facts


def _orientation(value: int) -> str:
    return f"{value} ({_ORIENTATIONS[value]})" if value in _ORIENTATIONS else str(value)


def _verdict(result: Result) -> str:
    if result.status == OPTIMIZED:
        return f"would optimize it: {what_happened(result)}"
    if result.status == FAILED:
        return f"would fail: {result.reason}"
    return f"would skip it: {result.reason}"

