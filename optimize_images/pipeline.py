"""The per-file work: read → decide → transform → encode → verify → write.

`optimize_file` is a plain function of a path and the settings, so the same
code runs in a process pool, a thread pool or a serial loop. It never raises
for a bad file: every outcome is a `Result` with a reason in plain words.
`optimize_data` does the same work on bytes, without the file system.
"""

import io
import os
import stat
import time
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple

from PIL import Image

from . import formats, metrics, modes, preview, reasons, transforms, writer
from .errors import Fail, Skip
from .metadata import clean_exif, exif_problem
from .results import FAILED, OPTIMIZED, SKIPPED, Result
from .reading import HEADER_BYTES, check_header, open_image, read_file
from .reductions import same_pixels
from .settings import BIG_PHOTO_BYTES, Settings

MEGABYTE = 1_000_000
# What flattening a transparent image over the background needs, a pixel: an RGBA PNG
# made JPEG peaked at 17.7 bytes a pixel, an RGB one at 9.0 (benchmarks/memory.py).
FLATTEN_BYTES_PER_PIXEL = 9
ALREADY_OPTIMIZED = "already optimized (it carries our marker; --force redoes it)"
EXIF_UNREADABLE = "Pillow cannot read it"


def optimize_file(path: str, settings: Settings, *, root: Optional[str] = None) -> Result:
    """Optimize one file as `settings` say; return its `Result`."""
    return _outcome(path, lambda facts: _optimize(path, settings, root, facts))[1]


def optimize_data(data: bytes, settings: Settings, *, name: str) -> Tuple[bytes, Result]:
    """(bytes, `Result`) for an image held in memory, `name` standing for its path.

    The checks, the search and the verification a file gets, without the file
    system: nothing is read or written. Unless the result is optimized, the
    bytes returned are `data` itself.
    """
    encoded, result = _outcome(name, lambda facts: _optimize_data(data, settings, facts))
    return (encoded if result.status == OPTIMIZED else data), result


def _outcome(path, work):
    """(the bytes work(facts) encoded or None, the `Result`): every outcome a Result."""
    started = time.perf_counter()
    facts = {}  # format, mode, sizes: whatever is known when the work ends
    encoded = None
    try:
        with warnings.catch_warnings():
            # Pillow warns about odd EXIF and such; the result line says what matters.
            warnings.simplefilter("ignore")
            encoded, done = work(facts)
        facts.update(done)
        status = OPTIMIZED
    except Skip as reason:
        status, facts["reason"], facts["problem"] = SKIPPED, str(reason), reason.problem
        facts["size_after"] = facts.get("size_before")  # the file stays as it is
    except Fail as reason:
        status, facts["reason"], facts["detail"] = FAILED, str(reason), reason.detail
    except Exception as error:  # one bad file must never stop the batch
        failure = reasons.failure(error, facts.get("format"))
        status, facts["reason"], facts["detail"] = FAILED, str(failure), failure.detail
    note = facts.pop("note", "")  # about what was written: nothing was, unless optimized
    return encoded, Result(path=path, status=status, seconds=time.perf_counter() - started,
                           note=note if status == OPTIMIZED else "", **facts)


def _optimize(path, settings, root, facts):
    before, data = read_file(path, settings, facts)
    if settings.conversion_target is None and not settings.output_dir and settings.writes_files:
        _refuse_read_only(before)  # before any work: nothing could be written anyway
    try:
        plan = _plan(data, settings, facts)
        _refuse_converting_a_link(path, plan.source.format, plan.target_format, settings)
        encoded, done = _encode(plan, before.st_size, settings, facts)
        new_extension = formats.extension_for(plan.target_format) if plan.converted else None
        output_path = _output_path(path, root, new_extension, settings)
        beside = not (settings.force_delete or settings.output_dir)  # the source stays there
        done.update(output_path=output_path, source_kept=plan.converted and beside)
        if settings.writes_files:
            done["source_deleted"] = _write(path, output_path, encoded, before, plan.converted,
                                            settings)
    except Skip:
        if settings.output_dir and settings.writes_files:
            _copy_unchanged(path, root, data, before, settings)
        raise
    return encoded, done


def _optimize_data(data, settings, facts):
    facts["size_before"] = len(data)
    if not data:
        raise Fail("empty (0 bytes)")
    check_header(data[:HEADER_BYTES], settings)
    return _encode(_plan(data, settings, facts), len(data), settings, facts)


@dataclass
class _Plan:
    """What the work on one image is: its opened source and the format to write."""
    source: Image.Image
    facts: formats.Facts
    animated: bool
    target_format: str

    @property
    def converted(self):
        return self.target_format != self.source.format


