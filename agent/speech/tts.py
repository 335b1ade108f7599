"""Text-to-speech: the interface every engine implements, and a cache around any engine.

Engines return slin16: signed 16-bit little-endian mono PCM at 16 kHz, ready
for ``MediaSession.play()``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)


class TtsError(Exception):
    """Speech could not be synthesized (engine missing, failed, or timed out)."""


@runtime_checkable
class TextToSpeech(Protocol):
    name: str

    async def synthesize(self, text: str, language: str) -> bytes:
        """slin16 16 kHz LE mono PCM for ``text`` spoken in ``language`` ("de", "en")."""
        ...


@runtime_checkable
class HasVoice(Protocol):
    """Engines whose output also depends on a configured voice (part of the cache key)."""

    def voice_for(self, language: str) -> str: ...


def nothing_to_say(text: str, max_chars: int) -> bool:
    """The input checks every engine makes: blank text gives no audio (True), text over
    ``max_chars`` is refused (TtsError), anything else is spoken (False)."""
    if not text.strip():
        return True
    if len(text) > max_chars:
        raise TtsError(f"text of {len(text)} characters exceeds max_chars={max_chars}")
    return False


def log_synthesis(
    logger: logging.Logger, engine: str, language: str, t0: float, pcm: bytes, text: str
) -> None:
    """One DEBUG line per synthesis (the text is caller-facing data: DEBUG only)."""
    logger.debug(
        f"{engine} synthesized",
        extra={
            "language": language,
            "ms": round((time.monotonic() - t0) * 1000),
            "audio_ms": len(pcm) * 1000 // 32000,  # slin16: 32,000 bytes a second
            "text": text,
        },
    )


def primary_language(language: str) -> str:
    """ "de-DE" -> "de"; "en_GB" -> "en"."""
    return language.replace("_", "-").split("-", 1)[0].strip().lower()


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    entries: int = 0
    bytes: int = 0


class CachedTts:
    """Wraps any engine with an LRU cache keyed by engine, voice, language and text,
    so fixed prompts cost nothing the second time. Concurrent requests for the
    same text share one synthesis. Failures are not cached."""

    def __init__(
        self, engine: TextToSpeech, *, max_entries: int = 512, max_bytes: int = 64 * 2**20
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("cache limits must be positive")
        self.engine = engine
        self.name = engine.name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._cache: OrderedDict[tuple[str, str, str, str], bytes] = OrderedDict()
        self._inflight: dict[tuple[str, str, str, str], asyncio.Task[bytes]] = {}
        self.stats = CacheStats()

    def _key(self, text: str, language: str) -> tuple[str, str, str, str]:
        voice = self.engine.voice_for(language) if isinstance(self.engine, HasVoice) else ""
        return (self.engine.name, voice, language, text)

    async def synthesize(self, text: str, language: str) -> bytes:
        key = self._key(text, language)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            self.stats.hits += 1
            return cached
        task = self._inflight.get(key)
        if task is None:
            self.stats.misses += 1
            task = asyncio.create_task(self._fill(key, text, language))
            task.add_done_callback(_retrieve)
            self._inflight[key] = task
        else:
            self.stats.hits += 1
        # Shielded: one caller giving up does not cancel the others' synthesis.
        return await asyncio.shield(task)

    async def _fill(self, key: tuple[str, str, str, str], text: str, language: str) -> bytes:
        try:
            pcm = await self.engine.synthesize(text, language)
        finally:
            self._inflight.pop(key, None)
        self._store(key, pcm)
        return pcm

    def _store(self, key: tuple[str, str, str, str], pcm: bytes) -> None:
        if len(pcm) > self.max_bytes:
            return
        self._cache[key] = pcm
        self.stats.bytes += len(pcm)
        while len(self._cache) > self.max_entries or self.stats.bytes > self.max_bytes:
            _, old = self._cache.popitem(last=False)
            self.stats.bytes -= len(old)
        self.stats.entries = len(self._cache)

    def clear(self) -> None:
        self._cache.clear()
        self.stats.entries = self.stats.bytes = 0


def _retrieve(task: asyncio.Task[bytes]) -> None:
    """Mark a failure as seen even if every waiter gave up (no asyncio warning)."""
    if not task.cancelled():
        task.exception()
