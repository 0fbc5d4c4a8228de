"""Figures of the package's shape, to compare before and after a redesign.

Prints: the modules and their lines (mean, median, largest, how many over 300), the
layers docs/architecture.md states and how many folders each holds, the imports that
run from a lower layer to a higher one (tests/test_architecture.py's reading of the
page and of the code), the largest fan-in and fan-out, the pairs of places that
`duplicates` finds in optimize_images/ (when the command is installed), and with
--suite the test suite's wall time.

    python benchmarks/architecture.py [--suite]
"""

import argparse
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import test_architecture as page  # noqa: E402  (the page's layers and the import graph)


def lines_of(path):
    return len(path.read_text(encoding="utf-8").splitlines())


def duplicate_pairs():
    """The pairs of places `duplicates` lists in optimize_images/ (rows "D1 ...", "D2 ...")."""
    try:
        done = subprocess.run(["duplicates", "--most", "200"], cwd=REPO / "optimize_images",
                              capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return sum(1 for line in done.stdout.splitlines() if line[:1] == "D" and line[1:2].isdigit())


def suite_seconds():
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=REPO,
                   capture_output=True)
    return time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", action="store_true", help="also time the test suite")
    arguments = parser.parse_args(argv)
    known = page.modules()
    lengths = {name: lines_of(path) for name, path in known.items()}
    values = list(lengths.values())
    print(f"modules: {len(known)}; lines: {sum(values)} in all, mean {statistics.mean(values):.0f}, "
          f"median {statistics.median(values):.0f}, largest {max(values)} "
          f"({max(lengths, key=lengths.get)}), over 300: {sum(value > 300 for value in values)}")
    folders = Counter(page.unit_of(name) if (page.PACKAGE / page.unit_of(name)).is_dir()
                      else "(top level)" for name in known)
    print("modules per folder: " + ", ".join(f"{folder} {count}"
                                             for folder, count in sorted(folders.items())))
    units = page.stated_units()
    per_layer = Counter(units.values())
    print(f"layers on docs/architecture.md: {len(per_layer)} "
          f"({', '.join(str(per_layer[layer]) for layer in sorted(per_layer))} folders or "
          f"top-level modules)")
    graph = page.import_graph()
    upward = page.upward_imports()
    print(f"imports of ours: {sum(len(others) for others in graph.values())}; from a lower "
          f"layer to a higher or the same one (outside a folder): {len(upward)}")
    for line in upward:
        print(f"  {line}")
    fan_in = Counter(other for others in graph.values() for other in others)
    fan_out = {name: len(others) for name, others in graph.items()}
    print(f"most imported: {', '.join(f'{name} {count}' for name, count in fan_in.most_common(5))}")
    print(f"most importing: {', '.join(f'{name} {fan_out[name]}' for name in sorted(fan_out, key=fan_out.get, reverse=True)[:5])}")
    pairs = duplicate_pairs()
    print(f"duplicates in optimize_images/: {'not installed' if pairs is None else pairs}")
    if arguments.suite:
        print(f"test suite: {suite_seconds():.0f} s wall")


if __name__ == "__main__":
    main()