def _plan(data, settings, facts):
    """Open, check and decode the source and choose the target format; Skip what we leave alone."""
    source, exif_unreadable = open_image(data, settings)
    facts.update(format=source.format, mode=source.mode, dimensions=source.size,
                 note=_exif_note(source, exif_unreadable, settings))
    source_facts = _check_supported(source, data, settings)
    marked = not settings.force and formats.is_marked(source)
    if marked and settings.conversion_target in (None, source.format):
        raise Skip(ALREADY_OPTIMIZED)
    _decode(source)
    target_format = _target_format(source, len(data), settings)
    if marked and target_format == source.format:
        raise Skip(ALREADY_OPTIMIZED)
    return _Plan(source, source_facts, getattr(source, "n_frames", 1) > 1, target_format)


def _encode(plan, size, settings, facts):
    """(the encoded bytes, the facts of the result): transformed, encoded, verified, and
    smaller than `size` (else Skip)."""
    source, target_format = plan.source, plan.target_format
    handler = formats.handler_for(target_format)
    job = _job(source, plan.facts, size, target_format, settings)
    _check_memory(source, handler, job, settings)
    image, unprepared = _prepared(plan, handler, settings)
    encoded = handler.encode_animation(image, job) if plan.animated else handler.encode(image, job)
    mode_after = formats.decode_check(encoded.data, image.size)

    label = f"{source.format}->{target_format}" if plan.converted else source.format
    facts.update(format=label, quality=encoded.quality, metric=encoded.metric,
                 metric_value=encoded.metric_value)
    lossy = encoded.quality is not None
    if lossy and (settings.show_ssim or settings.ssim_min is not None):
        facts["ssim"] = _check_full_ssim(image, encoded.data, settings)
    _check_savings(size, len(encoded.data), settings)
    done = {"size_after": len(encoded.data), "dimensions_after": image.size,
            "mode_after": mode_after, "converted": plan.converted}
    if unprepared is not None and (lossy or _colours_reduced(unprepared, image, settings)):
        done["preview"] = preview.cut(unprepared, encoded.data, settings.background)
    return encoded.data, done


def _colours_reduced(transformed, image, settings):
    """-rc changed pixels: it leaves an image that fits the palette exact (a lossless
    result, which has no preview), and it reduces only what is written as PNG."""
    return settings.reduce_colors and not same_pixels(transformed, image)


def _prepared(plan, handler, settings):
    """(the image to encode, the transformed image before the format's `prepare` when
    the HTML report's preview needs it, else None).

    Without an HTML report the transformed image is let go before the encoding, as
    --max-memory's estimate (measured without one) assumes.
    """
    if plan.animated:  # every frame as it is: no transforms (_check_supported made sure)
        return plan.source, None
    transformed = _transform(plan.source, settings)
    image = handler.prepare(transformed, settings)
    return image, (transformed if settings.html_report else None)


def _check_memory(source, handler, job, settings):
    """Fail, before the transforms and the encoding, an image whose work would need
    more than --max-memory.

    The estimate: the format's bytes per pixel of the image it encodes, as
    benchmarks/memory.py measured them for whole runs (decoding, flattening
    for JPEG and encoding); for -rt on a transparent source, the flattening
    too; for a source downsized by -mw/-mh, the decoded source and a copy of
    it beyond that. The largest JPEG or PNG that --max-pixels lets in stays
    within the default; a large WebP or AVIF does not.
    """
    per_pixel, encoding = handler.working_memory(job)
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


def _bytes_a_pixel(mode):
    """What Pillow stores a decoded pixel of `mode` in."""
    return 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4


def _check_full_ssim(image, data, settings):
    """The result's SSIM against the image it encodes; Skip below --ssim-min."""
    with Image.open(io.BytesIO(data)) as decoded:
        value = metrics.ssim(image, decoded, background=settings.background)
    if settings.ssim_min is not None and value < settings.ssim_min:
        raise Skip(f"SSIM {value:.4f} is below --ssim-min {settings.ssim_min:g}: original kept")
    return value


def _copy_unchanged(path, root, data, before, settings):
    """--output-dir gets every readable file, so the folder it builds is complete."""
    output_path = _output_path(path, root, None, settings)
    os.makedirs(os.path.dirname(output_path) or ".", exist_ok=True)
    writer.replace_file(output_path, data, like=before, keep_times=not settings.update_mtime)


def _exif_note(source, exif_unreadable, settings):
    """With -ke, what the result line says about an EXIF block that had to be dropped."""
    if not settings.keep_exif:
        return ""
    problem = EXIF_UNREADABLE if exif_unreadable else exif_problem(source.info.get("exif"))
    return f"EXIF dropped: {problem}" if problem else ""


