"""Whisper on a short window: one turn decoded in a fraction of faster-whisper's time.

Why this is written here: faster-whisper pads every piece of audio to Whisper's
30-second window before the encoder runs (``pad_or_trim``), so a two-second phone
turn costs as much as thirty seconds of audio (about 0.3 s of encoder time for
tiny.en on two cores). CTranslate2's Whisper encoder takes any length up to 30 s
(the same idea as whisper.cpp's ``audio_ctx``), but no library offers it for
faster-whisper models. Windows shorter than about 10 s make Whisper repeat itself;
from 10 s on, the transcripts matched the full window's on our test sentences
(16 kHz and 8 kHz u-law) at about a third of the cost (see tests/speech).

Every result is checked: a decoder that loops on the short window says the
utterance again and again ("Where can I find you? Where can I find you? Where
can I"), so the repeats are cut; a transcript that still looks garbled (zlib
compression ratio above 2.4, as faster-whisper checks) or fills the token budget
is decoded again by faster-whisper's normal path; and "no speech" with a low
log-probability gives an empty transcript (noise the VAD took for speech).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
FULL_WINDOW_S = 30.0
MIN_WINDOW_S = 10.0
#: seconds of silence after the speech inside the window, so the encoder sees it end
TAIL_S = 1.0
COMPRESSION_RATIO_LIMIT = 2.4
NO_SPEECH_LIMIT = 0.6
LOG_PROB_LIMIT = -1.0
TOKENS_PER_S = 10  # generous: speech is 3-6 tokens a second
MIN_TOKENS = 16


@dataclass(frozen=True, slots=True)
class WindowResult:
    text: str
    avg_logprob: float
    no_speech_prob: float
    suspect: bool  # garbled or ran out of tokens: decode the normal way instead
    looped: bool = False  # said the same thing over again; cut to saying it once

    @property
    def confidence(self) -> float:
        return float(math.exp(self.avg_logprob)) if self.text else 0.0


def window_seconds(duration_s: float, window_s: float) -> float | None:
    """The encoder window for ``duration_s`` of audio, or None when the normal 30 s path
    should be used (window_s >= 30, or the turn is too long for a short window)."""
    if window_s >= FULL_WINDOW_S:
        return None
    needed = max(window_s, MIN_WINDOW_S, duration_s + TAIL_S)
    return None if needed > FULL_WINDOW_S else float(math.ceil(needed))


class WindowDecoder:
    """Greedy/beam decoding of one utterance on a short encoder window.

    ``model`` is a ``faster_whisper.WhisperModel``; only its documented CTranslate2
    model (``model.model``: ``encode``/``generate``), feature extractor and tokenizer
    are used."""

    def __init__(self, model: Any, language: str | None, beam_size: int = 1) -> None:
        from faster_whisper.tokenizer import Tokenizer  # type: ignore[import-untyped]
        from faster_whisper.transcribe import (  # type: ignore[import-untyped]
            get_suppressed_tokens,
        )

        self._model = model
        ct2 = model.model
        lang = language if ct2.is_multilingual else "en"
        self._tokenizer = Tokenizer(
            model.hf_tokenizer, ct2.is_multilingual, task="transcribe", language=lang or "en"
        )
        self._prompt = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
        self._suppress = list(get_suppressed_tokens(self._tokenizer, (-1,)))
        self._beam_size = beam_size

    def decode(self, audio: np.ndarray, window_s: float) -> WindowResult:
        """``audio``: float32 mono at 16 kHz, shorter than ``window_s``."""
        import ctranslate2  # type: ignore[import-untyped]

        frames = int(window_s * 100)  # 10 ms hop
        padded = np.zeros(int(window_s * SAMPLE_RATE), dtype=np.float32)
        padded[: audio.size] = audio
        features = self._model.feature_extractor(padded, padding=160)[:, :frames]
        storage = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
        ct2 = self._model.model
        encoded = ct2.encode(storage, to_cpu=False)
        budget = MIN_TOKENS + int(audio.size / SAMPLE_RATE * TOKENS_PER_S)
        result = ct2.generate(
            encoded,
            [self._prompt],
            beam_size=self._beam_size,
            max_length=len(self._prompt) + budget,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = self._tokenizer.decode(tokens).strip()
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens else -10.0
        if result.no_speech_prob > NO_SPEECH_LIMIT and avg_logprob < LOG_PROB_LIMIT:
            text = ""
        once = without_repeats(text)
        looped = once != text
        suspect = bool(once) and (
            compression_ratio(once) > COMPRESSION_RATIO_LIMIT
            or (len(tokens) >= budget and not looped)
            or repeats_itself(once)
        )
        return WindowResult(once, float(avg_logprob), float(result.no_speech_prob), suspect, looped)


def without_repeats(text: str, min_words: int = 3) -> str:
    """``text`` up to where it starts saying the same thing again: a decoder looping on a
    short window ("Where can I find you? Where can I find you? Where can I") said it once.
    A phrase of ``min_words`` or more words that recurs at once, and everything after it
    that only repeats it, is cut; anything else is left alone."""
    tokens = text.split()
    words = [re.sub(r"\W+", "", t.lower()) for t in tokens]
    n = len(words)
    for start in range(n):
        for size in range(min_words, (n - start) // 2 + 1):
            unit = words[start : start + size]
            if words[start + size : start + 2 * size] != unit:
                continue
            rest = words[start + size :]
            if all(w == unit[i % size] for i, w in enumerate(rest)):
                return " ".join(tokens[: start + size])
    return text


def repeats_itself(text: str, min_words: int = 3) -> bool:
    """Whether ``text`` ends with a phrase of ``min_words`` or more words said twice in a
    row ("Where can I find you? Where can I find you?"): too short for the compression
    ratio to notice, and the typical loop of a decoder on a short window."""
    words = re.findall(r"\w+", text.lower())
    for size in range(min_words, len(words) // 2 + 1):
        if words[-size:] == words[-2 * size : -size]:
            return True
    return False


def compression_ratio(text: str) -> float:
    """How well ``text`` compresses: Whisper's measure of a decoder stuck in a loop."""
    import zlib

    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data))
