"""Pytest fixtures and helpers for the lab Asterisk (lab/asterisk.sh).

Register in tests/conftest.py: ``pytest_plugins = ["tests.support.lab", ...]``.

- ``lab``: makes sure the lab Asterisk is up (``lab/asterisk.sh up``, once per session,
  re-checked before every test); FAILS with the reason when it cannot be brought up.
  Once per session it first stops an agent that ``make demo`` left running
  (:func:`stop_demo_agent`): its Stasis app would take the test agents' calls.
- ``ari_cleanup``: after the test, hangs up channels and destroys bridges the test left.
- ``asterisk_channels()`` / ``asterisk_bridges()``: what is in Asterisk right now.
- ``asterisk_cli(cmd)``: ``asterisk -rx`` in the lab.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
LAB_SCRIPT = REPO / "lab" / "asterisk.sh"
DEMO_SCRIPT = REPO / "lab" / "demo.sh"
ARI_URL = "http://127.0.0.1:8088/ari"
ARI_USER = "rufbereit"
ARI_PASSWORD = "lab&pass=1"
STASIS_APP = "rufbereit"


def ari_auth() -> httpx.BasicAuth:
    return httpx.BasicAuth(ARI_USER, ARI_PASSWORD)


def ari_client(timeout: float = 5.0) -> httpx.AsyncClient:
    """An httpx client for the lab's ARI (base URL .../ari, lab credentials)."""
    return httpx.AsyncClient(base_url=ARI_URL, auth=ari_auth(), timeout=timeout)


