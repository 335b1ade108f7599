"""A real headless Chromium (Debian's ``chromium``, installed by ``make deps``) for the
tests of pages and reports: print to PDF, take a screenshot. Artifacts go to
``$RUFBEREIT_ARTIFACTS`` (default ``build/artifacts``) for a person to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def artifacts() -> Path:
    path = Path(os.environ.get("RUFBEREIT_ARTIFACTS", REPO / "build" / "artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.fail("no Chromium: apt-get install chromium (make deps installs it)")


def browser(*args: str, url: str) -> None:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", *args, url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def screenshot(page: Path, png: Path, width: int = 794, height: int = 1123) -> Path:
    browser("--hide-scrollbars", f"--window-size={width},{height}", f"--screenshot={png}",
            url=page.as_uri())  # fmt: skip
    return png


def print_pdf(page: Path, pdf: Path) -> Path:
    browser("--no-pdf-header-footer", f"--print-to-pdf={pdf}", url=page.as_uri())
    return pdf
