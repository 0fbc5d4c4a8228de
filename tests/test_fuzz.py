"""A deterministic fuzz batch through the CLI, and names that lie about what they are.

The batch: seeded mutations (tests/fuzzing.py) of the small images the tests make,
optimized in one CLI run in a subprocess with two workers. Whatever the files, the
run must print no traceback and nothing on standard error but the failures' lines,
exit 0 or 1, leave every file byte-identical or a sound image of the right size,
leave no stray file, and give every file one line with its reason in plain words.
benchmarks/fuzz.py runs thousands.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fuzzing import mutants, run_problems
from helpers import opened, photo, run_cli, write

REPO = Path(__file__).resolve().parents[1]
SEED = 20240610
COUNT = 150
RUN_TIMEOUT = 300  # seconds; a hung run fails the test instead of hanging the suite


def run_in_subprocess(*argv):
    """(exit status, stdout, stderr) of `python -m optimize_images ARGV`, killed if it hangs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "optimize_images", *map(str, argv)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        out, err = process.communicate(timeout=RUN_TIMEOUT)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the run, and any worker it left
        except ProcessLookupError:
            pass
        process.wait()
    return process.returncode, out, err


@pytest.mark.parametrize("flags", [[], ["-ke"]], ids=["default", "keep-exif"])
def test_a_fuzzed_batch_leaves_every_file_whole_or_sound(tmp_path, flags):
    folder = tmp_path / "fuzzed"
    folder.mkdir()
    originals = dict(mutants(COUNT, SEED))
    for name, data in originals.items():
        (folder / name).write_bytes(data)

    status, out, err = run_in_subprocess("-jobs", "2", *flags, folder)

    problems = run_problems(folder, originals, out, err, status, keep_exif=bool(flags))
    assert problems == [], "\n".join(problems)


def test_the_mutations_are_the_same_for_the_same_seed():
    assert dict(mutants(40, SEED)) == dict(mutants(40, SEED))
    assert dict(mutants(40, SEED)) != dict(mutants(40, SEED + 1))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("named", ["the folder", "the FIFO"])
def test_a_fifo_named_like_an_image_is_refused_without_blocking(tmp_path, named):
    fifo = tmp_path / "x.jpg"
    os.mkfifo(fifo)
    good = write(tmp_path / "good.jpg", photo((160, 120)), quality=95)
    before = good.read_bytes()
    status, out, err = run_in_subprocess("-jobs", "1", tmp_path if named == "the folder" else fifo)
    assert status == 1
    assert err == f"{fifo}  FAILED: not a regular file\n"
    assert os.path.exists(fifo) and not os.path.isfile(fifo)
    if named == "the folder":
        assert good.read_bytes() != before and opened(good).size == (160, 120)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_info_on_a_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "x.jpg"
    os.mkfifo(fifo)
    status, out, err = run_in_subprocess("-i", fifo)
    assert status == 1 and out == ""
    assert err == f"optimize-images: {fifo}: cannot read image: not a regular file\n"


@pytest.mark.parametrize("named", ["its parent", "itself"])
def test_a_folder_named_like_an_image_is_walked_not_read(tmp_path, named):
    folder = tmp_path / "y.jpg"
    inside = write(folder / "inside.jpg", photo((160, 120)), quality=95)
    before = inside.read_bytes()
    run = run_cli("-jobs", "1", tmp_path if named == "its parent" else folder)
    assert run.code == 0 and run.err == ""
    assert [line.split("  ")[0] for line in run.out.splitlines()[:-3]] == [str(inside)]
    assert inside.read_bytes() != before and folder.is_dir()


def test_info_on_a_folder_named_like_an_image(tmp_path):
    (tmp_path / "y.jpg").mkdir()
    run = run_cli("-i", tmp_path / "y.jpg")
    assert run.code == 1 and run.err.endswith("cannot read image: not a regular file\n")
