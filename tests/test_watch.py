import threading
import time

from optimize_images.api import watch_with
from optimize_images.image.formats import jpeg
from optimize_images.common.results import OPTIMIZED
from optimize_images.common.settings import Settings

from helpers import opened, photo, write


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_watch_optimizes_new_files_once_and_ignores_its_own_writes(tmp_path):
    write(tmp_path / "existing.jpg", photo(seed=1), quality=95)
    results = []
    stop = threading.Event()
    settings = Settings(paths=(str(tmp_path),), watch=True, watch_interval=0.1, jobs=1)
    thread = threading.Thread(
        target=lambda: results.append(watch_with(settings, on_result=None, stop=stop)))
    thread.start()
    try:
        assert wait_for(lambda: jpeg.is_marked(opened(tmp_path / "existing.jpg")))
        write(tmp_path / "new.jpg", photo(seed=2), quality=95)
        assert wait_for(lambda: jpeg.is_marked(opened(tmp_path / "new.jpg")))
        time.sleep(0.5)  # several more looks: nothing must be redone
    finally:
        stop.set()
        thread.join(timeout=20)
    outcome = results[0]
    assert [r.status for r in outcome.results] == [OPTIMIZED, OPTIMIZED]
    assert outcome.summary.exit_status == 0


def test_a_growing_file_waits_until_it_is_complete(tmp_path):
    from optimize_images.run.discovery import Candidate
    from optimize_images.run.watch import _settled

    path = tmp_path / "upload.jpg"
    path.write_bytes(b"\xff\xd8partial")
    last_seen, handled = {}, {}
    candidates = [Candidate(str(path), str(tmp_path))]
    assert _settled(candidates, last_seen, handled) == []
    path.write_bytes(b"\xff\xd8partial and more")
    assert _settled(candidates, last_seen, handled) == []
    assert _settled(candidates, last_seen, handled) == candidates
