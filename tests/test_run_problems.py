"""Problems of the run itself, not of one file: one line on standard error naming the
path and the cause, the exit status docs/options.md documents, and no file touched.

The full-disk tests mount a 1 MiB tmpfs and are skipped where this machine does not
let us; the unprivileged-user test drops to `nobody` when run as root.
"""

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from optimize_images.run import report
from optimize_images.api import CannotStart, optimize
from optimize_images.run.lock import LOCK_NAME

from helpers import opened, photo, run_cli, write

REPO = Path(__file__).resolve().parents[1]
NOBODY = 65534


def make_tree(folder, count=2):
    paths = [write(folder / f"{index}.jpg", photo(seed=index), quality=95) for index in range(count)]
    return {path: path.read_bytes() for path in paths}


def assert_untouched(originals):
    for path, data in originals.items():
        assert path.read_bytes() == data, path
    folder = next(iter(originals)).parent
    assert sorted(folder.iterdir()) == sorted(originals), "files appeared"


def assert_one_line(run, *words):
    assert "Traceback" not in run.out + run.err
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    for word in words:
        assert str(word) in lines[0], lines[0]


# --- Paths that do not exist, or are the wrong kind ---------------------------------------

def test_a_missing_path_is_a_usage_error_and_nothing_is_done(tmp_path):
    originals = make_tree(tmp_path / "tree")
    missing = tmp_path / "nowhere"
    run = run_cli(tmp_path / "tree", missing)
    assert run.code == 2 and run.out == ""
    assert_one_line(run, missing, "no such file or folder")
    assert_untouched(originals)


def test_the_api_says_no_such_path_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CannotStart) as raised:
        optimize("missing/")
    assert raised.value.path == "missing/" and raised.value.cause == "no such file or folder"
    assert list(tmp_path.iterdir()) == []


def test_info_on_a_missing_file_is_a_usage_error(tmp_path):
    run = run_cli("-i", tmp_path / "nowhere.jpg")
    assert run.code == 2
    assert_one_line(run, tmp_path / "nowhere.jpg", "no such file or folder")


@pytest.mark.parametrize("dry_run", [False, True], ids=["write", "dry-run"])
def test_an_output_dir_that_is_a_file_is_a_usage_error(tmp_path, dry_run):
    originals = make_tree(tmp_path / "tree")
    not_a_folder = tmp_path / "out"
    not_a_folder.write_text("keep me")
    run = run_cli("--output-dir", not_a_folder, *(["--dry-run"] if dry_run else []),
                  tmp_path / "tree")
    assert run.code == 2
    assert_one_line(run, not_a_folder, "not a folder")
    assert not_a_folder.read_text() == "keep me"
    assert_untouched(originals)


def test_an_output_dir_that_cannot_be_made_is_a_usage_error(tmp_path):
    originals = make_tree(tmp_path / "tree")
    (tmp_path / "file").write_text("")
    run = run_cli("--output-dir", tmp_path / "file" / "out", tmp_path / "tree")
    assert run.code == 2
    assert_one_line(run, tmp_path / "file" / "out", "cannot create the output folder")
    assert_untouched(originals)


# --- The report is checked before any work ------------------------------------------------

@pytest.mark.parametrize("where, cause", [
    ("missing/report.json", "no such file or folder"),
    ("file/report.json", "not a folder"),
    ("folder", "names a folder"),
])
def test_a_report_that_cannot_be_written_stops_the_run_before_any_work(tmp_path, where, cause):
    originals = make_tree(tmp_path / "tree")
    (tmp_path / "file").write_text("")
    (tmp_path / "folder").mkdir()
    destination = tmp_path / where
    run = run_cli("--report", destination, tmp_path / "tree")
    assert run.code == 2 and run.out == ""
    assert_one_line(run, destination, cause)
    assert_untouched(originals)


def test_a_report_the_disk_refuses_at_the_end_is_one_line_and_status_1(tmp_path, monkeypatch):
    make_tree(tmp_path / "tree")
    destination = tmp_path / "report.json"

    def disk_full(path, data, **options):
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(report, "replace_file", disk_full)
    run = run_cli("--report", destination, tmp_path / "tree")
    assert run.code == 1
    assert "2 optimized" in run.out
    assert_one_line(run, destination, "no space left on the device")


# --- A full disk, a tree we may not write --------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs, where this machine lets us mount one; unmounted afterwards."""
    if sys.platform != "linux" or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs Linux")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def fill(disk, leave=0):
    """Fill the disk, then free `leave` bytes again."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while handle.write(bytes(4096)):
                pass
        except OSError as error:
            assert error.errno == errno.ENOSPC
    os.truncate(filler, max(0, filler.stat().st_size - leave))


def test_a_full_disk_stops_the_run_at_the_lock_and_leaves_nothing(small_disk):
    tree = small_disk / "tree"
    originals = make_tree(tree)
    fill(small_disk)
    run = run_cli(tree)
    assert run.code == 2 and run.out == ""
    assert_one_line(run, tree, "lock file", "no space left on the device")
    assert_untouched(originals)  # no lock file, no half-written pid file


def test_a_dry_run_reporting_to_a_full_disk_stops_before_any_work(small_disk):
    tree = small_disk / "tree"
    make_tree(tree)
    fill(small_disk)
    destination = small_disk / "report.json"
    run = run_cli("--dry-run", "--report", destination, tree)
    assert run.code == 2 and run.out == ""
    assert_one_line(run, destination, "no space left on the device")
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "tree"]


def test_a_disk_too_full_for_the_results_fails_each_file_and_keeps_it(small_disk):
    tree = small_disk / "tree"
    originals = make_tree(tree)
    fill(small_disk, leave=8192)  # room for the lock, not for a result
    run = run_cli(tree)
    assert run.code == 1 and "FAILED" not in run.out  # failures go to stderr
    for path in originals:
        assert f"{path}  FAILED: no space left on the device" in run.err
    assert_untouched(originals)


# Run as root, the child imports what it needs, becomes `nobody`, then runs the CLI.
AS_UNPRIVILEGED_USER = f"""
import os, sys
from PIL import Image
from optimize_images.cli import main
Image.init()
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid({NOBODY})
    os.setuid({NOBODY})
