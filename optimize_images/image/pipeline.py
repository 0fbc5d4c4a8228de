"""One image's work, a chain of values: `SourceFile` → `Source` → `Plan` → `Encoding` → `Result`.

`optimize_file` is a plain function of a path and the settings, so the same
code runs in a process pool, a thread pool or a serial loop. It never raises
for a bad file: every outcome is a `Result` with a reason in plain words.
`optimize_data` does the same work on bytes, without the file system.

`_work` is the chain, top to bottom: each step takes the value the one
before returned, and asks `rules`, in their order, whether the file is left
alone. When the work stops early (a rule's `Skip`, a `Fail`, an error), the
Result tells what the last value reached knew.
"""

import io
import os
import time
import warnings
from dataclasses import asdict, dataclass, replace
from typing import Any, Dict, Optional, Tuple

from PIL import Image

from ..common import modes, reasons, writer
from ..common.errors import Fail, Skip
from ..common.results import FAILED, OPTIMIZED, SKIPPED, Preview, Result
from ..common.settings import BIG_PHOTO_BYTES, Settings
from ..draw import preview
from ..measure import metrics
from . import formats, rules, transforms
from .formats import Encoded, Inspection
from .metadata import clean_exif, exif_problem
from .reading import HEADER_BYTES, SourceFile, check_header, open_image, read_file
from .reductions import same_pixels

EXIF_UNREADABLE = "Pillow cannot read it"


@dataclass(frozen=True)
class Source:
    """A source's image, opened (`_plan` decodes it), and what its result line may add."""
    file: SourceFile
    image: Image.Image
    exif_note: str  # with -ke, why an EXIF block had to be dropped ("" when none was)


@dataclass(frozen=True)
class Plan:
    """What the work on a decoded source is: the format to write, and what the source's
    format module found in it."""
    source: Source
    inspection: Inspection
    target_format: str
    animated: bool

    @property
    def converted(self) -> bool:
        return self.target_format != self.source.image.format

    @property
    def label(self) -> Optional[str]:
        """The format the result line shows: JPEG, or PNG->JPEG for a conversion."""
        name = self.source.image.format
        return f"{name}->{self.target_format}" if self.converted else name


@dataclass(frozen=True)
class Encoding:
    """The bytes that would replace the source, decoded once to check them: what the target
    format's encoder made of `image`."""
    plan: Plan
    encoded: Encoded
    image: Image.Image  # the image encoded
    mode: str  # the result's, as decoded
    transformed: Optional[Image.Image]  # before `prepare`, kept for the HTML report's preview
    ssim: Optional[float] = None  # full-image, when asked for (-s, --ssim-min)

    @property
    def data(self) -> bytes:
        return self.encoded.data


@dataclass(frozen=True)
class Written:
    """Where the result went (or would go, in a dry run), and what became of its source."""
    output_path: str
    source_kept: bool  # a conversion's source stays beside its new file
    source_deleted: bool = False  # -fd deleted it once its new file decoded from disk


def optimize_file(path: str, settings: Settings, *, root: Optional[str] = None) -> Result:
    """Optimize one file as `settings` say; return its `Result`."""
    return _work(path, settings, lambda: read_file(path, settings), root=root)[1]


def optimize_data(data: bytes, settings: Settings, *, name: str) -> Tuple[bytes, Result]:
    """(bytes, `Result`) for an image held in memory, `name` standing for its path.

    The checks, the search and the verification a file gets, without the file
    system: nothing is read or written. Unless the result is optimized, the
    bytes returned are `data` itself.
    """
    encoded, result = _work(name, settings, lambda: _in_memory(name, data))
    return (encoded if result.status == OPTIMIZED else data), result


def _in_memory(name: str, data: bytes) -> SourceFile:
    if not data:
        raise Fail("empty (0 bytes)")
    return SourceFile(name, data)


def _work(name, settings, read, *, root=None):
    """(the encoded bytes or None, the `Result`) of the `SourceFile` that `read()` gives."""
    started = time.perf_counter()
    reached = None  # the last value of the chain, for the Result if the work stops early
    try:
        with warnings.catch_warnings():
            # Pillow warns about odd EXIF and such; the result line says what matters.
            warnings.simplefilter("ignore")
            reached = file = read()
            check_header(file.data[:HEADER_BYTES], settings)
            rules.check_writable_before_work(file, settings)
            try:
                reached = source = _open(file, settings)
                plan = _plan(source, settings)
                rules.check_link(file, plan.converted, settings)
                reached = encoding = _encode(plan, settings)
                reached = encoding = _measured(encoding, settings)
                rules.check_savings(file.size, len(encoding.data), settings)
                preview = _preview(encoding, settings)
                written = _write(file, encoding, root, settings) if file.on_disk else None
            except Skip:
                _copy_unchanged(file, root, settings)
                raise
    except Exception as error:  # a rule's Skip, a Fail, any error: never the batch's end
        return None, _stopped(name, started, reached, error)
    return encoding.data, Result(
        path=name, status=OPTIMIZED, seconds=time.perf_counter() - started,
        note=source.exif_note, **_known(encoding), size_after=len(encoding.data),
        dimensions_after=encoding.image.size, mode_after=encoding.mode,
        converted=plan.converted, preview=preview, **(asdict(written) if written else {}))


