"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the `pre-commit` package (a test
extra; skipped when absent, as without git) on a temporary git repository.

`pre-commit try-repo` on this checkout installs the hook's own environment with pip,
which fetches Pillow and piexif: without the network that test skips. The same hook
definitions also run offline, as local hooks (`language: system`) whose entry is the
optimize-images of the Python running the tests.
"""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from helpers import photo, process_groups, write

pytest.importorskip("pre_commit", reason="pre-commit is not installed")
yaml = pytest.importorskip("yaml", reason="PyYAML (a dependency of pre-commit) is missing")

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / ".pre-commit-hooks.yaml"
# What pip says when it cannot reach an index: then try-repo cannot install the hook.
OFFLINE_SIGNS = ("Failed to establish a new connection", "Temporary failure in name resolution",
                 "Network is unreachable", "No matching distribution found",
                 "Could not find a version that satisfies", "ConnectTimeout", "ReadTimeout")

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def manifest():
    """{hook id: its definition} as .pre-commit-hooks.yaml declares them."""
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def pre_commit(repo, *args, home):
    """(exit status, output) of `pre-commit ARGS` in the repository; the test skips when
    pip could not install a hook's environment for want of the network."""
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PIP_DEFAULT_TIMEOUT="15",
               PIP_RETRIES="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    with process_groups() as start:
        process = start(sys.executable, "-m", "pre_commit", *args, "--color", "never",
                        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output = process.communicate(timeout=900)[0].decode("utf-8", "replace")
    if process.returncode == 3 and any(sign in output for sign in OFFLINE_SIGNS):
        pytest.skip("pip could not reach an index to install the hook's environment "
                    "(Pillow, piexif): try-repo needs the network")
    return process.returncode, output


@pytest.fixture
def repo(tmp_path):
    """A git repository with a photo, PNGs and a GIF staged, and none committed yet."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "test@example.invalid")
    git(root, "config", "user.name", "test")
    write(root / "photo.jpg", photo((640, 480)), quality=95)
    write(root / "assets" / "icon.png", photo((64, 48)), compress_level=0)
    write(root / "assets" / "tight.png", photo((4, 4)), optimize=True)  # cannot get smaller
    write(root / "assets" / "logo.gif", photo((64, 48)).convert("P"),  # a chatty comment
          comment=b"made by a tool that says a lot about itself. " * 40)
    write(root / "assets" / "plain.gif", photo((64, 48), seed=3).convert("P"))  # cannot shrink
    write(root / "vendor" / "theirs.png", photo((64, 48), seed=2), compress_level=0)
    git(root, "add", "-A")
    return root


def contents(root):
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file() and ".git" not in path.parts}


def local_config(path, hook_id, args=()):
    """A config running the manifest's hook as a local one, with this Python's optimize-images."""
    hook = dict(manifest()[hook_id], language="system", args=list(args))
    hook["entry"] = hook["entry"].replace("optimize-images", f"{sys.executable} -m optimize_images",
                                          1)
    path.write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}),
                    encoding="utf-8")
    return path


def pixels(data_or_path):
    with Image.open(data_or_path) as image:
        return image.convert("RGBA")


def same_pixels(a, b):
    return ImageChops.difference(pixels(a), pixels(b)).getbbox() is None


def test_the_manifest_declares_both_hooks():
    hooks = manifest()
    assert sorted(hooks) == ["optimize-images", "optimize-images-lossless"]
    assert sorted(hooks["optimize-images"]["types_or"]) == ["gif", "jpeg", "png"]
    assert sorted(hooks["optimize-images-lossless"]["types_or"]) == ["gif", "png"]
    assert all(hook["require_serial"] and hook["entry"].startswith("optimize-images")
               for hook in hooks.values())


def first_and_second_run(repo, home, *arguments):
    """Run `pre-commit ARGUMENTS` twice, staging what the first run rewrote in between;
    (the first run's output, the files before and after it, the files it changed, the
    second run's status and output, whether the second run left every file as it was)."""
    before = contents(repo)
    status, output = pre_commit(repo, *arguments, home=home)
    after = contents(repo)
    assert status == 1 and "files were modified by this hook" in output, output
    changed = sorted(name for name in before if after[name] != before[name])
    assert all(len(after[name]) < len(before[name]) for name in changed), output
    git(repo, "add", "-A")
    second_status, second_output = pre_commit(repo, *arguments, home=home)
    return output, before, changed, second_status, second_output, contents(repo) == after


def test_the_hook_rewrites_and_fails_then_passes(repo, tmp_path):
    config = local_config(tmp_path / "config.yaml", "optimize-images",
                          args=("--exclude", "vendor/*"))
    output, before, changed, status, second, untouched = first_and_second_run(
        repo, tmp_path / "cache", "run", "--config", str(config))
    assert changed == ["assets/icon.png", "assets/logo.gif", "photo.jpg"], output
    assert same_pixels(repo / "assets" / "icon.png", io.BytesIO(before["assets/icon.png"]))
    assert status == 0 and "Passed" in second and untouched, second  # nothing touched twice
    assert "already optimized" in subprocess.run(
        [sys.executable, "-m", "optimize_images", "photo.jpg"], cwd=repo, capture_output=True,
        text=True).stdout


def test_the_lossless_hook_changes_no_pixel_and_leaves_jpeg_alone(repo, tmp_path):
    config = local_config(tmp_path / "config.yaml", "optimize-images-lossless")
    output, before, changed, status, second, untouched = first_and_second_run(
        repo, tmp_path / "cache", "run", "--config", str(config))
    assert changed == ["assets/icon.png", "assets/logo.gif", "vendor/theirs.png"], output
    for name in changed:
        assert same_pixels(repo / name, io.BytesIO(before[name])), name
    assert status == 0 and untouched, second


def test_try_repo_on_this_checkout(repo, tmp_path):
    """The hook as users get it: its environment installed by pre-commit from this checkout."""
    if subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"],
                      capture_output=True).returncode != 0:
        pytest.skip(f"{REPO} is not a git checkout")
    output, _, changed, status, second, untouched = first_and_second_run(
        repo, tmp_path / "cache", "try-repo", str(REPO), "optimize-images")
    assert changed == ["assets/icon.png", "assets/logo.gif", "photo.jpg",
                       "vendor/theirs.png"], output
    assert status == 0 and "Passed" in second and untouched, second