if os.access(sys.argv[-1], os.W_OK):
    sys.exit(77)  # writable after all: nothing to test here
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_tree_the_user_may_read_but_not_write_is_one_line():
    # Outside pytest's private temporary folder, so that another user can reach it.
    tree = Path(tempfile.mkdtemp(prefix="optimize-images-readonly-"))
    try:
        originals = make_tree(tree)
        tree.chmod(0o755 if os.geteuid() == 0 else 0o555)
        run = subprocess.run(
            [sys.executable, "-c", AS_UNPRIVILEGED_USER, "-jobs", "1", str(tree)],
            capture_output=True, text=True, timeout=120, cwd="/",
            env={**os.environ, "PYTHONPATH": str(REPO)})
        if run.returncode == 77:
            pytest.skip("the tree is writable for this user (an unusual file system?)")
        assert run.returncode == 2, run.stdout + run.stderr
        assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) == 1
        assert str(tree) in run.stderr and "permission denied" in run.stderr
        assert_untouched(originals)
    finally:
        tree.chmod(0o755)
        shutil.rmtree(tree)


# --- The reader of our output goes away ----------------------------------------------------

@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_closed_output_pipe_ends_the_run_quietly_and_leaves_every_file_whole(tmp_path, jobs):
    originals = {path: path.read_bytes() for path in
                 (write(tmp_path / f"{index:02}.jpg", photo((240, 180), seed=index), quality=95)
                  for index in range(24))}
    run = subprocess.Popen(
        [sys.executable, "-m", "optimize_images", "-jobs", jobs, str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        first = run.stdout.readline()
        run.stdout.close()  # as `head -1` does
        status = run.wait(timeout=120)
        errors = run.stderr.read().decode()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        run.stderr.close()
    assert first.startswith(str(tmp_path).encode())
    assert status == 141 and errors == ""
    rewritten = 0
    for path, data in originals.items():
        if path.read_bytes() != data:
            assert opened(path).size == (240, 180)
            rewritten += 1
    assert 1 <= rewritten < len(originals)  # it stopped early, files done are whole
    assert sorted(tmp_path.iterdir()) == sorted(originals)  # no temporary files, no lock
    assert not (tmp_path / LOCK_NAME).exists()


# --- --output-dir and the folders given ------------------------------------------------------

def jpeg_names(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*.jpg"))


@pytest.mark.parametrize("output, given", [
    ("photos/out", "photos"),  # the output inside the input
    ("link/out", "photos"),  # the same, the output reached through a link to the input
    ("photos/out", "link"),  # the same, the input reached through a link
])
def test_an_output_dir_inside_the_input_is_never_walked(tmp_path, monkeypatch, output, given):
    """Run nightly, a run into a folder inside its input must not grow out/out/out/..."""
    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path / "photos")
    (tmp_path / "link").symlink_to(tmp_path / "photos")
    for _ in range(3):
        run = run_cli("--output-dir", output, given)
        assert run.code == 0, run.err
        assert "2 files: 2 optimized" in run.out
    assert jpeg_names(tmp_path / "photos") == ["0.jpg", "1.jpg", "out/0.jpg", "out/1.jpg"]


@pytest.mark.parametrize("output, given", [
    ("photos", "photos"),  # the same folder
    ("photos/", "./photos"),  # the same folder, written otherwise
    (".", "photos"),  # the input inside the output
    (".", "photos/0.jpg"),  # a file inside the output
    ("link", "photos"),  # the same folder, the output through a link
    ("photos", "link"),  # the same folder, the input through a link
    ("outlink", "photos/sub"),  # the input inside the output, through a link
], ids=["same", "same-spelled-otherwise", "input-inside-output", "file-inside-output",
        "same-output-link", "same-input-link", "inside-through-link"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["write", "dry-run"])
def test_an_output_dir_that_is_or_holds_an_input_is_a_usage_error(
        tmp_path, monkeypatch, output, given, dry_run):
    monkeypatch.chdir(tmp_path)
    originals = make_tree(tmp_path / "photos")
    (tmp_path / "photos" / "sub").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "photos")
    (tmp_path / "outlink").symlink_to(tmp_path / "photos")
    run = run_cli("--output-dir", output, *(["--dry-run"] if dry_run else []), given)
    assert run.code == 2, run.out + run.err
    assert_one_line(run, "--output-dir", output.rstrip("/"), given)
    (tmp_path / "photos" / "sub").rmdir()
    assert_untouched(originals)


def test_an_output_dir_holding_an_input_is_refused_by_the_api(tmp_path):
    make_tree(tmp_path / "photos")
    with pytest.raises(CannotStart, match="--output-dir"):
        optimize(str(tmp_path / "photos"), output_dir=str(tmp_path))
