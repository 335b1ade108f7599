"""systemd's notify protocol: "ready" once calls are answered, and a watchdog ping from
the event loop, so that an agent that hangs (not dead, just stuck: a deadlock, memory
thrashing) is killed by systemd and its guard hands the callers to people.

The protocol is one datagram to the socket in ``$NOTIFY_SOCKET`` (sd_notify(3)); the
few lines here are all of it, so no library is needed for it. Outside systemd (no
``$NOTIFY_SOCKET``) everything here does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send ``message`` (e.g. "READY=1") to systemd; False outside systemd or on error."""
    env = os.environ if env is None else env
    address = env.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as exc:
        log.warning("systemd notify failed", extra={"error": str(exc)})
        return False
    return True


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Half of systemd's ``WatchdogSec=`` (as sd_watchdog_enabled(3) advises), or None."""
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) / 2_000_000
    except ValueError:
        return None


async def watchdog_forever(env: Mapping[str, str] | None = None) -> None:
    """Ping systemd's watchdog from the event loop until cancelled: a loop that stops
    turning stops the pings, and systemd ends the process."""
    interval = watchdog_interval(env)
    if interval is None:
        return
    while True:
        notify("WATCHDOG=1", env)
        await asyncio.sleep(interval)
