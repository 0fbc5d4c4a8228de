import os

import pytest

from optimize_images.common import writer


def temporaries(folder):
    return [name for name in os.listdir(folder) if writer.is_temporary(name)]


def test_replace_file_swaps_content_and_keeps_mode_and_times(tmp_path):
    target = tmp_path / "a.jpg"
    target.write_bytes(b"old content")
    os.chmod(target, 0o640)
    os.utime(target, ns=(1_000_000_000, 2_000_000_000))
    like = os.stat(target)
    writer.replace_file(str(target), b"new", like=like)
    assert target.read_bytes() == b"new"
    after = os.stat(target)
    assert after.st_mode & 0o777 == 0o640
    assert after.st_mtime_ns == 2_000_000_000
    assert temporaries(tmp_path) == []


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_crash_during_the_write_leaves_the_original_intact(tmp_path, monkeypatch, failing):
    target = tmp_path / "a.jpg"
    target.write_bytes(b"original bytes")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failing == "write":
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, handle):
                self.handle = handle

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.handle.close()

            def write(self, data):
                self.handle.write(data[: len(data) // 2])
                boom()

        monkeypatch.setattr(writer.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(writer.os, failing, boom)
    with pytest.raises(OSError):
        writer.replace_file(str(target), b"a much longer replacement", like=os.stat(target))
    assert target.read_bytes() == b"original bytes"
    assert temporaries(tmp_path) == []


def test_create_file_never_overwrites(tmp_path):
    target = tmp_path / "a.jpg"
    target.write_bytes(b"someone else's file")
    with pytest.raises(FileExistsError):
        writer.create_file(str(target), b"ours")
    assert target.read_bytes() == b"someone else's file"
    assert temporaries(tmp_path) == []


def test_create_file_without_hard_links_still_refuses_to_overwrite(tmp_path, monkeypatch):
    def no_links(source, destination):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(writer.os, "link", no_links)
    writer.create_file(str(tmp_path / "new.jpg"), b"ours")
    assert (tmp_path / "new.jpg").read_bytes() == b"ours"
    with pytest.raises(FileExistsError):
        writer.create_file(str(tmp_path / "new.jpg"), b"again")
    assert temporaries(tmp_path) == []


def test_temporary_names_are_recognised():
    assert writer.is_temporary(".optimize-images-abc123.tmp")
    assert not writer.is_temporary("photo.jpg")
    assert not writer.is_temporary(".optimize-images-notes.txt")
