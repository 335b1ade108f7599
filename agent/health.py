"""What the running agent costs, logged once a minute (and read by `make soak`).

One INFO line ``agent health`` with the process's resident memory, open file
descriptors, asyncio tasks, calls in progress and the call log's counters. A leak shows
as a line that climbs while the calls stay level; the soak test reads these lines.
Linux's /proc is read directly: one small file each, no library needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL_S = 60.0


@dataclass(frozen=True)
class Health:
    rss_mb: float
    open_fds: int
    tasks: int
    calls: int


def sample(calls: int = 0) -> Health:
    """This process, now (the running loop's tasks when called inside one)."""
    rss_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    try:
        fds = len(os.listdir("/proc/self/fd"))
    except OSError:
        fds = -1
    try:
        tasks = len(asyncio.all_tasks())
    except RuntimeError:
        tasks = 0
    return Health(round(rss_kb / 1024, 1), fds, tasks, calls)


async def report_forever(
    active_calls: Callable[[], int],
    extra: Callable[[], dict[str, int]] | None = None,
    interval_s: float = INTERVAL_S,
) -> None:
    """Log a health line every ``interval_s`` until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        fields = asdict(sample(active_calls()))
        if extra is not None:
            fields.update(extra())
        log.info("agent health", extra=fields)
