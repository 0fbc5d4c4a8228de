"""Unattended runs: markers, idempotence, output folders, reports, exclusions."""

import json
import os
from pathlib import Path

import pytest

from optimize_images.api import optimize
from optimize_images.image.formats import jpeg, png, webp
from optimize_images.common.results import OPTIMIZED, SKIPPED

from helpers import opened, photo, run_cli, write

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "report.schema.json"


def make_tree(root):
    write(root / "a.jpg", photo(seed=1), quality=95)
    write(root / "sub" / "b.png", photo((96, 96), seed=2), compress_level=0)
    write(root / "sub" / "c.webp", photo((96, 96), seed=3), quality=100, method=0)
    write(root / "d.bmp", photo((32, 32), seed=4))
    return sorted(p for p in root.rglob("*") if p.is_file())


def snapshot(paths):
    return {p: p.read_bytes() for p in paths}


@pytest.mark.parametrize("name, module", [("a.jpg", jpeg), ("b.png", png), ("c.webp", webp)])
def test_every_written_file_carries_our_marker(tmp_path, name, module):
    files = make_tree(tmp_path)
    optimize(str(tmp_path))
    path = next(p for p in files if p.name == name)
    assert module.is_marked(opened(path))


def test_a_second_run_changes_no_byte(tmp_path):
    files = make_tree(tmp_path)
    first = optimize(str(tmp_path))
    assert first.summary.optimized == 3
    after_first = snapshot(files)
    second = optimize(str(tmp_path))
    assert snapshot(files) == after_first
    reasons = {Path(r.path).name: r.reason for r in second.results}
    assert all("already optimized" in reasons[name] for name in ("a.jpg", "b.png", "c.webp"))


def test_force_processes_marked_files_again(tmp_path):
    make_tree(tmp_path)
    optimize(str(tmp_path))
    again = optimize(str(tmp_path), force=True, no_comparison=True)
    assert again.summary.optimized == 3


def test_a_jpeg_already_below_the_search_range_is_skipped(tmp_path):
    path = write(tmp_path / "low.jpg", photo(), quality=45)
    original = path.read_bytes()
    result = optimize(str(path)).results[0]
    assert result.status == SKIPPED and "already at quality 45" in result.reason
    assert path.read_bytes() == original


@pytest.mark.parametrize("source_quality", [55, 70, 85])
def test_the_search_never_goes_above_the_source_quality(tmp_path, source_quality):
    path = write(tmp_path / "a.jpg", photo(), quality=source_quality)
    result = optimize(str(path), target=0.9999).results[0]  # a target no quality reaches
    assert result.status == SKIPPED
    assert f"already at quality {source_quality}" in result.reason


def test_output_dir_is_complete_and_sources_are_untouched(tmp_path):
    files = make_tree(tmp_path / "in")
    before = snapshot(files)
    outcome = optimize(str(tmp_path / "in"), output_dir=str(tmp_path / "out"))
    assert snapshot(files) == before
    mirrored = sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*")
                      if p.is_file() and not p.name.startswith("."))
    assert mirrored == sorted(p.relative_to(tmp_path / "in") for p in files)
    bmp = tmp_path / "out" / "d.bmp"
    assert bmp.read_bytes() == (tmp_path / "in" / "d.bmp").read_bytes()  # copied unchanged
    assert outcome.summary.optimized == 3


def test_dry_run_leaves_everything_identical(tmp_path):
    files = make_tree(tmp_path)
    before = snapshot(files)
    outcome = optimize(str(tmp_path), dry_run=True)
    assert outcome.summary.optimized == 3
    assert snapshot(files) == before
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == files


def test_exclude_leaves_matching_paths_alone(tmp_path):
    files = make_tree(tmp_path)
    before = snapshot(files)
    outcome = optimize(str(tmp_path), exclude=("sub/*", "*.bmp"))
    assert [Path(r.path).name for r in outcome.results] == ["a.jpg"]
    assert all(snapshot(files)[p] == before[p] for p in files if p.name != "a.jpg")


def test_update_mtime_gives_the_current_time(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    os.utime(path, (1_500_000_000, 1_500_000_000))
    optimize(str(path), update_mtime=True)
    assert os.stat(path).st_mtime > 1_500_000_000


def test_read_only_file_is_left_alone(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    original = path.read_bytes()
    os.chmod(path, 0o444)
    result = optimize(str(path)).results[0]
    assert result.status == SKIPPED and "read-only" in result.reason
    assert path.read_bytes() == original


def test_read_only_folder_fails_cleanly(tmp_path, monkeypatch):
    """Root ignores folder permissions, so the refusal is simulated where it would happen."""
    from optimize_images.common import writer
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    original = path.read_bytes()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(writer.tempfile, "mkstemp", refuse)
    result = optimize(str(path)).results[0]
    assert result.status == "failed" and "permission denied" in result.reason
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".optimize-images.lock")) == ["a.jpg"]


def test_a_full_disk_is_reported_and_leaves_nothing_behind(tmp_path, monkeypatch):
    from optimize_images.common import writer
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    original = path.read_bytes()

    def disk_full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "fsync", disk_full)
    result = optimize(str(path)).results[0]
    assert result.status == "failed" and "no space left" in result.reason
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg"]


def test_stale_temporary_files_are_cleaned_up(tmp_path):
    write(tmp_path / "a.jpg", photo(), quality=95)
    stale = tmp_path / "sub" / ".optimize-images-k1ll3d.tmp"
    stale.parent.mkdir()
    stale.write_bytes(b"half a jpeg")
    optimize(str(tmp_path))
    assert not stale.exists()


def test_json_report_validates_against_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    make_tree(tmp_path / "in")
    (tmp_path / "in" / "bad.jpg").write_text("not an image")
    report_path = tmp_path / "report.json"
    run = run_cli("--report", report_path, tmp_path / "in")
    assert run.code == 1
    report = json.loads(report_path.read_text())
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    statuses = {Path(f["path"]).name: f["status"] for f in report["files"]}
    assert statuses == {"a.jpg": "optimized", "b.png": "optimized", "c.webp": "optimized",
                        "d.bmp": "skipped", "bad.jpg": "failed"}
    assert report["summary"]["exit_status"] == 1


def test_json_report_to_stdout_moves_the_lines_to_stderr(tmp_path):
    make_tree(tmp_path)
    run = run_cli("--report", "-", tmp_path)
    report = json.loads(run.out)
    assert report["summary"]["seen"] == 4
    assert "a.jpg" in run.err


def test_report_file_has_ordinary_permissions(tmp_path):
    make_tree(tmp_path / "in")
    report_path = tmp_path / "report.json"
    run_cli("--report", report_path, tmp_path / "in")
    assert os.stat(report_path).st_mode & 0o777 == 0o666 & ~_umask()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_min_savings_threshold(tmp_path):
    path = write(tmp_path / "a.jpg", photo(), quality=95)
    result = optimize(str(path), min_savings=99).results[0]
    assert result.status == SKIPPED and "less than 99%" in result.reason
    assert optimize(str(path), min_savings=5).results[0].status == OPTIMIZED
