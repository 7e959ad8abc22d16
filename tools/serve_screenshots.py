"""Save the screenshots of the explorer page in docs/serve/ (laptop and phone width).

Starts the real ``varsynth serve`` on a free loopback port, opens the page in headless Chromium
(Playwright with Debian's ``chromium``) and saves ``explorer.png`` (1280 x 900) and
``explorer-phone.png`` (390 x 844) once the plots are drawn::

    python tools/serve_screenshots.py [OUT_DIR]      # default: docs/serve
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("VARSYNTH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SIZES = (("explorer.png", 1280, 900), ("explorer-phone.png", 390, 844))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("varsynth serve did not start")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "varsynth.cli", "serve", "--port", str(port)])
    try:
        _wait_healthy(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for name, width, height in SIZES:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(url + "/")
                page.wait_for_function("Number(document.body.dataset.updates) >= 1", timeout=30_000)
                page.screenshot(path=str(out / name), full_page=True)
                print(out / name)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/serve"))
