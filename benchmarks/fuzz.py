"""Thousands of fuzzed images through the CLI: counts by outcome and by reason, and every failure.

The files are seeded mutations (tests/fuzzing.py: bit flips, truncations, damaged
chunks, segments and blocks, absurd dimensions, damaged EXIF, garbage after a valid
magic number, wrong extensions) of small images made with Pillow, plus the files of
../shared/corpus/broken when present. They are optimized in batches, each batch one
CLI run in a subprocess (`python -m optimize_images FOLDER --report R.json`), once
per flag set.

A failure is anything tests/test_fuzz.py would refuse: a traceback or any output on
standard error, an exit status other than 0 or 1, a file that appeared or
disappeared, an original changed into something that is not a sound image of the
right size, a reason that is not in plain words, a file without exactly one line.

    python benchmarks/fuzz.py [--count 3000] [--seed 1] [--batch 500] [--jobs 2]
        [--flags= --flags=-ke]

It prints, per flag set: files by outcome, reasons by kind (numbers generalised,
with the raw detail the JSON report keeps for one example), the slowest files and
the peak resident memory of each batch's largest process.
"""

import argparse
import collections
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import fuzzing  # noqa: E402  (tests/fuzzing.py, after the path is set)
from measured_run import run_measured  # noqa: E402  (benchmarks/measured_run.py)

BROKEN_CORPUS = REPO.parent / "shared" / "corpus" / "broken"
BATCH_TIMEOUT = 900


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="mutants (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=500,
                        help="files per CLI run (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="-jobs of each run (default: %(default)s)")
    parser.add_argument("--flags", action="append",
                        help="a flag set as one string, repeatable: --flags= --flags=-ke "
                             "(default: none, then -ke)")
    args = parser.parse_args(argv)
    args.flags = args.flags or ["", "-ke"]
    return args


def main(argv=None):
    args = parse_arguments(argv)
    files = dict(fuzzing.mutants(args.count, args.seed))
    if BROKEN_CORPUS.is_dir():
        files.update({f"corpus-{p.name}": p.read_bytes() for p in sorted(BROKEN_CORPUS.iterdir())})
    print(f"{len(files)} files ({args.count} mutants, seed {args.seed}"
          f"{', and corpus/broken' if BROKEN_CORPUS.is_dir() else ''}); "
          f"batches of {args.batch}, -jobs {args.jobs}\n")
    failures = 0
    for flags in args.flags:
        tally = Tally()
        names = sorted(files)
        for start in range(0, len(names), args.batch):
            batch = {name: files[name] for name in names[start:start + args.batch]}
            tally.add(run_batch(batch, shlex.split(flags), args.jobs))
        failures += tally.print(flags)
    print(f"failures in all: {failures}")
    return 1 if failures else 0


class Tally:
    def __init__(self):
        self.outcomes = collections.Counter()
        self.reasons = collections.Counter()
        self.examples = {}
        self.problems = []
        self.slowest = []
        self.peaks = []
        self.seconds = 0.0

    def add(self, batch):
        self.problems += batch["problems"]
        self.peaks.append(batch["peak"])
        self.seconds += batch["wall"]
        for record in batch["files"]:
            self.outcomes[record["status"]] += 1
            for said in ("reason", "note"):
                if record[said]:
                    kind = (f'{record["status"] if said == "reason" else "note"}: '
                            f'{fuzzing.describe_reason("FAILED: " + record[said])}')
                    self.reasons[kind] += 1
                    self.examples.setdefault(kind, record["detail"] if said == "reason" else "")
            self.slowest.append((record["seconds"], Path(record["path"]).name))

    def print(self, flags):
        total = sum(self.outcomes.values())
        print(f"== flags: {flags or '(none)'}: {total} files in {self.seconds:.0f} s; "
              f"peak memory of a batch's largest process: {max(self.peaks) / 1e6:.0f} MB "
              f"(median batch {sorted(self.peaks)[len(self.peaks) // 2] / 1e6:.0f} MB)")
        for status in ("optimized", "skipped", "failed"):
            print(f"  {status:10} {self.outcomes[status]:6}")
        print("  reasons and notes (numbers shown as N; the detail kept in the JSON report "
              "for one of them):")
        for kind, count in self.reasons.most_common():
            detail = self.examples[kind]
            print(f"  {count:6}  {kind}" + (f"   [{detail[:90]}]" if detail else ""))
        print("  slowest files: " + ", ".join(
            f"{name} {seconds:.2f} s" for seconds, name in sorted(self.slowest)[-5:][::-1]))
        print(f"  FAILURES: {len(self.problems)}")
        for problem in self.problems[:50]:
            print(f"    {problem}")
        print()
        return len(self.problems)


def run_batch(batch, flags, jobs):
    """Write the files, run the CLI on them, check what it did."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as work:
        folder = Path(work) / "files"
        folder.mkdir()
        for name, data in batch.items():
            (folder / name).write_bytes(data)
        report = Path(work) / "report.json"
        command = [sys.executable, "-m", "optimize_images", "-jobs", str(jobs), *flags,
                   "--report", str(report), str(folder)]
        status, out, err, peak, wall = run_measured(command, work, timeout=BATCH_TIMEOUT)
        problems = fuzzing.run_problems(folder, batch, out, err, status,
                                        keep_exif="-ke" in flags)
        files = json.loads(report.read_text())["files"] if report.exists() else []
        if not files:
            problems.append("no JSON report")
    return {"problems": problems, "files": files, "peak": peak, "wall": wall}


if __name__ == "__main__":
    if not hasattr(os, "wait4"):
        sys.exit("needs os.wait4 (Linux, macOS)")
    sys.exit(main())
