"""The README's picture of the HTML report: a dry run over samples/, drawn by headless Chromium.

    python scripts/html_report_screenshot.py [FOLDER] [--output docs/images/html-report.png]

Needs Playwright (a test extra) and Chromium (at $CHROMIUM, else on the PATH); no
browser is downloaded.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync")
VIEWPORT = {"width": 1200, "height": 720}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="samples",
                        help="what to run over, from the repository (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=REPO / "docs/images/html-report.png")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "run.html"
        subprocess.run([sys.executable, "-m", "optimize_images", "--dry-run", "--quiet",
                        "--report", str(page), arguments.folder], cwd=REPO, check=True,
                       env=dict(os.environ, PYTHONPATH=str(REPO)))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                tab = browser.new_page(viewport=VIEWPORT)
                tab.goto(page.as_uri(), wait_until="load")
                tab.screenshot(path=str(arguments.output))
            finally:
                browser.close()
    print(arguments.output)


if __name__ == "__main__":
    main()
