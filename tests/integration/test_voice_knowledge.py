"""A question answered from the business's handbook, by voice through the real Asterisk.

The caller (a sipp phone over G.722, speaking espeak-ng German) asks how to get there by
underground. The profile knows only the address; the example handbook's saved web page
knows the line and the station (agent/profiles/knowledge/mueller-sanitaer). The assistant
hears it with the German Whisper base (which hears "Wie komm ich mit mehr U-Bahn zu
Ihnen?") and says the handbook's sentence; the caller says that is all and the assistant
hangs up. (espeak-ng's German is hard for Whisper base: "Was kostet die Wartung einer
Wärmepumpe?" comes out as "Masklostet die Matung einer Mähmepumpe", so the test asks
what it hears well enough.)
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest

from agent.app import running_agent
from tests.integration.test_voice_de import (
    ASSISTANT,
    VOICE_A,
    _caller_format,
    _finished_call,
    _heard,
    _last_words,
    _open_all_week,
    _story,
    german_whisper,  # noqa: F401 (the fixture)
)
from tests.support.lab_line import answer_questions, espeak_caller_voice
from tests.support.phones import RtpEndpoint, as_codec, place_call

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.usefixtures("german_whisper"),
]

QUESTION = "Wie komme ich mit der U-Bahn zu Ihnen?"
ANSWERS = [
    (r"sonst noch", "Nein danke, das ist alles."),
    (r"helfen|verstanden|Anliegen|Worum|zurückrufen", QUESTION),
]
#: the handbook's station (anfahrt-und-kontakt.html)
STATION = re.compile(r"Goetheplatz")


async def test_a_question_by_voice_is_answered_from_the_handbook(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    g722 = as_codec("g722")
    voice = espeak_caller_voice(*VOICE_A, sample_rate=g722.sample_rate)
    seen: dict[str, str] = {}
    said: list[str] = []
    settings = _open_all_week(pg_database, tmp_path)
    assert settings.business.knowledge is not None, "the example profile names its handbook"

    async with running_agent(settings) as agent:

        async def conversation(rtp: RtpEndpoint) -> None:
            seen["format"] = await _caller_format(agent.call_log)
            await answer_questions(
                rtp, voice, QUESTION, ANSWERS, partial(_last_words, agent.call_log),
                said=said,
            )  # fmt: skip

        result = await place_call(
            ASSISTANT, hold_s=90, timeout=110, during=conversation, wait_for_hangup=True,
            codec=g722,
        )  # fmt: skip
        call, events = await _finished_call(agent.call_log)
    story = _story(events, call, said)
    assert result.ok, f"{result.error_text}\n{story}"
    assert seen.get("format") == "g722", f"negotiated {seen.get('format')!r}, not G.722"
    assert _heard(events), f"the assistant heard nothing:\n{story}"
    replies = [e["data"]["text"] for e in events if e["kind"] == "assistant_said"]
    assert any(STATION.search(r) for r in replies), f"the handbook's way was not said:\n{story}"
    assert said[-1] == "Nein danke, das ist alles.", f"the caller did not get to the end:\n{story}"
    assert call["outcome"] != "handover", story
