"""Every rule that leaves a file alone (`Skip`) or refuses its work (`Fail`), in the order the
work meets them.

Before these, `reading` refuses what cannot be read as an image within the
pixel limit (no such file, not an image, over --max-pixels): those checks
decide how much of a file is read at all. Then, for one image:

1. a read-only file, rewritten in place, is left alone before any work;
2. its format must be one we handle, in a role the options allow, and the
   target's codec present; its format module may refuse it (`inspect`);
   an animation must stay as it is;
3. a file we wrote (our marker) is left alone, unless --force;
4. a symbolic link is not converted;
5. the work must fit within --max-memory;
6. the image must fit in the target format (WebP's largest side);
7. a source already at the quality we would choose gains nothing;
8. an animation's re-save must keep every frame;
9. the result must reach --ssim-min, and
10. be smaller, by --min-savings;
11. when it is written: the file must not have changed meanwhile, and a
    conversion's name must be free.

Formats and the pipeline gather the facts (an `Inspection`, `NoGain`, a
measured SSIM); the decisions and their words are here.
"""

import os
import stat
from typing import Optional

from PIL import Image

from ..common.errors import Fail, Skip
from ..common.settings import Settings
from . import formats, transforms
from .formats.base import EncoderResult
from .reading import SourceFile

ALREADY_OPTIMIZED = "already optimized (it carries our marker; --force redoes it)"
MEGABYTE = 1_000_000
# What flattening a transparent image over the background needs, a pixel: an RGBA PNG
# made JPEG peaked at 17.7 bytes a pixel, an RGB one at 9.0 (benchmarks/memory.py).
FLATTEN_BYTES_PER_PIXEL = 9


# 1. Before any work ----------------------------------------------------------------------

def check_writable_before_work(file: SourceFile, settings: Settings) -> None:
    """A file rewritten in place is refused write permission before any work: nothing could
    be written anyway (see `check_writable`)."""
    rewrites_in_place = (file.on_disk and settings.conversion_target is None
                         and not settings.output_dir and settings.writes_files)
    if rewrites_in_place:
        assert file.status is not None  # it is on disk
        check_writable(file.status)


def check_writable(status: os.stat_result) -> None:
    """A file without write permission says "do not change me", even to root."""
    if not status.st_mode & stat.S_IWUSR:
        raise Skip("read-only file: left alone")


# 2. The format ---------------------------------------------------------------------------

def check_supported(image: Image.Image, data: bytes, settings: Settings) -> formats.Inspection:
    """Skip what we must not touch; return the file's `formats.Inspection`.

    An animation passes only where its format keeps animations and the run
    neither converts nor changes its pixels.
    """
    name = image.format
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and not formats.keeps_animations(name):
        raise Skip(f"{name} with {frames} frames or pictures: left untouched, "
                   "so that none of them is lost")
    if name not in formats.IN_PLACE and name not in formats.CONVERT_ONLY:
        raise Skip(f"{name} is not handled (optimized: {', '.join(formats.IN_PLACE)}; "
                   f"converted: {', '.join(formats.CONVERT_ONLY)})")
    if name in formats.CONVERT_ONLY and not settings.converts_everything:
        raise Skip(f"{name} is only converted, never rewritten in place "
                   "(use -ca or -cf FORMAT)")
    target = settings.conversion_target
    if target and target != name and not formats.can_write(target):
        raise Skip(f"this Pillow cannot write {target}", problem=True)
    inspection = formats.inspect(image, data)
    if inspection.refusal:
        raise Skip(inspection.refusal)
    if frames > 1:
        if target not in (None, name) and settings.converts_everything:
            raise Skip(f"animated {name} ({frames} frames): not converted, "
                       "the target would keep one frame only")
        if changes_pixels(settings):
            raise Skip(f"animated {name} ({frames} frames): resizing or recolouring "
                       "animations is not supported")
    return inspection


def changes_pixels(settings: Settings) -> bool:
    """True when the options change the image's pixels (resizing, grayscale...)."""
    return bool(settings.max_width or settings.max_height or settings.grayscale
                or settings.remove_transparency or settings.reduce_colors)


# 3. Our marker ---------------------------------------------------------------------------

def carries_our_marker(image: Image.Image, settings: Settings) -> bool:
    """True when we wrote the file and --force does not ask to redo it (asked before
    decoding, once)."""
    return not settings.force and formats.is_marked(image)


def check_not_ours(marked: bool, target_format: Optional[str], image: Image.Image) -> None:
    """A file we wrote is left alone unless it is converted to another format (`target_format`
    None: none asked for yet)."""
    if marked and target_format in (None, image.format):
        raise Skip(ALREADY_OPTIMIZED)