def _stopped(name, started, reached, error):
    """The `Result` of work that `error` stopped at `reached`, the last value it knew."""
    known = _known(reached)
    seconds = time.perf_counter() - started
    if isinstance(error, Skip):  # the file stays as it is
        return Result(path=name, status=SKIPPED, seconds=seconds, reason=str(error),
                      problem=error.problem, size_after=known.get("size_before"), **known)
    if not isinstance(error, Fail):
        error = reasons.failure(error, known.get("format"))
    return Result(path=name, status=FAILED, seconds=seconds, reason=str(error),
                  detail=error.detail, **known)


def _known(reached: object) -> Dict[str, Any]:
    """The `Result` fields that work which reached this value can tell."""
    if isinstance(reached, Encoding):
        encoded = reached.encoded
        return {**_known(reached.plan), "format": reached.plan.label, "quality": encoded.quality,
                "metric": encoded.metric, "metric_value": encoded.metric_value,
                "ssim": reached.ssim}
    if isinstance(reached, Plan):
        return _known(reached.source)
    if isinstance(reached, Source):
        image = reached.image
        return {**_known(reached.file), "format": image.format, "mode": image.mode,
                "dimensions": image.size}
    if isinstance(reached, SourceFile):
        return {"size_before": reached.size}
    return {}


def _open(file: SourceFile, settings: Settings) -> Source:
    """The `Source`: its image opened (not decoded), within our pixel limit."""
    image, exif_unreadable = open_image(file.data, settings)
    return Source(file, image, _exif_note(image, exif_unreadable, settings))


def _exif_note(image: Image.Image, exif_unreadable: bool, settings: Settings) -> str:
    """With -ke, what the result line says about an EXIF block that had to be dropped."""
    if not settings.keep_exif:
        return ""
    problem = EXIF_UNREADABLE if exif_unreadable else exif_problem(image.info.get("exif"))
    return f"EXIF dropped: {problem}" if problem else ""


def _plan(source, settings):
    """The `Plan`: the source checked, decoded, and its target format chosen."""
    image = source.image
    inspection = rules.check_supported(image, source.file.data, settings)
    marked = rules.carries_our_marker(image, settings)
    rules.check_not_ours(marked, settings.conversion_target, image)
    _decode(image)
    target_format = _target_format(image, source.file.size, settings)
    rules.check_not_ours(marked, target_format, image)
    return Plan(source, inspection, target_format, getattr(image, "n_frames", 1) > 1)


def _decode(image: Image.Image) -> None:
    try:
        image.load()
    except Exception as error:  # OSError, SyntaxError, ValueError...: Pillow's "broken file"
        raise reasons.failure(error, image.format, part="data") from None


def _target_format(image: Image.Image, size: int, settings: Settings) -> Optional[str]:
    target = settings.conversion_target
    if target is None or target == image.format:
        return image.format
    if settings.converts_everything:
        return target
    big_photo = (formats.converts_big_photos(image.format) and size >= BIG_PHOTO_BYTES
                 and not modes.has_alpha(transforms.drop_opaque_alpha(image))
                 and transforms.looks_photographic(image))
    return target if big_photo else image.format


def _encode(plan, settings):
    """The `Encoding`: transformed, encoded by the target format, and decoded again."""
    source = plan.source.image
    target = formats.encoder_for(plan.target_format)
    job = _job(plan, settings)
    rules.check_memory(source, target, job, settings)
    image, transformed = _prepared(plan, target, settings)
    if plan.animated:
        encoded = target.encode_animation(image, job)
        rules.check_every_frame_kept(formats.same_animation(image, encoded.data), source.format)
    else:
        encoded = target.encode(image, job)
        rules.check_gain(encoded)
    mode = formats.decode_check(encoded.data, image.size)
    return Encoding(plan, encoded, image, mode, transformed)


def _job(plan, settings):
    source, inspection = plan.source.image, plan.inspection
    same_pixels = not settings.force and not rules.changes_pixels(settings)
    return formats.Job(
        settings=settings,
        source_format=source.format,
        source_size=plan.source.file.size,
        icc_profile=source.info.get("icc_profile") or None,
        exif=clean_exif(source.info.get("exif")) if settings.keep_exif else None,
        dpi=source.info.get("dpi"),
        gamma=source.info.get("gamma"),
        chromaticity=source.info.get("chromaticity"),
        srgb=source.info.get("srgb"),
        source_lossless=inspection.lossless,
        # A source already at or below the quality we would choose is left alone,
        # unless its pixels are to change anyway (resizing, grayscale...).
        source_quality=inspection.quality if not plan.converted and same_pixels else None,
        source_subsampling=inspection.subsampling,
        source_alpha=modes.has_alpha(source),
    )