def run_lab(*args: str, timeout: float = 600.0) -> subprocess.CompletedProcess[str]:
    """Run lab/asterisk.sh with the given arguments; output captured, never raises."""
    return subprocess.run(
        [str(LAB_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def asterisk_cli(command: str) -> str:
    """``asterisk -rx COMMAND`` inside the lab chroot; raises if that fails."""
    proc = run_lab("cli", command, timeout=30)
    if proc.returncode != 0:
        raise RuntimeError(f"lab/asterisk.sh cli {command!r} failed: {proc.stderr.strip()}")
    return proc.stdout


def _ari_answers() -> bool:
    try:
        r = httpx.get(f"{ARI_URL}/asterisk/info", auth=ari_auth(), timeout=2)
    except httpx.HTTPError:
        return False
    return r.status_code == 200


def _bring_up() -> None:
    if os.geteuid() != 0:
        pytest.fail("the lab Asterisk needs root (chroot, unshare, mount): run the tests as root")
    if not LAB_SCRIPT.is_file():
        pytest.fail(f"{LAB_SCRIPT} is missing")
    try:
        proc = run_lab("up")
    except subprocess.TimeoutExpired:
        pytest.fail("lab/asterisk.sh up did not finish within 600 s")
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip()[-4000:]
        pytest.fail(f"lab/asterisk.sh up failed (exit {proc.returncode}):\n{out}")
    if not _ari_answers():
        pytest.fail(f"lab/asterisk.sh up succeeded but ARI does not answer on {ARI_URL}")


def lab_dir() -> Path:
    """The lab's state directory (``$RUFBEREIT_LAB_DIR``), as lab/*.sh use it."""
    return Path(os.environ.get("RUFBEREIT_LAB_DIR", "/var/tmp/rufbereit-lab"))


def _running(pid: int) -> bool:
    """Is ``pid`` a live process (not gone, not a zombie nobody reaped)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def stop_demo_agent(directory: Path | None = None) -> int | None:
    """Stop the agent ``make demo`` left running (``lab/demo.sh stop-agent``, which hands its
    callers to the fallback first); ``directory``: the lab directory with its ``agent.pid``.
    Returns the pid of the agent that was stopped, None if none was running. FAILS the
    test with the reason if it cannot be stopped."""
    directory = directory or lab_dir()
    pidfile = directory / "agent.pid"
    if not pidfile.exists():
        return None
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        pid = 0
    was_running = pid > 0 and _running(pid)
    proc = subprocess.run(
        ["bash", str(DEMO_SCRIPT), "stop-agent"],
        env={**os.environ, "RUFBEREIT_LAB_DIR": str(directory)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0 or (was_running and _running(pid)):
        out = (proc.stdout + proc.stderr).strip()[-2000:]
        pytest.fail(f"the demo agent (pid {pid}, {pidfile}) did not stop: {out}")
    return pid if was_running else None


def _stasis_app_gone(within: float) -> bool:
    deadline = time.monotonic() + within
    while True:
        try:
            r = httpx.get(f"{ARI_URL}/applications/{STASIS_APP}", auth=ari_auth(), timeout=2)
        except httpx.HTTPError:
            return False
        if r.status_code == 404:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def prepare_lab() -> None:
    """Once per session: stop an agent left running by ``make demo`` (its Stasis app would
    take the test agents' calls), then bring the lab up."""
    stopped = stop_demo_agent()
    if stopped is not None:
        warnings.warn(
            f"stopped the agent that `make demo` left running (pid {stopped}): the tests "
            "start their own; `lab/demo.sh start-agent` starts it again",
            stacklevel=1,
        )
    _bring_up()
    if stopped is not None and not _stasis_app_gone(within=10.0):
        pytest.fail(
            f"the demo agent (pid {stopped}) was stopped, but the Stasis app "
            f"{STASIS_APP!r} is still registered with the lab Asterisk"
        )


@pytest.fixture(scope="session")
def _lab_session() -> None:
    prepare_lab()


@pytest.fixture
def lab(_lab_session: None) -> None:
    """The lab Asterisk is up and ARI answers (re-upped if someone took it down)."""
    if not _ari_answers():
        _bring_up()


async def asterisk_channels() -> list[dict[str, Any]]:
    """All channels Asterisk has now (ARI GET /channels)."""
    async with ari_client() as ari:
        r = await ari.get("/channels")
        r.raise_for_status()
        result: list[dict[str, Any]] = r.json()
        return result


async def asterisk_bridges() -> list[dict[str, Any]]:
    """All bridges Asterisk has now (ARI GET /bridges)."""
    async with ari_client() as ari:
        r = await ari.get("/bridges")
        r.raise_for_status()
        result: list[dict[str, Any]] = r.json()
        return result


async def stasis_app_registered(name: str = STASIS_APP) -> bool:
    """Is an ARI application of that name connected (GET /applications/{name})?"""
    async with ari_client() as ari:
        r = await ari.get(f"/applications/{name}")
        return r.status_code == 200


async def clear_stale_app(name: str = STASIS_APP) -> None:
    """Asterisk keeps listing an app whose agent died (inactive: ``Stasis()`` fails at
    once) until a websocket for it opens and closes again. Do that, so that "is an agent
    connected?" can be asked again; FAILS the test if the app is still there (a live
    agent outside the tests would be replaced by this: the lab is the tests')."""
    if not await stasis_app_registered(name):
        return
    import base64

    import websockets

    token = base64.b64encode(f"{ARI_USER}:{ARI_PASSWORD}".encode()).decode()
    url = ARI_URL.replace("http://", "ws://") + f"/events?app={name}"
    async with websockets.connect(url, additional_headers={"Authorization": f"Basic {token}"}):
        pass
    for _ in range(20):
        if not await stasis_app_registered(name):
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"ARI app {name!r} stays registered: is an agent running? (make lab-down)")


async def _delete_new(before_channels: set[str], before_bridges: set[str]) -> list[str]:
    removed: list[str] = []
    async with ari_client() as ari:
        for ch in (await ari.get("/channels")).json():
            if ch["id"] not in before_channels:
                await ari.delete(f"/channels/{ch['id']}")  # 404 if it just went away: fine
                removed.append(f"channel {ch['name']}")
        for br in (await ari.get("/bridges")).json():
            if br["id"] not in before_bridges:
                await ari.delete(f"/bridges/{br['id']}")
                removed.append(f"bridge {br['id']} ({br.get('bridge_type', '?')})")
    return removed


@pytest.fixture
async def ari_cleanup(lab: None) -> AsyncIterator[None]:
    """After the test, hang up channels and destroy bridges that appeared during it.

    Only what is new since the test started is removed, so another test run sharing the
    lab keeps its older calls (calls another run starts during this test are not safe:
    the lab is one Asterisk with fixed ports, meant for one test run at a time). The
    test's own assertions should catch leaks; this only keeps one failed test from
    spoiling the next.
    """
    before_channels = {c["id"] for c in await asterisk_channels()}
    before_bridges = {b["id"] for b in await asterisk_bridges()}
    yield
    await _delete_new(before_channels, before_bridges)


@pytest.fixture(scope="session")
def lab_log_path() -> Iterator[Path]:
    """The lab Asterisk's messages.log (for assertions on what Asterisk logged)."""
    yield lab_dir() / "asterisk-root" / "var" / "log" / "asterisk" / "messages.log"
