"""``rufbereit oncall now`` and ``rufbereit escalations`` (parser added by the lead's cli)."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime

import pytest

from agent.actions.escalation.cli import add_escalation_commands
from agent.actions.escalation.model import Contact, NewEscalation
from agent.actions.escalation.state import Outcome, State
from agent.actions.escalation.store import EscalationStore
from agent.config import Settings, load_settings
from agent.domain import Emergency
from agent.storage import Database, migrate


def run(argv: list[str], settings: Settings) -> int:
    parser = argparse.ArgumentParser(prog="rufbereit")
    add_escalation_commands(parser.add_subparsers())
    args = parser.parse_args(argv)
    result: int = args.func(settings, args)
    return result


def test_oncall_now(capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(env={})
    assert run(["oncall", "now", "--at", "2026-11-23T22:00"], settings) == 0
    out = capsys.readouterr().out
    assert "Thomas Huber (PJSIP/oncall1)" in out
    assert "call order: Thomas Huber, Stefan Gruber, Josef Müller" in out
    assert run(["oncall", "now", "--at", "2026-11-24T12:00", "--json"], settings) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["on_call"] is None and len(data["call_order"]) == 3


async def _seed(url: str) -> None:
    async with Database(url) as db:
        await migrate(db)
        store = EscalationStore(db)
        eid, _ = await store.create_or_join(
            NewEscalation(
                emergency=Emergency(
                    kind="Rohrbruch",
                    caller_name="Erika",
                    caller_number="+4989",
                    address="Lindenweg 7",
                    description="Wasser",
                    created_at=datetime.now(UTC),
                ),
                people=(Contact("Eins", "PJSIP/oncall1"),),
                dedupe_key="k",
            ),
            60,
        )
        await store.claim_attempt(eid, 0, Contact("Eins", "PJSIP/oncall1"), "me")
        await store.finish_attempt(
            eid,
            0,
            Outcome.BUSY,
            "cause 17",
            new_state=State.NO_ANSWER,
            next_attempt_at=None,
            acknowledged_by=None,
        )


def test_escalations_lists_attempts(pg_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_seed(pg_database))
    settings = load_settings(env={"RUFBEREIT_DATABASE_URL": pg_database})
    assert run(["escalations"], settings) == 0
    out = capsys.readouterr().out
    assert "no_answer" in out and "Lindenweg 7" in out
    assert "#1" in out and "Eins (PJSIP/oncall1): busy cause 17" in out
    assert run(["escalations", "--all", "--json"], settings) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["state"] == "no_answer" and data[0]["attempts"][0]["outcome"] == "busy"


def test_escalations_without_database(capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(env={"RUFBEREIT_DATABASE_URL": "postgresql://u@127.0.0.1:1/x"})
    assert run(["escalations"], settings) == 1
    assert "unavailable" in capsys.readouterr().out
