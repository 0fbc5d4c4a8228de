import os

from optimize_images.run.discovery import find_images

from helpers import photo, write


def names(candidates, root):
    return [os.path.relpath(c.path, root) for c in candidates]


def test_walks_sorted_recursively_and_skips_what_it_should(tmp_path):
    write(tmp_path / "b.jpg", photo((16, 16)))
    write(tmp_path / "a.png", photo((16, 16)))
    write(tmp_path / "sub" / "c.webp", photo((16, 16)))
    write(tmp_path / ".hidden" / "d.jpg", photo((16, 16)))
    write(tmp_path / ".e.jpg", photo((16, 16)))
    (tmp_path / ".optimize-images-x1.tmp").write_bytes(b"partial")
    (tmp_path / "notes.txt").write_text("not an image")
    found = names(find_images([str(tmp_path)]), tmp_path)
    assert found == ["a.png", "b.jpg", os.path.join("sub", "c.webp")]


def test_no_recursion(tmp_path):
    write(tmp_path / "a.jpg", photo((16, 16)))
    write(tmp_path / "sub" / "b.jpg", photo((16, 16)))
    assert names(find_images([str(tmp_path)], recursive=False), tmp_path) == ["a.jpg"]


def test_symlinks_are_not_followed_out_of_the_tree(tmp_path):
    outside = tmp_path / "outside"
    write(outside / "x.jpg", photo((16, 16)))
    tree = tmp_path / "tree"
    write(tree / "a.jpg", photo((16, 16)))
    os.symlink(outside, tree / "link_dir")
    os.symlink(outside / "x.jpg", tree / "link.jpg")
    assert names(find_images([str(tree)]), tree) == ["a.jpg"]


def test_a_file_named_on_the_command_line_is_taken_whatever_its_name(tmp_path):
    path = write(tmp_path / "photo.unknown", photo((16, 16)), "PNG")
    assert [c.path for c in find_images([str(path)])] == [str(path)]


def test_the_same_file_given_twice_is_seen_once(tmp_path):
    path = write(tmp_path / "a.jpg", photo((16, 16)))
    assert len(list(find_images([str(path), str(tmp_path)]))) == 1


def test_exclude_matches_a_named_file_by_its_path_as_given_and_its_name(tmp_path, monkeypatch):
    """As a pre-commit hook passes them: files named one by one, relative to the repository."""
    monkeypatch.chdir(tmp_path)
    for name in ("vendor/a.png", "vendor/deep/b.png", "assets/raw_c.png", "assets/d.png"):
        write(tmp_path / name, photo((16, 16)))
    given = ["vendor/a.png", "./vendor/deep/b.png", "assets/raw_c.png", "assets/d.png"]
    found = find_images(given, exclude=("vendor/*", "raw_*"))
    assert [candidate.path for candidate in found] == ["assets/d.png"]