def _check_supported(image, data, settings):
    """Skip what we must not touch; return the file's `formats.Facts`.

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
    facts = formats.inspect(image, data)
    if facts.refusal:
        raise Skip(facts.refusal)
    if frames > 1:
        if target not in (None, name) and settings.converts_everything:
            raise Skip(f"animated {name} ({frames} frames): not converted, "
                       "the target would keep one frame only")
        if _changes_pixels(settings):
            raise Skip(f"animated {name} ({frames} frames): resizing or recolouring "
                       "animations is not supported")
    return facts


def _changes_pixels(settings):
    return bool(settings.max_width or settings.max_height or settings.grayscale
                or settings.remove_transparency or settings.reduce_colors)


def _decode(image):
    try:
        image.load()
    except Exception as error:  # OSError, SyntaxError, ValueError...: Pillow's "broken file"
        raise reasons.failure(error, image.format, part="data") from None


def _refuse_converting_a_link(path, source_format, target_format, settings):
    """A link named on the command line is followed to be optimized in place, but not
    converted: the new file would need a name the link does not point at."""
    if target_format != source_format and os.path.islink(path) and not settings.output_dir:
        raise Skip(f"symbolic link: not converted (name its target, "
                   f"{os.path.realpath(path)}, to convert it)")


def _target_format(image, size, settings):
    target = settings.conversion_target
    if target is None or target == image.format:
        return image.format
    if settings.converts_everything:
        return target
    big_photo = (formats.converts_big_photos(image.format) and size >= BIG_PHOTO_BYTES
                 and not modes.has_alpha(transforms.drop_opaque_alpha(image))
                 and transforms.looks_photographic(image))
    return target if big_photo else image.format


def _transform(image, settings):
    if not settings.keep_exif:
        image = transforms.upright(image, transforms.orientation_of(image))
    image = transforms.fit_within(image, settings.max_width, settings.max_height)
    if settings.grayscale:
        image = transforms.to_grayscale(image)
    if settings.remove_transparency:
        image = modes.flatten(image, settings.background)
    return transforms.drop_opaque_alpha(image)


def _job(source, facts, size, target_format, settings):
    same_pixels = not settings.force and not _changes_pixels(settings)
    return formats.Job(
        settings=settings,
        source_format=source.format,
        source_size=size,
        icc_profile=source.info.get("icc_profile") or None,
        exif=clean_exif(source.info.get("exif")) if settings.keep_exif else None,
        dpi=source.info.get("dpi"),
        source_lossless=facts.lossless,
        # A source already at or below the quality we would choose is left alone,
        # unless its pixels are to change anyway (resizing, grayscale...).
        source_quality=(facts.quality if source.format == target_format and same_pixels
                        else None),
        source_subsampling=facts.subsampling,
        source_alpha=modes.has_alpha(source),
    )


def _check_savings(size_before, size_after, settings):
    if settings.no_comparison:
        return
    saved = 100.0 * (size_before - size_after) / size_before
    if saved <= 0:
        raise Skip(f"the result would not be smaller ({-saved:+.1f}%)")
    if saved < settings.min_savings:
        raise Skip(f"the result would save only {saved:.1f}% (less than "
                   f"{settings.min_savings:g}%)")


def _output_path(path, root, new_extension, settings):
    if settings.output_dir:
        relative = os.path.relpath(path, root) if root else os.path.basename(path)
        path = os.path.join(settings.output_dir, relative)
    if new_extension:
        path = os.path.splitext(path)[0] + new_extension
    return path


def _write(path, output_path, data, before, converted, settings):
    """Write the result; True when -fd then deleted the converted source."""
    keep_times = not settings.update_mtime
    if settings.output_dir:
        os.makedirs(os.path.dirname(output_path) or ".", exist_ok=True)
        writer.replace_file(output_path, data, like=before, keep_times=keep_times)
        return False
    _check_unchanged(path, before)
    if not converted:
        _refuse_read_only(before)
        # A symbolic link named on the command line: its target is replaced, the link kept.
        writer.replace_file(os.path.realpath(path), data, like=before, keep_times=keep_times)
        return False
    try:
        writer.create_file(output_path, data, like=before, keep_times=keep_times)
    except FileExistsError:
        raise Skip(f"{os.path.basename(output_path)} already exists: not overwritten",
                   problem=True) from None
    if settings.force_delete:
        _delete_source_after_check(path, output_path)
        return True
    return False


def _refuse_read_only(before):
    """A file without write permission says "do not change me", even to root."""
    if not before.st_mode & stat.S_IWUSR:
        raise Skip("read-only file: left alone")


def _check_unchanged(path, before):
    now = os.stat(path)
    if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise Skip("the file changed while it was being optimized: left alone")


def _delete_source_after_check(path, output_path):
    """-fd: remove the source only once its replacement decodes from disk."""
    with Image.open(output_path) as written:
        written.load()
    os.unlink(path)
