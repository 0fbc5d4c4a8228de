"""Symbolic links named on the command line: the target is optimized in place and the link
kept; never is a link turned into a file. (Folder walks skip links: see test_discovery.)"""

import os
import subprocess
import sys

import pytest

from optimize_images.image.formats import jpeg
from optimize_images.run.lock import LOCK_NAME

from helpers import opened, photo, run_cli, write

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")


@pytest.fixture
def linked(tmp_path):
    """(link, target): links/photo.jpg pointing at photos/photo.jpg, a JPEG worth optimizing."""
    target = write(tmp_path / "photos" / "photo.jpg", photo(), quality=95)
    link = tmp_path / "links" / "photo.jpg"
    link.parent.mkdir()
    link.symlink_to(os.path.relpath(target, link.parent))
    return link, target


def test_a_linked_file_is_optimized_where_it_lives_and_the_link_kept(linked):
    link, target = linked
    pointing_at, before = os.readlink(link), target.read_bytes()
    run = run_cli(link)
    assert run.code == 0, run.out
    assert link.is_symlink() and os.readlink(link) == pointing_at
    assert target.read_bytes() != before and jpeg.is_marked(opened(target))
    assert len(target.read_bytes()) < len(before)
    assert sorted(p.name for p in link.parent.iterdir()) == ["photo.jpg"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["photo.jpg"]  # no temp, no lock


def test_the_lock_is_taken_where_the_target_lives(linked):
    link, target = linked
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (target.parent / LOCK_NAME).write_text(f"{holder.pid}\n")
        before = target.read_bytes()
        run = run_cli(link)
        assert run.code == 75 and str(target.parent) in run.err
        assert target.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("flags", [["-cf", "png"], ["-ca", "-cf", "webp", "-fd"]])
def test_a_link_is_not_converted(linked, flags):
    link, target = linked
    before = target.read_bytes()
    run = run_cli(*flags, link)
    assert run.code == 0
    assert f"{link}  " in run.out and "skipped: symbolic link" in run.out
    assert link.is_symlink() and target.read_bytes() == before
    assert sorted(p.name for p in link.parent.iterdir()) == ["photo.jpg"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["photo.jpg"]


def test_a_conversion_flag_that_keeps_the_format_optimizes_the_target(linked):
    link, target = linked
    before = target.read_bytes()
    run = run_cli("-ca", "-fd", link)  # JPEG to JPEG: no conversion, nothing deleted
    assert run.code == 0 and "1 optimized" in run.out
    assert link.is_symlink() and target.read_bytes() != before


def test_with_an_output_dir_the_result_is_a_file_and_the_link_stays(linked, tmp_path):
    link, target = linked
    before = target.read_bytes()
    run = run_cli("--output-dir", tmp_path / "out", link)
    assert run.code == 0, run.out
    result = tmp_path / "out" / "photo.jpg"
    assert result.is_file() and not result.is_symlink() and jpeg.is_marked(opened(result))
    assert link.is_symlink() and target.read_bytes() == before


def test_a_dangling_link_is_named_as_such(tmp_path):
    link = tmp_path / "gone.jpg"
    link.symlink_to(tmp_path / "nowhere.jpg")
    run = run_cli(link)
    assert run.code == 1
    assert f"{link}  FAILED: broken symbolic link: its target {tmp_path / 'nowhere.jpg'} " \
           "does not exist" in run.err
    assert link.is_symlink()