def _prepared(plan, target, settings):
    """(the image to encode, the transformed image before the format's `prepare` when
    the HTML report's preview needs it, else None).

    Without an HTML report the transformed image is let go before the encoding, as
    --max-memory's estimate (measured without one) assumes.
    """
    if plan.animated:  # every frame as it is: no transforms (rules.check_supported made sure)
        return plan.source.image, None
    transformed = _transform(plan.source.image, settings)
    rules.check_fits(transformed, target)
    image = target.prepare(transformed, settings)
    return image, (transformed if settings.html_report else None)


def _transform(image: Image.Image, settings: Settings) -> Image.Image:
    if not settings.keep_exif:
        image = transforms.upright(image, transforms.orientation_of(image))
    image = transforms.fit_within(image, settings.max_width, settings.max_height)
    if settings.grayscale:
        image = transforms.to_grayscale(image)
    if settings.remove_transparency:
        image = modes.flatten(image, settings.background)
    return transforms.drop_opaque_alpha(image)


def _measured(encoding: Encoding, settings: Settings) -> Encoding:
    """The `Encoding` with its full-image SSIM against the image it encodes, when asked
    for (-s, --ssim-min) and the result is lossy; `rules.check_ssim` judges it."""
    if encoding.encoded.quality is None or not (settings.show_ssim
                                                or settings.ssim_min is not None):
        return encoding
    with Image.open(io.BytesIO(encoding.data)) as decoded:
        value = metrics.ssim(encoding.image, decoded, background=settings.background)
    rules.check_ssim(value, settings)
    return replace(encoding, ssim=value)


def _preview(encoding: Encoding, settings: Settings) -> Optional[Preview]:
    """For the HTML report, a lossy result's (or a -rc result's) `Preview`; else None."""
    transformed = encoding.transformed
    if transformed is None:
        return None
    lossy = encoding.encoded.quality is not None
    if lossy or _colours_reduced(transformed, encoding.image, settings):
        return preview.cut(transformed, encoding.data, settings.background)
    return None


def _colours_reduced(transformed: Image.Image, image: Image.Image, settings: Settings) -> bool:
    """-rc changed pixels: it leaves an image that fits the palette exact (a lossless
    result, which has no preview), and it reduces only what is written as PNG."""
    return settings.reduce_colors and not same_pixels(transformed, image)


def _write(file: SourceFile, encoding: Encoding, root: Optional[str],
           settings: Settings) -> Written:
    """Write the result (unless a dry run); where it went, and what became of the source."""
    converted = encoding.plan.converted
    new_extension = formats.extension_for(encoding.plan.target_format) if converted else None
    output_path = _output_path(file.path, root, new_extension, settings)
    beside = not (settings.force_delete or settings.output_dir)  # the source stays there
    source_deleted = settings.writes_files and _write_file(
        file, output_path, encoding.data, converted, settings)
    return Written(output_path, source_kept=converted and beside, source_deleted=source_deleted)


def _output_path(path: str, root: Optional[str], new_extension: Optional[str],
                 settings: Settings) -> str:
    if settings.output_dir:
        relative = os.path.relpath(path, root) if root else os.path.basename(path)
        path = os.path.join(settings.output_dir, relative)
    if new_extension:
        path = os.path.splitext(path)[0] + new_extension
    return path


def _write_file(file, output_path, data, converted, settings):
    """Write the result; True when -fd then deleted the converted source."""
    path, before = file.path, file.status
    keep_times = not settings.update_mtime
    if settings.output_dir:
        os.makedirs(os.path.dirname(output_path) or ".", exist_ok=True)
        writer.replace_file(output_path, data, like=before, keep_times=keep_times)
        return False
    rules.check_unchanged(before, os.stat(path))
    if not converted:
        rules.check_writable(before)
        # A symbolic link named on the command line: its target is replaced, the link kept.
        writer.replace_file(os.path.realpath(path), data, like=before, keep_times=keep_times)
        return False
    try:
        writer.create_file(output_path, data, like=before, keep_times=keep_times)
    except FileExistsError:
        raise rules.name_taken(output_path) from None
    if settings.force_delete:
        _delete_source_after_check(path, output_path)
        return True
    return False


def _copy_unchanged(file: SourceFile, root: Optional[str], settings: Settings) -> None:
    """--output-dir gets every readable file, so the folder it builds is complete."""
    if not (file.on_disk and settings.output_dir and settings.writes_files):
        return
    output_path = _output_path(file.path, root, None, settings)
    os.makedirs(os.path.dirname(output_path) or ".", exist_ok=True)
    writer.replace_file(output_path, file.data, like=file.status,
                        keep_times=not settings.update_mtime)


def _delete_source_after_check(path: str, output_path: str) -> None:
    """-fd: remove the source only once its replacement decodes from disk."""
    with Image.open(output_path) as written:
        written.load()
    os.unlink(path)
