"""The escalation tables on the lab PostgreSQL: joining, row locks, idempotent steps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from agent.actions.escalation.model import Contact, NewEscalation
from agent.actions.escalation.notify import Notification, RecordingNotifier
from agent.actions.escalation.state import Outcome, State
from agent.actions.escalation.store import EscalationStore
from agent.domain import Emergency
from agent.storage import Database

ONE = Contact("Eins", "PJSIP/oncall1", "+4911", "eins@t.example")
TWO = Contact("Zwei", "PJSIP/oncall2")


def new(key: str = "rohrbruch|lindenweg7") -> NewEscalation:
    return NewEscalation(
        emergency=Emergency(
            kind="Rohrbruch",
            caller_name="Erika",
            caller_number="+4989",
            address="Lindenweg 7",
            description="Wasser",
            created_at=datetime.now(UTC),
        ),
        people=(ONE, TWO),
        dedupe_key=key,
    )


async def test_concurrent_starts_make_one_escalation(migrated_db: Database) -> None:
    store = EscalationStore(migrated_db)
    results = await asyncio.gather(*(store.create_or_join(new(), 3600) for _ in range(6)))
    assert len({r[0] for r in results}) == 1
    assert sorted(r[1] for r in results) == [False] * 5 + [True]
    rec = await store.get(results[0][0])
    assert rec is not None and rec.joined_calls == 5 and rec.people == (ONE, TWO)
    other, created = await store.create_or_join(new("gasgeruch|x"), 3600)
    assert created and other != results[0][0]


async def test_an_attempt_is_claimed_once_and_never_while_calling(migrated_db: Database) -> None:
    store = EscalationStore(migrated_db)
    eid, _ = await store.create_or_join(new(), 3600)
    claims = await asyncio.gather(*(store.claim_attempt(eid, 0, ONE, f"p{i}") for i in range(5)))
    assert claims.count(True) == 1
    assert not await store.claim_attempt(eid, 1, ONE, "p9")  # attempt 0 still calling
    assert await store.finish_attempt(
        eid, 0, Outcome.BUSY, "cause 17", new_state=State.NO_ANSWER,
        next_attempt_at=datetime.now(UTC), acknowledged_by=None,
    )  # fmt: skip
    assert not await store.finish_attempt(  # finishing twice changes nothing
        eid, 0, Outcome.FAILED, "late", new_state=State.FAILED,
        next_attempt_at=None, acknowledged_by=None,
    )  # fmt: skip
    assert not await store.claim_attempt(eid, 0, ONE, "p9")  # made already
    assert await store.claim_attempt(eid, 1, ONE, "p9")
    unfinished = await store.unfinished_attempts("someone-else")
    assert [(a.attempt_no, a.owner) for a in unfinished] == [(1, "p9")]
    assert await store.unfinished_attempts("p9") == []
    await store.finish_attempt(
        eid, 1, Outcome.ACKNOWLEDGED, "pressed 1", new_state=State.ACKNOWLEDGED,
        next_attempt_at=None, acknowledged_by="Eins",
    )  # fmt: skip
    rec = await store.get(eid)
    assert rec is not None and rec.state is State.ACKNOWLEDGED and rec.closed_at is not None
    assert [a.outcome for a in await store.attempts(eid)] == [Outcome.BUSY, Outcome.ACKNOWLEDGED]
    assert not await store.exhaust(eid)  # final stays final
    # closed: a new emergency with the same key after the join window starts afresh
    _, created = await store.create_or_join(new(), 0)
    assert created


async def test_acknowledged_without_notice_is_found_until_notified(migrated_db: Database) -> None:
    store = EscalationStore(migrated_db)
    eid, _ = await store.create_or_join(new("k2"), 3600)
    await store.claim_attempt(eid, 0, ONE, "dead")
    await store.finish_attempt(
        eid, 0, Outcome.ACKNOWLEDGED, "pressed 1", new_state=State.ACKNOWLEDGED,
        next_attempt_at=None, acknowledged_by="Eins",
    )  # fmt: skip
    assert [r.id for r in await store.acknowledged_without_notice()] == [eid]
    notifier = RecordingNotifier(migrated_db)
    note = Notification(eid, "Eins", "sms", "+4911", "acknowledged", "s", "b")
    assert await notifier.send(note)
    assert not await notifier.send(note)  # once only
    assert await store.acknowledged_without_notice() == []


async def test_nobody_took_it_means_a_new_call_rings_the_rota_again(migrated_db: Database) -> None:
    """An acknowledged emergency is joined by a second call (the technician is coming);
    one that ended with nobody taking it is not: the second caller starts a new one."""
    store = EscalationStore(migrated_db)
    first, _ = await store.create_or_join(new("gas|a"), 3600)
    await store.claim_attempt(first, 0, ONE, "p1")
    await store.finish_attempt(
        first, 0, Outcome.NO_ANSWER, "no answer", new_state=State.NO_ANSWER,
        next_attempt_at=None, acknowledged_by=None,
    )  # fmt: skip
    assert await store.exhaust(first)
    again, created = await store.create_or_join(new("gas|a"), 3600)
    assert created and again != first

    taken, _ = await store.create_or_join(new("rohr|b"), 3600)
    await store.claim_attempt(taken, 0, ONE, "p1")
    await store.finish_attempt(
        taken, 0, Outcome.ACKNOWLEDGED, "pressed 1", new_state=State.ACKNOWLEDGED,
        next_attempt_at=None, acknowledged_by="Eins",
    )  # fmt: skip
    assert await store.create_or_join(new("rohr|b"), 3600) == (taken, False)
