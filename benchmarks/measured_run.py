"""Run a command as a subprocess and measure its peak resident memory (shared by the benchmarks).

The peak is `ru_maxrss` from wait4(): the largest resident set of the process, or
of any child it waited for (a pool worker), C allocations (Pillow's pixels,
libwebp's buffers) included, which tracemalloc would not see. On Linux a process
keeps the high-water mark of the memory it had before exec(), which for a child of
a benchmark holding big images would be the benchmark's size; so the command is
started by a small launcher (a bare Python, about 10 MB), which reports the figure.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ru_maxrss is in kilobytes on Linux, in bytes on macOS.
MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024
# argv: where to write the peak, then the command. Exits with the command's status.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(command, work, *, timeout=900):
    """(exit status, stdout, stderr, peak bytes, seconds); the process group is killed at the end."""
    work = Path(work)
    out_path, err_path, peak_path = work / "out.txt", work / "err.txt", work / "peak.txt"
    started = time.perf_counter()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(peak_path), *command],
                                   stdout=out, stderr=err, start_new_session=True,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
    timer = threading.Timer(timeout, kill_group, (process.pid,))
    timer.start()
    try:
        status = process.wait()
    finally:
        timer.cancel()
        kill_group(process.pid)  # nothing of the run may outlive the measurement
    peak = int(peak_path.read_text()) * MAXRSS_UNIT if peak_path.exists() else 0
    return (status, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
            peak, time.perf_counter() - started)


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
