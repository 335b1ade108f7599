"""Sentence splitting (German-aware) and sentence-by-sentence synthesis, pipelined."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from agent.speech.sentences import speak_stream, split_first_clause, split_sentences
from agent.speech.tts import TtsError


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Guten Tag! Wie kann ich helfen?", ["Guten Tag!", "Wie kann ich helfen?"]),
        ("Wir haben z. B. morgen frei. Passt das?", ["Wir haben z. B. morgen frei.", "Passt das?"]),
        ("Dr. Maier ist da. Gut.", ["Dr. Maier ist da.", "Gut."]),
        ("Bestellung Nr. 42 ist da. Danke.", ["Bestellung Nr. 42 ist da.", "Danke."]),
        ("Am 24. November geht es. Gut.", ["Am 24. November geht es.", "Gut."]),
        ("Termin am 24. 11. passt. Gut.", ["Termin am 24. 11. passt.", "Gut."]),
        ("Um 10.30 Uhr. Oder um 11 Uhr.", ["Um 10.30 Uhr.", "Oder um 11 Uhr."]),
        ("Wir sind im 3. Stock. Kommen Sie.", ["Wir sind im 3. Stock.", "Kommen Sie."]),
        ("Das kostet ca. zehn Euro. Ok.", ["Das kostet ca. zehn Euro.", "Ok."]),
        ("Er sagte: „Ja.“ Dann ging er.", ["Er sagte: „Ja.“", "Dann ging er."]),
        ("Zeile eins\nZeile zwei", ["Zeile eins", "Zeile zwei"]),
        ("Hello. Mr. Smith will call, e.g. tomorrow. Bye!",
         ["Hello.", "Mr. Smith will call, e.g. tomorrow.", "Bye!"]),
        ("Call No. 5 now. Thanks.", ["Call No. 5 now.", "Thanks."]),
        ("Ohne Punkt am Ende", ["Ohne Punkt am Ende"]),
        ("   ", []),
    ],
)  # fmt: skip
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


class SlowTts:
    """A real TextToSpeech whose synthesis takes a fixed time per sentence."""

    name = "slow"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started: list[tuple[float, str]] = []
        self.finished: list[str] = []

    async def synthesize(self, text: str, language: str) -> bytes:
        self.started.append((time.monotonic(), text))
        await asyncio.sleep(self.seconds)
        self.finished.append(text)
        if "kaputt" in text:
            raise TtsError("broken")
        return text.encode()


async def test_first_audio_after_one_sentence_and_next_synthesis_overlaps_playback() -> None:
    synth, play = 0.2, 0.3
    tts = SlowTts(synth)
    t0 = time.monotonic()
    chunks: list[tuple[float, bytes]] = []
    stream = speak_stream(tts, "Eins. Zwei. Drei.", "de", normalize=False)
    async for pcm in stream:
        chunks.append((time.monotonic() - t0, pcm))
        await asyncio.sleep(play)  # "playing" the sentence
    assert [c for _, c in chunks] == [b"Eins.", b"Zwei.", b"Drei."]
    assert chunks[0][0] < synth + 0.15  # the first sentence only, not the whole reply (0.6)
    # The second synthesis started when the first chunk was handed out, not after it played.
    assert tts.started[1][0] - t0 < synth + 0.1
    # Pipelined: 0.2 + 2 x 0.3 = 0.8 s to the last chunk; one after another it is 1.2 s.
    assert chunks[-1][0] < synth + 2 * play + 0.2


async def test_normalises_each_sentence_for_its_language() -> None:
    tts = SlowTts(0)
    out = [c async for c in speak_stream(tts, "Um 10 Uhr. Danke.", "de")]
    assert out == [b"Um zehn Uhr.", b"Danke."]


async def test_closing_early_cancels_the_synthesis_under_way() -> None:
    tts = SlowTts(0.05)
    stream = speak_stream(tts, "Eins. Zwei. Drei.", "de", normalize=False)
    async with contextlib.aclosing(stream):
        async for _ in stream:
            break
    await asyncio.sleep(0.1)
    assert tts.finished == ["Eins."]  # "Zwei." was cancelled, "Drei." never started


async def test_an_engine_error_reaches_the_caller() -> None:
    tts = SlowTts(0)
    got: list[bytes] = []
    with pytest.raises(TtsError):
        async for pcm in speak_stream(tts, "Gut. Das ist kaputt. Drei.", "de"):
            got.append(pcm)
    assert got == [b"Gut."]


async def test_a_long_first_sentence_starts_with_its_first_clause() -> None:
    tts = SlowTts(0)
    text = "Gerne, ich habe einen Termin für Sie gefunden. Passt Ihnen das, oder nicht?"
    out = [c async for c in speak_stream(tts, text, "de", normalize=False)]
    assert out == [b"Gerne,", b"ich habe einen Termin f\xc3\xbcr Sie gefunden.",
                   b"Passt Ihnen das, oder nicht?"]  # fmt: skip


def test_only_long_sentences_with_enough_after_the_comma_are_cut() -> None:
    assert split_first_clause("Ja, gerne.") == ["Ja, gerne."]
    assert split_first_clause("Wir haben heute bis siebzehn Uhr geöffnet, danke.") == [
        "Wir haben heute bis siebzehn Uhr geöffnet, danke."
    ]
    assert split_first_clause("Sure, I have found an appointment for you on Tuesday.") == [
        "Sure,",
        "I have found an appointment for you on Tuesday.",
    ]


async def test_empty_text_yields_nothing() -> None:
    assert [c async for c in speak_stream(SlowTts(0), " ", "de")] == []
