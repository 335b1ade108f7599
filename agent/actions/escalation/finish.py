"""How an escalation ended, for the calls waiting on it (the caller kept on the line).

A call registers a :data:`FinishListener` with ``EscalationService.start``; it is called
once with an :class:`EscalationEnd` when a technician pressed 1 or nobody took it. It
returns True when it told the caller on the line; otherwise the caller gets an SMS
when the technician has taken it. Listeners should return quickly (the voice loop only
queues what to say): they are awaited one after the other.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: A listener that says it is telling the caller must have done so within this time.
TELL_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class EscalationEnd:
    escalation_id: uuid.UUID
    acknowledged: bool  # a technician pressed 1; False: nobody took it (exhausted)
    person: str | None  # who pressed 1 (None when not acknowledged)


#: Called with the end; True (or an awaitable of True): the caller was told on the line.
FinishListener = Callable[[EscalationEnd], Awaitable[bool | None] | bool | None]


@dataclass(frozen=True, slots=True)
class Waiting:
    """A registered listener; ``own``: of the call that started the escalation (whose
    caller's number the escalation keeps), not of a call that joined it."""

    listener: FinishListener
    own: bool


async def tell(listener: FinishListener, end: EscalationEnd) -> bool:
    """Call ``listener``; True when it says the caller heard it. Failures are logged."""
    try:
        result = listener(end)
        if inspect.isawaitable(result):
            result = await asyncio.wait_for(result, TELL_TIMEOUT_S)
    except TimeoutError:
        log.warning(
            "the caller was not told in time", extra={"escalation_id": str(end.escalation_id)}
        )
        return False
    except Exception:
        log.exception(
            "escalation finish listener failed", extra={"escalation_id": str(end.escalation_id)}
        )
        return False
    return result is True


async def tell_all(waiting: list[Waiting], end: EscalationEnd) -> bool:
    """Tell every listener; True when the escalation's own caller was told on the line."""
    told = False
    for w in waiting:
        heard = await tell(w.listener, end)
        told = told or (heard and w.own)
    return told
