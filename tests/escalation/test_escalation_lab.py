"""The escalation against the lab: real Asterisk, real PostgreSQL, sipp technicians."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest

from agent.actions.escalation import EscalationStore, Outcome, RecordingNotifier, State
from agent.domain import Emergency, StartEscalation
from agent.storage import Database
from agent.telephony.ari_client import AriClient
from tests.escalation.harness import FAST, TEST_APP, Harness, build_service
from tests.escalation.phones import pressing_phone
from tests.support.lab import (
    ARI_PASSWORD,
    ARI_URL,
    ARI_USER,
    REPO,
    asterisk_channels,
)
from tests.support.phones import run_uas

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def emergency(address: str | None = None) -> StartEscalation:
    return StartEscalation(
        Emergency(
            kind="Rohrbruch",
            caller_name="Erika Muster",
            caller_number="+4989123456",
            address=address or f"Hauptstraße {uuid.uuid4().hex[:6]}, 80331 München",
            description="Wasser läuft aus der Wand im Keller",
            created_at=datetime.now(UTC),
        )
    )


async def wait_state(h: Harness, escalation_id: uuid.UUID, *states: State,
                     within: float = 60.0) -> State:  # fmt: skip
    deadline = time.monotonic() + within
    while True:
        rec = await h.store.get(escalation_id)
        assert rec is not None
        if rec.state in states:
            return rec.state
        if time.monotonic() > deadline:
            attempts = await h.store.attempts(escalation_id)
            raise AssertionError(f"state {rec.state} after {within} s; attempts: {attempts}")
        await asyncio.sleep(0.1)


async def test_technician_presses_1_acknowledged_caller_told_and_notified(h: Harness) -> None:
    told: list[str] = []
    async with pressing_phone("oncall1", "1") as phone:
        ticket = await h.service.start(
            emergency(), on_acknowledged=lambda _id, who: told.append(who)
        )
        assert not ticket.joined
        await wait_state(h, ticket.escalation_id, State.ACKNOWLEDGED, within=40)
        await phone.wait_for("ended", 1, within=20)
        assert phone.calls == 1
    rec = await h.store.get(ticket.escalation_id)
    assert rec is not None and rec.acknowledged_by == "Technik Eins"
    attempts = await h.store.attempts(ticket.escalation_id)
    assert [a.outcome for a in attempts] == [Outcome.ACKNOWLEDGED]
    assert attempts[0].answered_at is not None
    assert told == ["Technik Eins"]
    assert len(h.acks) == 1 and 0 < h.acks[0] < 40  # /metrics: time to acknowledgement
    sent = await h.notifier.sent(ticket.escalation_id)
    assert {(n.person, n.channel, n.purpose) for n in sent} == {
        ("Technik Eins", "sms", "acknowledged"),
        ("Technik Eins", "email", "acknowledged"),
    }


@pytest.mark.parametrize("scenario", ["busy", "ring", "press2", "hangup"])
async def test_technician_1_does_not_take_it_technician_2_is_called(
    h: Harness, scenario: str
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if scenario == "press2":
            one = await stack.enter_async_context(pressing_phone("oncall1", "2", delay_ms=800))
        elif scenario == "hangup":  # answers, listens 2 s, hangs up without a key
            one = await stack.enter_async_context(run_uas("oncall1", "answer", hangup_after_s=2))
        else:
            one = await stack.enter_async_context(run_uas("oncall1", scenario))
        two = await stack.enter_async_context(pressing_phone("oncall2", "1"))
        t0 = time.monotonic()
        ticket = await h.service.start(emergency())
        await wait_state(h, ticket.escalation_id, State.ACKNOWLEDGED, within=90)
        assert one.calls == 2  # the retry policy: two tries for technician 1
        assert two.calls == 1
    elapsed = time.monotonic() - t0
    attempts = await h.store.attempts(ticket.escalation_id)
    assert [a.person for a in attempts] == ["Technik Eins", "Technik Eins", "Technik Zwei"]
    expected = {
        "busy": Outcome.BUSY,
        "ring": Outcome.NO_ANSWER,
        "press2": Outcome.DECLINED,
        "hangup": Outcome.HANGUP,
    }
    assert [a.outcome for a in attempts] == [expected[scenario]] * 2 + [Outcome.ACKNOWLEDGED]
    # the retry waited retry_after_s between the two tries of technician 1
    gap = (attempts[1].started_at - attempts[0].ended_at).total_seconds()  # type: ignore[operator]
    assert gap >= FAST.retry_after_s - 0.05, gap
    assert elapsed < 90
    rec = await h.store.get(ticket.escalation_id)
    assert rec is not None and rec.acknowledged_by == "Technik Zwei"


async def test_nobody_answers_fallback_called_then_everybody_notified(h: Harness) -> None:
    async with (
        run_uas("oncall1", "busy") as one,
        run_uas("oncall2", "busy") as two,
        run_uas("office", "busy") as office,
    ):
        ticket = await h.service.start(emergency())
        await wait_state(h, ticket.escalation_id, State.EXHAUSTED, within=90)
        assert (one.calls, two.calls, office.calls) == (2, 2, 2)
    attempts = await h.store.attempts(ticket.escalation_id)
    assert [a.person for a in attempts] == ["Technik Eins"] * 2 + ["Technik Zwei"] * 2 + [
        "Chefin"
    ] * 2
    sent = await h.notifier.sent(ticket.escalation_id)
    assert {(n.person, n.channel) for n in sent if n.purpose == "exhausted"} == {
        ("Technik Eins", "sms"), ("Technik Eins", "email"),
        ("Technik Zwei", "sms"), ("Technik Zwei", "email"),
        ("Chefin", "email"),
    }  # fmt: skip


async def test_two_calls_about_the_same_emergency_make_one_escalation(h: Harness) -> None:
    request = emergency("Lindenweg 7, 80331 München")
    told: list[str] = []
    async with pressing_phone("oncall1", "1", delay_ms=2500) as phone:
        first, second = await asyncio.gather(
            h.service.start(request, on_acknowledged=lambda _i, who: told.append(who)),
            h.service.start(
                StartEscalation(
                    dataclasses.replace(
                        request.emergency, caller_number="+4917000000", caller_name="Nachbar"
                    )
                ),
                on_acknowledged=lambda _i, who: told.append(who),
            ),
        )
        assert first.escalation_id == second.escalation_id
        assert sorted([first.joined, second.joined]) == [False, True]
        await wait_state(h, first.escalation_id, State.ACKNOWLEDGED, within=40)
        assert phone.calls == 1  # nobody is called twice at once
        # a third call after the acknowledgement joins too, and hears it at once
        third = await h.service.start(request, on_acknowledged=lambda _i, w: told.append(w))
        assert third.joined and third.escalation_id == first.escalation_id
    assert told == ["Technik Eins"] * 3
    rec = await h.store.get(first.escalation_id)
    assert rec is not None and rec.joined_calls == 2


async def test_agent_killed_mid_call_the_restarted_agent_finishes_it(
    lab: None, ari_cleanup: None, migrated_db: Database, pg_database: str
) -> None:
    """SIGKILL while the technician listens; a new service resumes and ends acknowledged."""
    async with run_uas("oncall1", "answer", hangup_after_s=60) as first_phone:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.escalation.agent_proc", pg_database, "Ahornweg 3",
            cwd=REPO, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            escalation_id = uuid.UUID(line.decode().split()[1])
            await first_phone.wait_for("answered", 1, within=20)
            await asyncio.sleep(1.0)  # the technician is listening to the message
        finally:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
    store = EscalationStore(migrated_db)
    rec = await store.get(escalation_id)
    assert rec is not None and rec.state is State.CALLING  # the dead agent's call
    async with pressing_phone("oncall1", "1") as phone:
        ari = AriClient(ARI_URL, ARI_USER, ARI_PASSWORD, TEST_APP)
        await ari.start()
        service = await build_service(ari, migrated_db, pg_database)  # resumes
        try:
            h = Harness(ari, migrated_db, store, RecordingNotifier(migrated_db), service,
                        pg_database)  # fmt: skip
            await wait_state(h, escalation_id, State.ACKNOWLEDGED, within=40)
            assert phone.calls == 1
        finally:
            await service.close()
            await ari.close()
    attempts = await store.attempts(escalation_id)
    assert [(a.outcome, a.detail) for a in attempts] == [
        (Outcome.FAILED, "agent restarted"),
        (Outcome.ACKNOWLEDGED, "pressed 1"),
    ]
    left = [c for c in await asterisk_channels() if str(escalation_id) in c["id"]]
    assert left == []  # the dead agent's call was hung up
