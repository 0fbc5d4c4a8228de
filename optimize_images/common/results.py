"""What the pipeline says about each file, and the totals of a run."""

from dataclasses import asdict, dataclass, replace
from typing import Any, Dict, Optional, Tuple

OPTIMIZED = "optimized"
SKIPPED = "skipped"
FAILED = "failed"


@dataclass(frozen=True)
class Preview:
    """A lossy result's fragment where it differs most from its source, cut for the HTML
    report: the same box of both, 1:1, and a thumbnail of the whole with the box outlined,
    each as small JPEG bytes."""
    box: Tuple[int, int, int, int]  # (left, top, right, bottom) in the result's pixels
    ssim: float  # the result's SSIM against its source on the fragment
    original: bytes
    result: bytes
    thumbnail: bytes

    @property
    def size(self) -> int:
        """Bytes of the three pictures."""
        return len(self.original) + len(self.result) + len(self.thumbnail)


@dataclass(frozen=True)
class Result:
    path: str
    status: str
    reason: str = ""  # why it was skipped or failed, in plain words
    format: str = ""  # e.g. JPEG, or PNG->JPEG for a conversion
    mode: str = ""  # the source's
    size_before: int = 0
    # The result's size; a skipped file's own, unchanged size; None for a failure.
    size_after: Optional[int] = None
    quality: Optional[int] = None
    metric: Optional[str] = None  # the quality search's metric...
    metric_value: Optional[float] = None  # ...and its score on the sample, not the full image
    output_path: Optional[str] = None
    ssim: Optional[float] = None  # full-image SSIM of a lossy result, when measured
    seconds: float = 0.0
    detail: str = ""  # what Python or Pillow said, when a failure came from an exception
    note: str = ""  # what else happened to an optimized file, e.g. its EXIF block was dropped
    problem: bool = False  # a skip caused by something the user may fix (see errors.Skip)
    dimensions: Optional[Tuple[int, int]] = None  # the source's width and height, once known
    dimensions_after: Optional[Tuple[int, int]] = None  # the result's, when optimized
    mode_after: Optional[str] = None  # the result's mode, when optimized
    converted: bool = False  # the result is a new file in another format
    source_kept: bool = False  # a conversion's source stays beside its new file (no -fd)
    source_deleted: bool = False  # -fd deleted the source once its new file decoded from disk
    preview: Optional[Preview] = None  # cut only when an HTML report was asked for

    @property
    def saved(self) -> int:
        """Bytes freed on disk: what the result saves over its source, less the source's own
        size when the source stays beside a conversion (then negative: the tree grew)."""
        if self.status != OPTIMIZED:
            return 0
        assert self.size_after is not None  # an optimized file has a result
        return -self.size_after if self.source_kept else self.size_before - self.size_after

    @property
    def change_percent(self) -> float:
        """How much bigger (positive) or smaller (negative) the result is than its source."""
        if self.status != OPTIMIZED or not self.size_before:
            return 0.0
        assert self.size_after is not None  # an optimized file has a result
        return 100.0 * (self.size_after - self.size_before) / self.size_before

    def to_dict(self) -> Dict[str, Any]:
        """The JSON report's record: every field but the preview."""
        record = asdict(self.without_preview())
        del record["preview"]
        return record

    def without_preview(self) -> "Result":
        return self if self.preview is None else replace(self, preview=None)


@dataclass
class Summary:
    seen: int = 0
    optimized: int = 0
    skipped: int = 0
    failed: int = 0
    bytes_before: int = 0
    bytes_after: int = 0  # on disk: what was rewritten, left alone, and written anew
    converted: int = 0
    bytes_converted: int = 0  # the new files conversions wrote
    sources_kept: int = 0  # conversions whose source stays beside the new file
    sources_deleted: int = 0  # conversions whose source -fd deleted
    seconds: float = 0.0
    interrupted: bool = False

    def add(self, result: Result) -> None:
        self.seen += 1
        if result.status == OPTIMIZED:
            self.optimized += 1
        elif result.status == SKIPPED:
            self.skipped += 1
        else:
            self.failed += 1
        if result.converted and result.status == OPTIMIZED:
            assert result.size_after is not None  # an optimized file has a result
            self.converted += 1
            self.bytes_converted += result.size_after
            self.sources_kept += result.source_kept
            self.sources_deleted += result.source_deleted
        # Bytes are counted over the files found on disk, so before/after compare
        # like with like: an unchanged file counts the same on both sides.
        if result.size_before:
            self.bytes_before += result.size_before
            self.bytes_after += result.size_before - result.saved

    @property
    def saved(self) -> int:
        """Bytes freed on disk (negative when the tree grew)."""
        return self.bytes_before - self.bytes_after

    @property
    def saved_percent(self) -> float:
        return 100.0 * self.saved / self.bytes_before if self.bytes_before else 0.0

    @property
    def exit_status(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failed else 0
