"""SIGKILL at many moments: every file stays its original bytes or a complete result."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optimize_images.formats import jpeg, png
from optimize_images.lock import LOCK_NAME
from optimize_images.writer import is_temporary

from helpers import opened, photo, write

REPO = Path(__file__).resolve().parents[1]
KILL_AFTER = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.1, 1.3, 1.6]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def make_folder(folder, count=16):
    paths = []
    for index in range(count):
        if index % 4 == 3:
            paths.append(write(folder / f"{index:02}.png", photo((400, 300), seed=index),
                               compress_level=1))
        else:
            paths.append(write(folder / f"{index:02}.jpg", photo((900, 700), seed=index),
                               quality=97))
    return paths


def start_run(folder):
    return subprocess.Popen(
        [sys.executable, "-m", "optimize_images", "-jobs", "2", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)})


def check_every_file(paths, originals):
    rewritten = 0
    for path in paths:
        data = path.read_bytes()
        if data == originals[path]:
            continue
        image = opened(path)  # raises if it is not a complete, valid image
        module = jpeg if path.suffix == ".jpg" else png
        assert module.is_marked(image), f"{path.name} changed but is not our result"
        rewritten += 1
    return rewritten


def test_sigkill_at_any_moment_loses_nothing(tmp_path):
    paths = make_folder(tmp_path)
    originals = {p: p.read_bytes() for p in paths}
    for delay in KILL_AFTER:
        run = start_run(tmp_path)
        time.sleep(delay)
        run.send_signal(signal.SIGKILL)
        run.wait()
        check_every_file(paths, originals)
    finishing = start_run(tmp_path)
    assert finishing.wait(timeout=120) == 0
    assert check_every_file(paths, originals) == len(paths)
    leftovers = [n for n in os.listdir(tmp_path) if is_temporary(n) or n == LOCK_NAME]
    assert leftovers == []
