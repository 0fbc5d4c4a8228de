"""Finding the files to look at.

Folders are walked in a stable (sorted) order; hidden folders and files, our
own temporary files and symbolic links are skipped, so a walk never leaves the
tree. A file named on the command line is always looked at, whatever its name:
its content decides what it is.
"""

import os
from dataclasses import dataclass

from .formats import IMAGE_EXTENSIONS
from .writer import is_temporary


@dataclass(frozen=True)
class Candidate:
    path: str
    root: str  # the folder given on the command line, or the file's own folder


def find_images(paths, *, recursive=True):
    """Yield each candidate once, in the order given and sorted within folders."""
    seen = set()
    for given in paths:
        for candidate in _candidates(os.path.expanduser(given), recursive):
            key = os.path.realpath(candidate.path)
            if key not in seen:
                seen.add(key)
                yield candidate


def _candidates(given, recursive):
    if os.path.isdir(given):
        yield from _walk(given, recursive)
    else:
        # Missing or unreadable paths are yielded too: the pipeline reports them.
        yield Candidate(given, os.path.dirname(given) or ".")


def _walk(root, recursive):
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(
            name for name in subfolders
            if not name.startswith(".") and not os.path.islink(os.path.join(folder, name)))
        if not recursive:
            subfolders.clear()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if _is_candidate(name) and not os.path.islink(path):
                yield Candidate(path, root)


def _is_candidate(name):
    return (not name.startswith(".") and not is_temporary(name)
            and name.lower().endswith(IMAGE_EXTENSIONS))
