"""What the pipeline says about each file, and the totals of a run."""

from dataclasses import asdict, dataclass
from typing import Optional

OPTIMIZED = "optimized"
SKIPPED = "skipped"
FAILED = "failed"


@dataclass(frozen=True)
class Result:
    path: str
    status: str
    reason: str = ""  # why it was skipped or failed, in plain words
    format: str = ""
    mode: str = ""
    size_before: int = 0
    size_after: int = 0
    quality: Optional[int] = None
    metric: Optional[str] = None
    metric_value: Optional[float] = None
    output_path: Optional[str] = None
    ssim: Optional[float] = None  # full-image SSIM of a lossy result, when measured
    seconds: float = 0.0
    detail: str = ""  # what Python or Pillow said, when a failure came from an exception
    note: str = ""  # what else happened to an optimized file, e.g. its EXIF block was dropped

    @property
    def saved(self):
        return self.size_before - self.size_after if self.status == OPTIMIZED else 0

    @property
    def saved_percent(self):
        return 100.0 * self.saved / self.size_before if self.size_before else 0.0

    def to_dict(self):
        return asdict(self)


@dataclass
class Summary:
    seen: int = 0
    optimized: int = 0
    skipped: int = 0
    failed: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    def add(self, result):
        self.seen += 1
        if result.status == OPTIMIZED:
            self.optimized += 1
        elif result.status == SKIPPED:
            self.skipped += 1
        else:
            self.failed += 1
        # Bytes are counted over files we could read, so before/after compare
        # like with like: an unchanged file counts the same on both sides.
        if result.size_before:
            self.bytes_before += result.size_before
            self.bytes_after += result.size_after if result.status == OPTIMIZED else result.size_before

    @property
    def saved(self):
        return self.bytes_before - self.bytes_after

    @property
    def saved_percent(self):
        return 100.0 * self.saved / self.bytes_before if self.bytes_before else 0.0

    @property
    def exit_status(self):
        if self.interrupted:
            return 130
        return 1 if self.failed else 0
