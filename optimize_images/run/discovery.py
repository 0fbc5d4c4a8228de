"""Finding the files to look at.

Folders are walked in a stable (sorted) order; hidden folders and files, our
own temporary files and symbolic links are skipped, so a walk never leaves the
tree. The --output-dir folder is never walked, wherever it lies: a run into a
folder inside its input must not find its own results the next time. A file named on the command line is always looked at, whatever its name:
its content decides what it is; a symbolic link named there is followed (the
pipeline optimizes its target in place and keeps the link).
"""

import os
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import AbstractSet, Iterable, Iterator, List, Optional, Sequence, Tuple

from ..common.settings import Settings
from ..common.writer import is_temporary
from ..image.formats import IMAGE_EXTENSIONS


@dataclass(frozen=True)
class Candidate:
    path: str
    root: str  # the folder given on the command line, or the file's own folder


def find_images(paths: Iterable[str], *, recursive: bool = True, exclude: Sequence[str] = (),
                output_dir: Optional[str] = None) -> Iterator[Candidate]:
    """Yield each candidate once, in the order given and sorted within folders;
    nothing in `output_dir` (however it is reached)."""
    seen = set()
    skipped = {os.path.realpath(output_dir)} if output_dir else set()
    for given in paths:
        for candidate in _candidates(os.path.expanduser(given), recursive, exclude, skipped):
            key = os.path.realpath(candidate.path)
            if key not in seen:
                seen.add(key)
                yield candidate


def find(settings: Settings) -> List[Candidate]:
    """The files a run with these settings would look at, in order."""
    return list(find_images(settings.paths, recursive=not settings.no_recursion,
                            exclude=settings.exclude, output_dir=settings.output_dir))


def output_dir_holding(paths: Iterable[str], output_dir: str) -> Optional[str]:
    """The first path whose folder is `output_dir` or lies inside it (each reached
    however it is: links resolved), or None.

    Such a run would read what it writes: a usage error. An output folder
    inside an input folder is fine: the walk leaves it out.
    """
    output = os.path.realpath(output_dir)
    for given in paths:
        folder = os.path.realpath(_root_of(os.path.expanduser(given)))
        if folder == output or folder.startswith(os.path.join(output, "")):
            return given
    return None


def find_stale_temporaries(paths: Iterable[str], *, recursive: bool = True) -> Iterator[str]:
    """Temporary files of ours in the given folders, left by a run that was killed."""
    for given in paths:
        if os.path.isdir(given):
            for folder, names in _folders(os.path.expanduser(given), recursive, (), set()):
                yield from (os.path.join(folder, name) for name in names if is_temporary(name))


def roots(paths: Iterable[str]) -> List[str]:
    """The folders a run works in: each folder given, or a given file's folder.

    For a symbolic link to a file, that is its target's folder, where the
    optimized file is written.
    """
    return sorted({_root_of(given) for given in map(os.path.expanduser, paths)})


def _root_of(given: str) -> str:
    if os.path.isdir(given):
        return given
    if os.path.islink(given) and os.path.exists(given):
        return os.path.dirname(os.path.realpath(given))
    return os.path.dirname(given) or "."


def excluded(relative_path: str, patterns: Iterable[str]) -> bool:
    """True when a glob matches the path below its root, or its last part."""
    relative_path = relative_path.replace(os.sep, "/")
    name = relative_path.rsplit("/", 1)[-1]
    return any(fnmatch(relative_path, p) or fnmatch(name, p) for p in patterns)


def _candidates(given: str, recursive: bool, exclude: Sequence[str],
                skipped: AbstractSet[str]) -> Iterator[Candidate]:
    if os.path.isdir(given):
        for folder, names in _folders(given, recursive, exclude, skipped):
            for name in names:
                path = os.path.join(folder, name)
                if (_is_candidate(name) and not os.path.islink(path)
                        and not excluded(os.path.relpath(path, given), exclude)):
                    yield Candidate(path, given)
    elif not excluded(os.path.normpath(given), exclude):  # as given, and its name
        # Missing or unreadable paths are yielded too: the pipeline reports them.
        yield Candidate(given, os.path.dirname(given) or ".")


def _folders(root: str, recursive: bool, exclude: Sequence[str],
             skipped: AbstractSet[str]) -> Iterator[Tuple[str, List[str]]]:
    """(folder, sorted file names) for root and, if recursive, its visible subfolders
    but those in `skipped` (real paths)."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(
            name for name in subfolders
            if not name.startswith(".")
            and not os.path.islink(os.path.join(folder, name))
            and not excluded(os.path.relpath(os.path.join(folder, name), root), exclude)
            and os.path.realpath(os.path.join(folder, name)) not in skipped)
        if not recursive:
            subfolders.clear()
        yield folder, sorted(files)


def _is_candidate(name: str) -> bool:
    return (not name.startswith(".") and not is_temporary(name)
            and name.lower().endswith(IMAGE_EXTENSIONS))
