"""systemd's notify protocol as the agent speaks it: "ready", and watchdog pings from the
event loop that stop when the loop stops turning."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

from agent.systemd_notify import notify, watchdog_forever, watchdog_interval


def _listener(tmp_path: Path) -> tuple[socket.socket, dict[str, str]]:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    return sock, {"NOTIFY_SOCKET": str(path)}


def _received(sock: socket.socket) -> list[str]:
    out: list[str] = []
    while True:
        try:
            out.append(sock.recv(4096).decode())
        except BlockingIOError:
            return out


def test_outside_systemd_nothing_is_sent() -> None:
    assert notify("READY=1", env={}) is False
    assert watchdog_interval({}) is None


def test_ready_reaches_systemd(tmp_path: Path) -> None:
    sock, env = _listener(tmp_path)
    assert notify("READY=1", env=env)
    assert _received(sock) == ["READY=1"]


def test_the_watchdog_pings_at_half_the_interval_and_stops_with_the_loop(
    tmp_path: Path,
) -> None:
    sock, env = _listener(tmp_path)
    env |= {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval(env) == 0.1
    assert watchdog_interval({**env, "WATCHDOG_PID": "1"}) is None  # meant for another

    async def run() -> tuple[int, int]:
        task = asyncio.create_task(watchdog_forever(env))
        await asyncio.sleep(0.55)
        turning = len(_received(sock))
        time.sleep(0.5)  # noqa: ASYNC251 (the point: the loop stuck, no pings meanwhile)
        stuck = len(_received(sock))
        task.cancel()
        return turning, stuck

    turning, stuck = asyncio.run(run())
    assert 5 <= turning <= 7, turning
    assert stuck == 0
