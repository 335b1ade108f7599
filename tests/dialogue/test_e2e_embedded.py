"""End to end with the real embedded NLU classifier (trained from models/nlu, cached).

The other dialogue tests use the keyword backend; these check that the scripted
scenarios also come out right when a real classifier picks the intents.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from agent.config import load_settings
from agent.dialogue.simulate import parse_line
from agent.domain import BookAppointment, Handover, Order
from agent.profile import BusinessProfile, Language
from agent.understanding.nlu import NluBackend

from .conftest import MONDAY_9, MONDAY_22
from .support import Call, call

SCRIPTS = Path(__file__).parent / "scripts"


@pytest.fixture(scope="module")
def embedded() -> Iterator[NluBackend]:
    try:
        from agent.understanding.backends import make_backend
        from agent.understanding.embedded import EmbeddedNlu
    except ImportError as exc:
        pytest.fail(f"the embedded NLU (agent/understanding/embedded.py) is missing: {exc}")
    nlu = make_backend("embedded", load_settings(env={}))
    assert isinstance(nlu, EmbeddedNlu)
    for language in ("de", "en"):
        nlu.train(language)  # from the cache when the training data has not changed
    yield nlu


async def replay(
    profile: BusinessProfile,
    nlu: NluBackend,
    script: str,
    now: datetime,
    *,
    language: Language | None = None,
    caller: str | None = None,
) -> Call:
    c = await call(profile, now, language=language, caller=caller, nlu=nlu)
    for line in (SCRIPTS / script).read_text(encoding="utf-8").splitlines():
        event = parse_line(line)
        if event is None or c.engine.ended:
            continue
        kind, value = event
        if kind == "text":
            await c.say(value)
        elif kind == "dtmf":
            await c.key(value)
        else:
            await c.silence()
    return c


async def test_appointment_with_correction(profile: BusinessProfile, embedded: NluBackend) -> None:
    c = await replay(profile, embedded, "appointment_de.txt", MONDAY_9)
    [booked] = c.actions_of(BookAppointment)
    assert isinstance(booked, BookAppointment) and booked.start.day == 26
    assert c.last.end == "hangup"


async def test_appointment_english(profile: BusinessProfile, embedded: NluBackend) -> None:
    c = await replay(profile, embedded, "appointment_en.txt", MONDAY_9, language="en")
    [booked] = c.actions_of(BookAppointment)
    assert isinstance(booked, BookAppointment) and booked.appointment_type == "Badberatung"


async def test_gas_emergency(profile: BusinessProfile, embedded: NluBackend) -> None:
    c = await replay(profile, embedded, "gas_emergency.txt", MONDAY_22, caller="0171 2345678")
    [esc] = c.emergencies()
    assert esc.kind == "gasgeruch"
    assert "Bitte verlassen Sie sofort das Gebäude" in c.turns[1].replies[0]


async def test_dripping_tap(profile: BusinessProfile, embedded: NluBackend) -> None:
    c = await replay(profile, embedded, "dripping_tap.txt", MONDAY_22.replace(day=27))
    assert not c.emergencies()
    [cb] = c.messages("callback")
    assert cb.due is not None and cb.due.day == 30


async def test_faq_and_unknown_question(profile: BusinessProfile, embedded: NluBackend) -> None:
    c = await replay(profile, embedded, "faq_de.txt", MONDAY_9)
    assert c.turns[1].replies[0] == profile.facts[0].answer.de
    [cb] = c.messages("callback")
    assert "Gartenmöbel" in cb.text


async def test_faq_english(profile: BusinessProfile, embedded: NluBackend) -> None:
    c = await replay(profile, embedded, "faq_en.txt", MONDAY_9, language="en")
    assert c.turns[1].replies[0] == profile.facts[0].answer.en
    assert c.actions == []


async def test_order(profile: BusinessProfile, embedded: NluBackend) -> None:
    c = await replay(profile, embedded, "order_de.txt", MONDAY_9)
    [order] = c.saved(Order)
    assert isinstance(order, Order) and order.lines[0].quantity == 4


async def test_handover_after_hours(profile: BusinessProfile, embedded: NluBackend) -> None:
    c = await replay(profile, embedded, "handover_after_hours.txt", MONDAY_22,
                     caller="0171 2345678")  # fmt: skip
    assert not c.actions_of(Handover)
    assert len(c.messages("message")) == 1


async def test_question_during_a_booking(profile: BusinessProfile, embedded: NluBackend) -> None:
    c = await replay(profile, embedded, "topic_change.txt", MONDAY_9)
    assert len(c.actions_of(BookAppointment)) == 1
    assert c.turns[2].replies[-1] == "Wann hätten Sie Zeit?"  # answered, then asked again
    assert not any("weitermachen" in r for t in c.turns for r in t.replies)
