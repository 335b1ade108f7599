"""Whatever a recogniser produces, what is stored and read back to the caller stays
something a person can listen to (found by the fuzz tests: a name 10,000 letters long was
read back; a superscript digit crashed the number reader)."""

from __future__ import annotations

from agent.dialogue.caller_text import MAX_CHARS, tidy
from agent.domain import Message
from agent.profile import BusinessProfile

from .conftest import MONDAY_9
from .support import call


def test_tidy_keeps_what_was_said_and_drops_what_no_one_says() -> None:
    assert tidy("Schifffahrt, 10000 Euro, 0171 0000") == "Schifffahrt, 10000 Euro, 0171 0000"
    assert tidy("Aaaaaaaaaaaaah, Rohr kaputt!") == "Aaaah, Rohr kaputt!"
    assert tidy("\u202eHeizung\u200b kaputt\ufeff\x00") == "Heizung kaputt"
    assert tidy("Zimmer ²3") == "Zimmer 23"
    assert tidy("Zeile eins\nZeile\tzwei") == "Zeile eins Zeile zwei"
    looped = tidy("mit dem Eingang " * 200)
    assert len(looped) <= MAX_CHARS and looped.split()[-1] in ("mit", "dem", "Eingang")


async def test_an_endless_transcript_gets_a_reply_of_normal_length(
    profile: BusinessProfile,
) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Bitte um Rückruf")
    await c.say("Es geht um " + "a" * 10_000)
    t = await c.say("A" + "a" * 10_000)
    assert all(len(r) < 300 for r in t.replies), t.replies


async def test_superscripts_and_invisible_characters_do_not_break_a_call(
    profile: BusinessProfile,
) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("²0 \u202e\u200b")
    assert t.replies and t.end is None
    await c.script("Ich möchte eine Nachricht hinterlassen", "Die Heizung ist kaputt",
                   "Anna Schmidt", "0171 2345678", "ja")  # fmt: skip
    assert c.saved(Message)
