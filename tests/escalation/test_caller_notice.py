"""The caller learns the escalation's end: on the line through ``on_finished``, or by
SMS when nobody told them (once, also after a restart). Real Asterisk, real PostgreSQL,
sipp technicians that press keys."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from agent.actions.escalation import State
from agent.actions.escalation.finish import EscalationEnd
from agent.actions.escalation.model import NewEscalation
from agent.actions.escalation.notify import Notification
from agent.actions.escalation.settings import contact
from agent.domain import Emergency, StartEscalation
from agent.profile import OnCall
from tests.escalation.harness import FAST, Harness
from tests.escalation.phones import pressing_phone
from tests.support.phones import run_uas

pytestmark = [pytest.mark.integration, pytest.mark.slow]
MOBILE = "+49 171 9876543"
ONE_PERSON = {
    "people": [{"name": "Technik Eins", "phone": "PJSIP/oncall1", "sms": "+4911"}],
    "shifts": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00",
                "end": "23:59:59", "person": "Technik Eins"}],
}  # fmt: skip


def emergency(caller_number: str = MOBILE) -> StartEscalation:
    return StartEscalation(
        Emergency(
            kind="Rohrbruch",
            caller_name="Erika Muster",
            caller_number=caller_number,
            address=f"Hauptstraße {uuid.uuid4().hex[:6]}, 80331 München",
            description="Wasser läuft aus der Wand im Keller",
            created_at=datetime.now(UTC),
        )
    )


class Ends:
    """A call's ``on_finished``: keeps what it heard and says ``told``."""

    def __init__(self, told: bool) -> None:
        self.told = told
        self.heard: list[EscalationEnd] = []

    async def __call__(self, end: EscalationEnd) -> bool:
        self.heard.append(end)
        return self.told

    async def wait(self, within: float = 60.0) -> EscalationEnd:
        deadline = time.monotonic() + within
        while not self.heard:
            assert time.monotonic() < deadline, "the listener was never called"
            await asyncio.sleep(0.1)
        return self.heard[0]


async def eventually(
    check: Callable[[], Awaitable[bool]], within: float = 20.0, what: str = ""
) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.1)


async def caller_notices(h: Harness, escalation_id: uuid.UUID) -> list[Notification]:
    return [n for n in await h.notifier.sent(escalation_id) if n.purpose == "caller_acknowledged"]


# -- lab --------------------------------------------------------------------------------


async def test_caller_not_on_the_line_gets_one_sms(h: Harness) -> None:
    ends = Ends(told=False)  # e.g. the caller hung up, or the hold timed out
    async with pressing_phone("oncall1", "1") as phone:
        ticket = await h.service.start(emergency(), on_finished=ends)
        end = await ends.wait()
        await phone.wait_for("ended", 1, within=20)
    assert end == EscalationEnd(ticket.escalation_id, acknowledged=True, person="Technik Eins")

    async def technician_notified() -> bool:
        sent = await h.notifier.sent(ticket.escalation_id)
        return {n.purpose for n in sent} == {"acknowledged", "caller_acknowledged"}

    await eventually(technician_notified, what="technician and caller notified")
    [sms] = await caller_notices(h, ticket.escalation_id)
    assert (sms.person, sms.channel, sms.address) == ("Erika Muster", "sms", "+491719876543")
    assert sms.body == (
        "Test GmbH: Technik Eins vom Notdienst hat Ihren Notfall übernommen und ruft Sie zurück."
    )
    await h.service.resume_unfinished()  # a restart sends nothing twice
    assert len(await caller_notices(h, ticket.escalation_id)) == 1
    rec = await h.store.get(ticket.escalation_id)
    assert rec is not None and rec.caller_told_at is None


async def test_caller_told_on_the_line_gets_no_sms(h: Harness) -> None:
    ends = Ends(told=True)
    async with pressing_phone("oncall1", "1"):
        ticket = await h.service.start(emergency(), on_finished=ends)
        end = await ends.wait()
    assert end.acknowledged and end.person == "Technik Eins"

    async def technician_notified() -> bool:
        sent = await h.notifier.sent(ticket.escalation_id)
        return any(n.purpose == "acknowledged" for n in sent)

    await eventually(technician_notified, what="technician notified")
    rec = await h.store.get(ticket.escalation_id)
    assert rec is not None and rec.caller_told_at is not None
    await h.service.resume_unfinished()  # the sweep knows the caller was told
    assert await caller_notices(h, ticket.escalation_id) == []