# 4. Links --------------------------------------------------------------------------------

def check_link(file: SourceFile, converted: bool, settings: Settings) -> None:
    """A link named on the command line is followed to be optimized in place, but not
    converted: the new file would need a name the link does not point at."""
    if converted and file.on_disk and not settings.output_dir and os.path.islink(file.path):
        raise Skip(f"symbolic link: not converted (name its target, "
                   f"{os.path.realpath(file.path)}, to convert it)")


# 5. Memory -------------------------------------------------------------------------------

def check_memory(source: Image.Image, target: formats.Format, job: formats.Job,
                 settings: Settings) -> None:
    """Fail, before the transforms and the encoding, an image whose work would need
    more than --max-memory.

    The estimate: the format's bytes per pixel of the image it encodes, as
    benchmarks/memory.py measured them for whole runs (decoding, flattening
    for JPEG and encoding); for -rt on a transparent source, the flattening
    too; for a source downsized by -mw/-mh, the decoded source and a copy of
    it beyond that. The largest JPEG or PNG that --max-pixels lets in stays
    within the default; a large WebP or AVIF does not. `target` is the
    `formats.Format` that encodes.
    """
    assert target.working_memory is not None  # a format we write has it (contract.WRITING)
    per_pixel, encoding = target.working_memory(job)
    width, height = transforms.fitted_size(source.size, settings.max_width, settings.max_height)
    result_pixels = width * height
    if settings.remove_transparency and job.source_alpha:
        per_pixel += FLATTEN_BYTES_PER_PIXEL
    beyond = max(0, source.width * source.height - result_pixels)
    needed = result_pixels * per_pixel + 2 * beyond * _bytes_a_pixel(source.mode)
    if needed > settings.max_memory * MEGABYTE:
        raise Fail(f"too large to encode as {encoding} within --max-memory "
                   f"{settings.max_memory} MB: {width}x{height} {source.mode} needs about "
                   f"{needed / MEGABYTE:,.0f} MB (raise --max-memory, or shrink it with "
                   "-mw/-mh)")


def _bytes_a_pixel(mode: str) -> int:
    """What Pillow stores a decoded pixel of `mode` in."""
    return 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4


# 6. The target's limits ------------------------------------------------------------------

def check_fits(image: Image.Image, target: formats.Format) -> None:
    """The image (transformed) must fit within the largest side the target format stores."""
    if target.max_side is not None and max(image.size) > target.max_side:
        raise Skip(f"too large for {target.called} (at most {target.max_side} pixels a side)")


# 7-8. What the encoder made --------------------------------------------------------------

def check_gain(encoded: EncoderResult) -> None:
    """A source already at (or below) the quality we would choose is left alone: its encoder
    returned `NoGain`, since re-encoding could only add generation loss."""
    if isinstance(encoded, formats.NoGain):
        raise Skip(f"already at quality {encoded.source_quality}, "
                   f"not above the {encoded.quality} we would use")


def check_every_frame_kept(kept: bool, format_name: Optional[str]) -> None:
    """An animation is rewritten only when its re-save keeps every frame, duration and loop
    (`formats.same_animation`)."""
    if not kept:
        raise Skip(f"animated {format_name}: a re-save would not keep every frame as it is")


# 9-10. The result ------------------------------------------------------------------------

def check_ssim(value: Optional[float], settings: Settings) -> None:
    """A result whose full-image SSIM (`value`, None when not measured) is below --ssim-min
    is not written."""
    if value is not None and settings.ssim_min is not None and value < settings.ssim_min:
        raise Skip(f"SSIM {value:.4f} is below --ssim-min {settings.ssim_min:g}: original kept")


def check_savings(size_before: int, size_after: int, settings: Settings) -> None:
    """A result must be smaller than its source, by at least --min-savings (unless -nc)."""
    if settings.no_comparison:
        return
    saved = 100.0 * (size_before - size_after) / size_before
    if saved <= 0:
        raise Skip(f"the result would not be smaller ({-saved:+.1f}%)")
    if saved < settings.min_savings:
        raise Skip(f"the result would save only {saved:.1f}% (less than "
                   f"{settings.min_savings:g}%)")


# 11. Writing -----------------------------------------------------------------------------

def check_unchanged(before: os.stat_result, now: os.stat_result) -> None:
    """Someone else wrote to the file meanwhile (its status `before` the work, and `now`):
    their bytes win."""
    if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise Skip("the file changed while it was being optimized: left alone")


def name_taken(output_path: str) -> Skip:
    """The `Skip` of a conversion whose new file's name is already taken: never overwritten."""
    return Skip(f"{os.path.basename(output_path)} already exists: not overwritten",
                problem=True)
