"""Read-only AMI look-ups (panoramisk): what ARI cannot tell, such as the dialplan.

ARI evaluates no dialplan functions (``GET /asterisk/variable`` returns "" for
``DIALPLAN_EXISTS(...)``), so ``rufbereit doctor`` asks AMI's ``ShowDialPlan``
whether the contexts the assistant relies on are loaded. Only used when AMI
credentials are configured; the call path never needs AMI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from panoramisk import Manager


class AmiError(Exception):
    """AMI is unreachable or refused the login."""


async def contexts_loaded(
    host: str, port: int, user: str, password: str, contexts: Iterable[str], *, step_s: float = 5.0
) -> dict[str, bool]:
    """For each context: is it in the running dialplan?"""
    manager = Manager(
        loop=asyncio.get_running_loop(),
        host=host,
        port=port,
        username=user,
        secret=password,
        ping_delay=3600,
        reconnect_timeout=3600,  # a doctor asks once; no background reconnects
    )
    try:
        try:
            await asyncio.wait_for(manager.connect(), step_s)
        except (OSError, TimeoutError) as exc:
            raise AmiError(f"nothing answers at {host}:{port} ({type(exc).__name__})") from None
        login = manager.authenticated_future
        if login is not None:
            await asyncio.wait_for(login, step_s)
        if not manager.authenticated:
            raise AmiError(f"AMI refused user {user!r} (check manager.conf)")
        found: dict[str, bool] = {}
        for context in contexts:
            reply: Any = await asyncio.wait_for(
                manager.send_action({"Action": "ShowDialPlan", "Context": context}, as_list=True),
                step_s,
            )
            messages = reply if isinstance(reply, list) else [reply]
            found[context] = any(m.get("Event") == "ListDialplan" for m in messages)
        return found
    finally:
        manager.close()
