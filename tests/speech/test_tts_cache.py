"""CachedTts around an engine that implements the real interface and counts its work."""

from __future__ import annotations

import asyncio

import pytest

from agent.speech.tts import CachedTts, TextToSpeech, TtsError, primary_language


class CountingTts:
    """A real TextToSpeech: 'speaks' 10 ms of a constant per character."""

    name = "counting"

    def __init__(self, delay: float = 0.0, voice: str = "v1") -> None:
        self.calls: list[tuple[str, str]] = []
        self.delay = delay
        self.voice = voice
        self.fail_next = False

    def voice_for(self, language: str) -> str:
        return f"{self.voice}-{language}"

    async def synthesize(self, text: str, language: str) -> bytes:
        self.calls.append((text, language))
        await asyncio.sleep(self.delay)
        if self.fail_next:
            self.fail_next = False
            raise TtsError("engine hiccup")
        return bytes([len(text) % 256, 0]) * 160 * len(text)


def test_engines_satisfy_the_protocol() -> None:
    assert isinstance(CountingTts(), TextToSpeech)
    assert isinstance(CachedTts(CountingTts()), TextToSpeech)


async def test_second_request_is_a_hit() -> None:
    engine = CountingTts()
    tts = CachedTts(engine)
    first = await tts.synthesize("Guten Tag", "de")
    second = await tts.synthesize("Guten Tag", "de")
    assert first == second
    assert engine.calls == [("Guten Tag", "de")]
    assert (tts.stats.hits, tts.stats.misses) == (1, 1)
    assert tts.name == "counting"


async def test_key_includes_language_and_voice() -> None:
    engine = CountingTts()
    tts = CachedTts(engine)
    await tts.synthesize("Hallo", "de")
    await tts.synthesize("Hallo", "en")
    engine.voice = "v2"  # a different voice is a different recording
    await tts.synthesize("Hallo", "de")
    assert len(engine.calls) == 3


async def test_concurrent_requests_share_one_synthesis() -> None:
    engine = CountingTts(delay=0.05)
    tts = CachedTts(engine)
    results = await asyncio.gather(*(tts.synthesize("Moment bitte", "de") for _ in range(5)))
    assert len(set(results)) == 1
    assert len(engine.calls) == 1


async def test_a_cancelled_waiter_does_not_cancel_the_others() -> None:
    engine = CountingTts(delay=0.1)
    tts = CachedTts(engine)
    impatient = asyncio.create_task(tts.synthesize("Hallo", "de"))
    patient = asyncio.create_task(tts.synthesize("Hallo", "de"))
    await asyncio.sleep(0.02)
    impatient.cancel()
    assert await patient
    assert len(engine.calls) == 1


async def test_failures_are_not_cached() -> None:
    engine = CountingTts()
    tts = CachedTts(engine)
    engine.fail_next = True
    with pytest.raises(TtsError):
        await tts.synthesize("Hallo", "de")
    assert await tts.synthesize("Hallo", "de")
    assert len(engine.calls) == 2


async def test_lru_eviction_by_entries_and_bytes() -> None:
    engine = CountingTts()
    tts = CachedTts(engine, max_entries=2)
    for text in ("a", "b", "a", "c"):  # "a" was used recently: "b" goes
        await tts.synthesize(text, "de")
    await tts.synthesize("a", "de")
    await tts.synthesize("b", "de")
    assert [t for t, _ in engine.calls] == ["a", "b", "c", "b"]

    small = CachedTts(CountingTts(), max_bytes=1000)  # 'abc' is 960 bytes, 'abcd' 1280
    await small.synthesize("abcd", "de")
    assert small.stats.entries == 0  # too big to keep
    await small.synthesize("abc", "de")
    assert small.stats.entries == 1
    assert small.stats.bytes == 960
    small.clear()
    assert small.stats.entries == 0


def test_primary_language() -> None:
    assert primary_language("de-DE") == "de"
    assert primary_language("en_GB") == "en"
    assert primary_language("DE") == "de"
