"""How an escalation's end reaches the waiting calls, and the caller's SMS (no lab)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

from agent.actions.escalation import State
from agent.actions.escalation.finish import EscalationEnd, Waiting, tell_all
from agent.actions.escalation.model import EscalationRecord
from agent.actions.escalation.notify import Notification, notify_caller
from agent.actions.escalation.texts import caller_acknowledged_sms
from agent.domain import Emergency


class Collecting:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def send(self, notification: Notification) -> bool:
        self.sent.append(notification)
        return True


async def test_only_the_callers_own_call_saying_told_counts() -> None:
    end = EscalationEnd(uuid.uuid4(), True, "Technik Eins")
    heard: list[EscalationEnd] = []

    def joined(e: EscalationEnd) -> bool:
        heard.append(e)
        return True

    def own(e: EscalationEnd) -> None:
        heard.append(e)

    def broken(e: EscalationEnd) -> bool:
        raise RuntimeError("call gone")

    assert not await tell_all([Waiting(joined, own=False), Waiting(own, own=True)], end)
    assert heard == [end, end]
    assert not await tell_all([Waiting(broken, own=True)], end)

    async def told(e: EscalationEnd) -> bool:
        return True

    assert await tell_all([Waiting(broken, own=False), Waiting(told, own=True)], end)


async def test_caller_sms_goes_to_mobile_numbers_only() -> None:
    now = datetime.now(UTC)
    rec = EscalationRecord(
        id=uuid.uuid4(),
        emergency=Emergency("Rohrbruch", "", "0171 2345678", "", "", created_at=now),
        language="de", state=State.ACKNOWLEDGED,
        people=(), attempts_made=1, next_attempt_at=None, acknowledged_by="Technik Eins",
        created_at=now, updated_at=now, closed_at=now, joined_calls=0, dedupe_key="x",
    )  # fmt: skip
    notifier = Collecting()
    assert await notify_caller(notifier, rec, "Technik Eins", "Müller Sanitär GmbH")
    [n] = notifier.sent
    assert (n.person, n.address, n.purpose) == ("Anrufer", "+491712345678", "caller_acknowledged")
    landline = dataclasses.replace(
        rec, emergency=dataclasses.replace(rec.emergency, caller_number="089 123456")
    )
    assert not await notify_caller(notifier, landline, "Technik Eins", "Müller Sanitär GmbH")
    assert len(notifier.sent) == 1


def test_caller_sms_texts() -> None:
    assert caller_acknowledged_sms("de", "Müller Sanitär GmbH", "Thomas Huber") == (
        "Ihr Notfall ist übernommen",
        "Müller Sanitär GmbH: Thomas Huber vom Notdienst hat Ihren Notfall übernommen "
        "und ruft Sie zurück.",
    )
    subject, text = caller_acknowledged_sms("en", "Müller Sanitär GmbH", "Thomas Huber")
    assert subject == "Your emergency has been taken" and "will call you back" in text
    assert len(text) <= 160  # one SMS