async def test_nobody_answers_the_caller_hears_not_acknowledged(h: Harness) -> None:
    h.service.config = dataclasses.replace(
        h.service.config,
        on_call=OnCall.model_validate(ONE_PERSON),
        policy=dataclasses.replace(FAST, attempts_per_person=1),
    )
    ends = Ends(told=True)
    async with run_uas("oncall1", "busy") as phone:
        ticket = await h.service.start(emergency(), on_finished=ends)
        end = await ends.wait()
        assert phone.calls == 1
    assert end == EscalationEnd(ticket.escalation_id, acknowledged=False, person=None)
    rec = await h.store.get(ticket.escalation_id)
    assert rec is not None and rec.state is State.EXHAUSTED
    assert await caller_notices(h, ticket.escalation_id) == []
    # a call about the same emergency does not join one nobody took: the rota is rung again
    late = Ends(told=True)
    request = StartEscalation(
        Emergency(
            rec.emergency.kind,
            "Nachbar",
            "+4917000000",
            rec.emergency.address,
            "auch bei mir",
            created_at=datetime.now(UTC),
        )
    )
    again = await h.service.start(request, on_finished=late)
    assert not again.joined and again.escalation_id != ticket.escalation_id
    assert late.heard == []


async def test_joining_an_acknowledged_escalation_tells_at_once(h: Harness) -> None:
    first = Ends(told=False)
    request = emergency()
    async with pressing_phone("oncall1", "1"):
        ticket = await h.service.start(request, on_finished=first)
        await first.wait()
    late = Ends(told=True)
    joined = await h.service.start(
        StartEscalation(
            dataclasses.replace(
                request.emergency, caller_name="Nachbar", caller_number="+4917000000"
            )
        ),
        on_finished=late,
    )
    assert joined.joined and joined.escalation_id == ticket.escalation_id
    assert late.heard == [EscalationEnd(ticket.escalation_id, True, "Technik Eins")]
    await eventually(
        lambda: _has_caller_sms(h, ticket.escalation_id), what="the first caller's SMS"
    )
    [sms] = await caller_notices(h, ticket.escalation_id)
    assert sms.address == "+491719876543"  # the first caller's: the joined one was told


async def _has_caller_sms(h: Harness, escalation_id: uuid.UUID) -> bool:
    return bool(await caller_notices(h, escalation_id))


# -- the start-up sweep (PostgreSQL; no technician is called) ----------------------------


async def _acknowledged_escalation(h: Harness, caller_number: str = MOBILE) -> uuid.UUID:
    """An escalation a dead process acknowledged without telling the caller."""
    new = NewEscalation(
        emergency=Emergency(
            kind="Rohrbruch",
            caller_name="Erika Muster",
            caller_number=caller_number,
            address="Lindenweg 7",
            description="Wasser",
            created_at=datetime.now(UTC),
        ),
        people=tuple(contact(p) for p in h.service.config.on_call.people),
        dedupe_key=f"rohrbruch|{uuid.uuid4().hex}",
        language="en",
    )
    escalation_id, created = await h.store.create_or_join(new, 0.0)
    assert created
    async with h.db.connection() as conn:
        await conn.execute(
            "UPDATE escalations SET state = 'acknowledged', acknowledged_by = 'Technik Eins',"
            " attempts_made = 1, closed_at = now() WHERE id = %s",
            (escalation_id,),
        )
    return escalation_id


async def test_sweep_sends_the_lost_caller_sms(h: Harness) -> None:
    escalation_id = await _acknowledged_escalation(h)
    await h.service.resume_unfinished()
    [sms] = await caller_notices(h, escalation_id)
    assert sms.body == (
        "Test GmbH: Technik Eins from our on-call service has taken your emergency "
        "and will call you back."
    )  # the escalation's language
    assert {n.purpose for n in await h.notifier.sent(escalation_id)} == {
        "acknowledged",
        "caller_acknowledged",
    }
    await h.service.resume_unfinished()
    assert len(await caller_notices(h, escalation_id)) == 1


async def test_sweep_leaves_told_callers_and_no_gateway_alone(h: Harness) -> None:
    told = await _acknowledged_escalation(h)
    await h.store.mark_caller_told(told)
    await h.service.resume_unfinished()
    assert await caller_notices(h, told) == []
    not_told = await _acknowledged_escalation(h)
    h.service.config = dataclasses.replace(h.service.config, caller_sms=False)
    await h.service.resume_unfinished()
    assert await caller_notices(h, not_told) == []
