"""A question answered from the business's handbook, by voice through the real Asterisk.

The caller (a sipp phone over G.722, speaking espeak-ng German) asks what the maintenance
of a heat pump costs. The profile knows no such price; the example handbook does
(agent/profiles/knowledge/mueller-sanitaer). The assistant hears it with the German
Whisper base and says the handbook's sentence; the caller says that is all and the
assistant hangs up.
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

QUESTION = "Was kostet die Wartung einer Wärmepumpe?"
ANSWERS = [
    (r"sonst noch", "Nein danke, das ist alles."),
    (r"helfen|verstanden|Anliegen|Worum|zurückrufen", QUESTION),
]
#: the handbook's price (169 € air-to-water, 189 € brine), as written or as spoken
PRICE = re.compile(r"169|189|hundertneunundsechzig|hundertneunundachtzig")


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
    assert any(PRICE.search(r) and "Wärmepumpe" in r for r in replies), (
        f"no price from the handbook was said:\n{story}"
    )
    assert said[-1] == "Nein danke, das ist alles.", f"the caller did not get to the end:\n{story}"
    assert call["outcome"] != "handover", story
