"""Fixtures of the action tests: a local HTTP receiver, a real SMTP server (aiosmtpd)
and a real CalDAV server (radicale, a subprocess). A missing package FAILS the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.smtp import Mailbox, running_smtp

from .receiver import Receiver, free_port


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    try:
        with running_smtp() as server:
            yield server
    except ModuleNotFoundError as exc:
        pytest.fail(f"aiosmtpd is needed for the SMTP tests (pip install aiosmtpd): {exc}")


class Radicale:
    def __init__(self, port: int, folder: Path, htpasswd: Path | None = None) -> None:
        self.port = port
        self.folder = folder
        self.htpasswd = htpasswd  # plain "user:password" lines; None: no authentication
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def calendar_url(self, name: str = "test") -> str:
        """A calendar of user ``user`` (auth type none: any password is accepted)."""
        return f"{self.url}user/{name}/"

    def start(self) -> None:
        cmd = [
            sys.executable, "-m", "radicale",
            "--server-hosts", f"127.0.0.1:{self.port}",
            "--storage-filesystem-folder", str(self.folder),
            "--logging-level", "warning",
        ]  # fmt: skip
        if self.htpasswd is None:
            cmd += ["--auth-type", "none"]
        else:
            cmd += ["--auth-type", "htpasswd", "--auth-htpasswd-filename", str(self.htpasswd),
                    "--auth-htpasswd-encryption", "plain"]  # fmt: skip
        log = self.folder.parent / "radicale.log"
        with log.open("ab") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                text = log.read_text(errors="replace")
                pytest.fail(f"radicale exited with {self.proc.returncode}: {text}")
            try:
                httpx.get(self.url, timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        pytest.fail("radicale did not answer within 20 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self.proc = None


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    try:
        import caldav  # noqa: F401
        import radicale  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"radicale and caldav are needed (pip install radicale caldav): {exc}")
    server = Radicale(free_port(), tmp_path / "collections")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(tmp_path / "collections", ignore_errors=True)


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client
