"""Which calls the assistant takes, against the real Asterisk with sipp phones: the
business's number (lab extension 900) goes to the dialplan's rufbereit-inbound context,
which acts on the routing the agent publishes from the profile (business.routing).

- overflow (the default): the office rings first; the assistant answers when nobody
  does, or at once when the line is busy;
- after_hours: people in opening hours, the assistant outside them;
- always: the assistant at once;
- a handover never rings the caller back into the assistant, and without the agent the
  office is not rung twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.app import running_agent
from agent.config import example_profile_data, load_settings
from agent.telephony.call import CallContext, CallOutcome, ConversationResult
from tests.support.lab import ari_client, clear_stale_app
from tests.support.phones import place_call, run_uas

pytestmark = pytest.mark.integration

NUMBER = "900"  # the business's number in the lab
ALWAYS_OPEN = {day: ["00:00-23:59"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


class Assistant:
    """The agent's side of the call: notes who it answered and when; hands over the
    callers in ``handover`` after a second, keeps the others until they hang up."""

    def __init__(self, handover: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, float]] = []
        self.handover = handover

    async def run(self, call: CallContext) -> ConversationResult:
        self.calls.append((call.info.caller_number, time.monotonic()))
        if call.info.caller_number in self.handover:
            await asyncio.sleep(1.0)
            return ConversationResult(CallOutcome.HANDOVER, warm=False, reason="asked")
        await asyncio.sleep(600)  # cancelled when the caller hangs up
        return ConversationResult(CallOutcome.COMPLETED)

    def numbers(self) -> list[str]:
        return [number for number, _ in self.calls]


@contextlib.asynccontextmanager
async def agent(
    tmp_path: Path, pg_database: str, assistant: Assistant, *, routing: dict[str, Any],
    office: str = "PJSIP/office", open_now: bool = True,
) -> AsyncIterator[None]:  # fmt: skip
    data = example_profile_data()
    data["business"]["routing"] = routing
    data["business"]["handover"] = {"office": office, "ring_timeout_s": 5, "warm": False}
    data["business"]["opening_hours"] = ALWAYS_OPEN if open_now else {}
    data["business"]["holidays"] = []
    profile = tmp_path / f"routing-{random.randrange(10**6)}.yaml"
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = load_settings(
        profile,
        env={"RUFBEREIT_DATABASE_URL": pg_database, "RUFBEREIT_SPOOL_DIR": str(tmp_path / "spool")},
    )
    await clear_stale_app()
    async with running_agent(settings, conversation=assistant):
        yield


def caller() -> str:
    return f"+49170{random.randrange(10**7):07d}"


@pytest.fixture
def ring_s() -> int:
    return 5


async def test_overflow_the_office_rings_first_then_the_assistant_answers(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, ring_s: int
) -> None:
    assistant, number = Assistant(), caller()
    async with (
        agent(tmp_path, pg_database, assistant, routing={"office_ring_s": ring_s}),
        run_uas("office", "ring") as office,
    ):
        t0 = time.monotonic()
        result = await place_call(NUMBER, hold_s=2, caller_number=number, timeout=40)
    assert result.ok, result.error_text
    assert (office.calls, office.answered) == (1, 0), "the office rang, nobody picked up"
    assert assistant.numbers() == [number]
    assert assistant.calls[0][1] - t0 >= ring_s - 0.5, "the assistant waited for the office"


async def test_overflow_the_office_answers_and_the_assistant_never_hears_of_it(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, ring_s: int
) -> None:
    assistant = Assistant()
    async with (
        agent(tmp_path, pg_database, assistant, routing={"office_ring_s": ring_s}),
        run_uas("office", "answer") as office,
    ):
        result = await place_call(NUMBER, hold_s=2, caller_number=caller(), timeout=40)
        await office.wait_for("ended", 1, within=5)
    assert result.ok, result.error_text
    assert office.answered == 1
    assert assistant.calls == []


async def test_overflow_a_busy_office_sends_the_caller_to_the_assistant_at_once(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    assistant, number = Assistant(), caller()
    async with (
        agent(tmp_path, pg_database, assistant, routing={"office_ring_s": 20}),
        run_uas("office", "busy") as office,
    ):
        t0 = time.monotonic()
        result = await place_call(NUMBER, hold_s=2, caller_number=number, timeout=40)
    assert result.ok, result.error_text
    assert office.calls == 1
    assert assistant.numbers() == [number]
    assert assistant.calls[0][1] - t0 < 10, "not after the office's 20 s of ringing"


@pytest.mark.parametrize("open_now", [True, False], ids=["open", "closed"])
async def test_after_hours_people_when_open_the_assistant_when_closed(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, open_now: bool
) -> None:
    assistant, number = Assistant(), caller()
    routing = {"mode": "after_hours"}
    async with (
        agent(tmp_path, pg_database, assistant, routing=routing, open_now=open_now),
        run_uas("office", "answer") as office,
    ):
        result = await place_call(NUMBER, hold_s=2, caller_number=number, timeout=40)
        if open_now:
            await office.wait_for("ended", 1, within=5)
    assert result.ok, result.error_text
    if open_now:
        assert (office.answered, assistant.calls) == (1, [])
    else:
        assert (office.calls, assistant.numbers()) == (0, [number])


async def test_always_the_assistant_answers_at_once(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    assistant, number = Assistant(), caller()
    async with (
        agent(tmp_path, pg_database, assistant, routing={"mode": "always"}),
        run_uas("office", "answer") as office,
    ):
        result = await place_call(NUMBER, hold_s=2, caller_number=number, timeout=40)
    assert result.ok, result.error_text
    assert (office.calls, assistant.numbers()) == (0, [number])


async def test_a_handover_to_the_business_number_never_reaches_the_assistant_again(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    # The owner set the office to the business's own number: the handover dials it, and
    # the dialplan must neither give the caller to the assistant again nor loop.
    number = caller()
    assistant = Assistant(handover=(number,))
    async with agent(
        tmp_path, pg_database, assistant, routing={"mode": "always"},
        office=f"Local/{NUMBER}@from-phones",
    ):  # fmt: skip
        result = await place_call(NUMBER, hold_s=15, caller_number=number, timeout=40)
        await asyncio.sleep(1)
    assert assistant.numbers() == [number], "the assistant had the caller once, not again"
    assert result.remote_hangup is True, "the call ended in the dialplan, not by a loop's end"
    assert result.ended_at - result.started_at < 14


async def test_without_the_agent_the_office_is_not_rung_twice(lab: None, ari_cleanup: None) -> None:
    # The globals a running agent published; then the agent is gone (Stasis fails).
    async with ari_client() as ari:
        for name, value in {"RUFBEREIT_MODE": "overflow", "RUFBEREIT_OFFICE_DIAL": "PJSIP/office",
                            "RUFBEREIT_OFFICE_RING": "4"}.items():  # fmt: skip
            response = await ari.post(
                "/asterisk/variable", params={"variable": name, "value": value}
            )
            assert response.status_code == 204, response.text
    await clear_stale_app()
    async with run_uas("office", "ring") as office:
        result = await place_call(NUMBER, hold_s=1, caller_number=caller(), timeout=30)
        await asyncio.sleep(1)
    assert office.calls == 1, f"the office rang {office.calls} times"
    assert not result.ok  # nobody answered: the caller hears the end of the call
