"""Open an HTML page in headless Chromium and report what a reader would see.

A copy of the page gets a small script that runs after every image has loaded: it records, for
each ``<img>``, whether the browser decoded it (``naturalWidth > 0``), and the text of every
table cell. Chromium's ``--dump-dom`` prints the document after scripts ran; the record is
read back from it. Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=20000",
]
PROBE = """<script>
window.addEventListener('load', function () {
  var images = Array.from(document.images).map(function (i) { return i.complete && i.naturalWidth > 0; });
  var cells = Array.from(document.querySelectorAll('td')).map(function (c) { return c.textContent.trim(); });
  var out = document.createElement('pre');
  out.id = 'browser-probe';
  out.textContent = JSON.stringify({images: images, cells: cells, title: document.title});
  document.body.appendChild(out);
});
</script>"""
RESULT = re.compile(r'<pre id="browser-probe">(.*?)</pre>', re.S)


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None."""
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


def inspect_page(page: Path, workdir: Path, chromium: str) -> dict:
    """Load ``page`` in headless Chromium; return ``{"images": [bool ...], "cells": [str ...]}``."""
    probed = workdir / f"probed-{page.name}"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    profile = workdir / "chromium-profile"
    completed = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", probed.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    match = RESULT.search(completed.stdout)
    if not match:
        raise RuntimeError(f"Chromium did not run the probe on {page.name}: {completed.stderr[-2000:]}")
    import html

    return json.loads(html.unescape(match.group(1)))
