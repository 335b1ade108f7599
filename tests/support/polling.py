"""Waiting for a condition in the lab tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


async def until(check: Callable[[], Awaitable[Any]], within: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy (and return that); fail the test
    with ``what`` after ``within`` seconds."""

    async def poll() -> Any:
        while not (found := await check()):  # noqa: ASYNC110 (polling a condition)
            await asyncio.sleep(0.05)
        return found

    try:
        return await asyncio.wait_for(poll(), within)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {within} s") from None
