"""In a call: a question the profile does not answer is answered from the business's
documents; the profile wins where it knows; what the documents do not hold gets no
guess, a call back, and the question word for word for the office."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.domain import Message
from agent.profile import BusinessProfile, Knowledge

from .conftest import MONDAY_9
from .support import call

DOCS = {
    "leistungen.md": "# Leistungen\n\n## Wartung von Wärmepumpen\n\nDie jährliche Wartung "
    "einer Wärmepumpe kostet 189 € inkl. Anfahrt im Stadtgebiet.\n\n## Öffnungszeiten\n\n"
    "Wir sind samstags von 9 bis 12 Uhr für Sie da.\n",  # contradicts the profile on purpose
}


@pytest.fixture
def with_docs(profile: BusinessProfile, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> BusinessProfile:  # fmt: skip
    monkeypatch.setenv("RUFBEREIT_KNOWLEDGE_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return profile.model_copy(update={"knowledge": Knowledge(dir=folder)})


async def test_a_question_is_answered_from_the_documents(with_docs: BusinessProfile) -> None:
    c = await call(with_docs, MONDAY_9)
    t = await c.say("Was kostet bei Ihnen die Wärmepumpenwartung?")
    assert t.replies[0] == (
        "Die jährliche Wartung einer Wärmepumpe kostet 189 € inklusive Anfahrt im Stadtgebiet."
    )
    assert t.end is None


async def test_the_profile_wins_where_it_answers(with_docs: BusinessProfile) -> None:
    c = await call(with_docs, MONDAY_9)
    t = await c.say("Wann haben Sie geöffnet?")
    assert "Montag bis Donnerstag" in " ".join(t.replies)
    assert "samstags" not in " ".join(t.replies)


async def test_without_an_answer_a_callback_keeps_the_question(
    with_docs: BusinessProfile,
) -> None:
    c = await call(with_docs, MONDAY_9, caller="+4917012345678")
    t = await c.say("Schleifen Sie auch Dielenböden im Wohnzimmer ab?")
    said = " ".join(t.replies)
    assert "zurückrufen" in said and "€" not in said
    await c.script("ja", "Anna Schmidt", "ja")
    await c.script("ja")
    [message] = c.saved(Message)
    assert "Schleifen Sie auch Dielenböden im Wohnzimmer ab?" in message.text


async def test_a_question_after_the_offer_is_answered_in_its_place(
    with_docs: BusinessProfile,
) -> None:
    """A question the documents do not answer, then after "Soll ein Mitarbeiter Sie dazu
    zurückrufen?" one they do: the answer, and no second offer."""
    c = await call(with_docs, MONDAY_9)
    t = await c.say("Schleifen Sie auch Dielenböden ab?")
    assert "zurückrufen" in " ".join(t.replies)
    t = await c.say("Was kostet bei Ihnen die Wärmepumpenwartung?")
    said = " ".join(t.replies)
    assert "189 €" in said and "zurückrufen" not in said, t.replies
