"""The written contract of a format module: one `Format` record of what the format can do.

Each format module ends with `FORMAT = Format(...)`, naming its functions;
a capability the format lacks is left out (None). `formats/__init__.py`
registers the records and reads them, never the modules, so a misspelled
capability is an error when the module is imported, not a feature that is
silently off. `tests/test_formats_contract.py` checks every format module
against this record.
"""

from dataclasses import dataclass
from enum import Enum
from inspect import signature
from typing import Callable, Iterator, Optional, Tuple

from PIL import Image

from ...common.settings import Settings
from .base import Details, Encoded, EncoderResult, Inspection, Job, WorkingMemory


class Role(Enum):
    """What a format's files get from us as sources."""
    IN_PLACE = "optimized in place"
    CONVERT_ONLY = "read and converted (with -ca or -cf), never rewritten in place"
    LEFT_ALONE = "looked at and left alone"


@dataclass(frozen=True)
class Opener:
    """How Pillow opens a format it cannot open by itself, through an optional package."""
    accept: Callable[[bytes], bool]  # accept(prefix): the file's first bytes are this format's
    register: Callable[[], bool]  # register(): teach Pillow; False when the package is missing
    missing: str  # what the file's line says when the package is missing

    def __post_init__(self) -> None:
        for name, arguments in (("accept", ("prefix",)), ("register", ())):
            if not _takes(getattr(self, name), arguments):
                raise TypeError(f"opener's {name} does not take ({', '.join(arguments)})")


# The callables of a record and the arguments each takes.
SIGNATURES = {
    "inspect": ("image", "data"),
    "details": ("image", "data"),
    "prepare": ("image", "settings"),
    "encode": ("image", "job"),
    "encode_animation": ("source", "job"),
    "is_marked": ("image",),
    "working_memory": ("job",),
}
# What a format we write declares, all of them or none; what only such a format may declare.
WRITING = ("prepare", "encode", "is_marked", "working_memory")
WRITING_EXTRAS = ("codec", "encode_animation", "max_side", "converts_big_photos")


@dataclass(frozen=True)
class Format:
    """What one format can do. Every format has:

    - name: Pillow's format name;
    - extensions: the suffixes that make discovery look at a file (the
      first is what a file converted to the format is named with);
    - role: what a source file of the format gets (`Role`);
    - inspect(image, data) → `base.Inspection`: what the pipeline needs to
      know about a source file, from the opened image and the file's bytes.

    It may have details(image, data) → (label, value) pairs that -i shows,
    `opener` when Pillow opens it only through an optional package, and
    `label`, what messages call it when not its name (WebP).

    A format we write has all four of prepare(image, settings) (the image
    in a mode the format stores), encode(image, job) → `base.Encoded` (or
    `base.NoGain`), is_marked(image) (we wrote the file: see base.MARKER)
    and working_memory(job) → (bytes a pixel the work needs, as
    benchmarks/memory.py measured them, what the encoding is called), which
    --max-memory's estimate reads; and `codec`, the Pillow feature its
    encoder needs (None: always built in). It may add
    encode_animation(source, job) (it keeps animations, frame by frame),
    `max_side` (the largest side it stores) and `converts_big_photos` (-cb
    converts its big photographic files).
    """
    name: str
    extensions: Tuple[str, ...]
    role: Role
    inspect: Callable[[Image.Image, bytes], Inspection]
    details: Optional[Callable[[Image.Image, bytes], Details]] = None
    opener: Optional[Opener] = None
    label: str = ""
    codec: Optional[str] = None
    prepare: Optional[Callable[[Image.Image, Settings], Image.Image]] = None
    encode: Optional[Callable[[Image.Image, Job], EncoderResult]] = None
    is_marked: Optional[Callable[[Image.Image], bool]] = None
    working_memory: Optional[Callable[[Job], WorkingMemory]] = None
    encode_animation: Optional[Callable[[Image.Image, Job], Encoded]] = None
    max_side: Optional[int] = None
    converts_big_photos: bool = False

    def __post_init__(self) -> None:
        problems = list(self.problems())
        if problems:
            raise TypeError(f"format {self.name}: {'; '.join(problems)}")

    @property
    def called(self) -> str:
        """What messages call the format."""
        return self.label or self.name

    @property
    def writes(self) -> bool:
        """True when we write files of this format."""
        return self.encode is not None

    def problems(self) -> Iterator[str]:
        """What breaks the contract, in words (none for a sound record)."""
        if not self.extensions or not all(suffix.startswith(".") for suffix in self.extensions):
            yield f"extensions {self.extensions!r}: at least one, each starting with '.'"
        if not isinstance(self.role, Role):
            yield f"role {self.role!r} is not a Role"
        if self.inspect is None:
            yield "inspect is missing"
        for name, arguments in SIGNATURES.items():
            function = getattr(self, name)
            if function is not None and not _takes(function, arguments):
                yield f"{name} does not take ({', '.join(arguments)})"
        declared = [name for name in WRITING if getattr(self, name) is not None]
        if declared and len(declared) < len(WRITING):
            yield (f"a format we write declares {', '.join(WRITING)}; "
                   f"missing: {', '.join(name for name in WRITING if name not in declared)}")
        extras = [name for name in WRITING_EXTRAS if getattr(self, name) not in (None, False)]
        if extras and not self.writes:
            yield f"{', '.join(extras)} without encode"
        if self.role is Role.IN_PLACE and not self.writes:
            yield "optimized in place without encode"


def _takes(function: object, arguments: Tuple[str, ...]) -> bool:
    """True when `function` can be called with these arguments, by position."""
    if not callable(function):
        return False
    try:
        signature(function).bind(*arguments)
    except TypeError:
        return False
    return True
