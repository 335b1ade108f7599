"""A real headless Chromium (Debian's ``chromium``, installed by ``make deps``) for the
tests of pages and reports: print to PDF, take a screenshot. Artifacts go to
``$RUFBEREIT_ARTIFACTS`` (default ``build/artifacts``) for a person to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

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


def chromedriver() -> str:
    for name in ("chromedriver", "chromium-driver"):
        if path := shutil.which(name):
            return path
    for path in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"):
        if os.access(path, os.X_OK):
            return path
    pytest.fail("no chromedriver: apt-get install chromium-driver (make deps installs it)")


def webdriver(width: int = 1280, height: int = 900) -> Any:
    """Selenium on Debian's chromium through its chromedriver (no Selenium Manager, which
    would download a browser). The caller quits it."""
    try:
        from selenium import webdriver as wd
        from selenium.webdriver.chrome.service import Service
    except ModuleNotFoundError:
        pytest.fail("no selenium: pip install -e '.[dev]' (make deps installs it)")
    options = wd.ChromeOptions()
    options.binary_location = chromium()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--lang=de-DE"):  # fmt: skip
        options.add_argument(arg)
    return wd.Chrome(service=Service(chromedriver()), options=options)
