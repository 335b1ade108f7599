"""Speak a reply sentence by sentence, so the first audio goes out early.

:func:`split_sentences` cuts a reply at sentence ends, but not after abbreviations
("z. B.", "Dr.", "Nr.", "e.g."), inside ordinal dates ("am 24. November", "24. 11.") or
times ("10.30 Uhr"). :func:`speak_stream` synthesises one sentence at a time and starts
the next synthesis as soon as the previous one is handed out (while it plays), so the
time to first audio is that of the first sentence only; a long first sentence is cut
after its first clause ("Gerne, | ich habe einen Termin für Sie gefunden."), so the
time to first audio is that of a few words.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator

from agent.speech.say_de import EMERGENCY_NUMBERS, spoken_form
from agent.speech.tts import TextToSpeech

log = logging.getLogger(__name__)

# Words that end with a period but do not end a sentence (compared lower-case, without
# the final period). Single letters ("z", "B", "h") are always abbreviations.
ABBREVIATIONS = frozenset(
    {
        # German
        "bzw", "ca", "dr", "nr", "str", "tel", "hr", "fr", "prof", "usw", "etc", "inkl",
        "zzgl", "ggf", "evtl", "mwst", "abs", "bzgl", "vgl", "jan", "feb", "mär", "apr",
        "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dez", "mo", "di", "mi",
        "sa", "st", "u.a", "z.b", "d.h", "o.ä", "u.u", "geb", "max", "min", "std",
        # English
        "mr", "mrs", "ms", "e.g", "i.e", "vs", "approx", "dept",
    }
)  # fmt: skip
_MONTHS = "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"
# After these, "3. " is an ordinal ("im 3. Stock", "am 3. Oktober"), not a sentence end.
_ORDINAL_CONTEXT = frozenset({"am", "im", "den", "dem", "der", "die", "das", "zum", "vom", "ab"})
_CANDIDATE = re.compile(r"[.!?…]+[\"'»«“”)\]]*(?=\s)|\n\s*\n|\n")
_LAST_WORD = re.compile(r"(\S+)$")


def _is_sentence_end(text: str, end: int, mark: str) -> bool:
    """Whether the punctuation ``mark`` ending at ``end`` closes a sentence."""
    if "\n" in mark or mark[0] in "!?…":
        return True
    rest = text[end:].lstrip()
    if not rest:
        return True
    head = text[: end - len(mark)]
    if mark.rstrip("\"'»«“”)]") != ".":  # "..." or ".)" etc.
        return not rest[0].islower()
    word_m = _LAST_WORD.search(head)
    word = word_m.group(1) if word_m else ""
    bare = word.lstrip("(\"'„»").lower()
    if len(bare) == 1 and bare.isalpha():
        return False  # "z. B.", initials
    if bare in ABBREVIATIONS or (bare == "no" and rest[0].isdigit()):
        return False
    if rest[0].islower():
        return False  # "ca. zehn Minuten"
    if bare in EMERGENCY_NUMBERS:
        return True  # "rufen Sie die 112. Auf Wiederhören!"
    if bare.isdigit():
        next_word = rest.split(None, 1)[0].strip(".,").lower()
        if re.fullmatch(_MONTHS, next_word) or next_word[:1].isdigit():
            return False  # "24. November", "24. 11."
        before = _LAST_WORD.search(head[: len(head) - len(word)].rstrip())
        if before and before.group(1).lower() in _ORDINAL_CONTEXT:
            return False  # "im 3. Stock"
    return True


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, in order; an empty text has none."""
    out: list[str] = []
    start = 0
    for m in _CANDIDATE.finditer(text):
        if _is_sentence_end(text, m.end(), m.group(0)):
            piece = text[start : m.end()].strip()
            if piece:
                out.append(piece)
            start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def split_first_clause(sentence: str, min_chars: int = 40, min_rest_words: int = 3) -> list[str]:
    """``sentence`` cut after its first comma when it is long enough to be worth it
    (the rest is synthesised while the first clause plays)."""
    if len(sentence) < min_chars:
        return [sentence]
    cut = sentence.find(", ")
    if cut <= 0 or len(sentence[cut + 2 :].split()) < min_rest_words:
        return [sentence]
    return [sentence[: cut + 1], sentence[cut + 2 :]]


async def speak_stream(
    tts: TextToSpeech, text: str, language: str, *, normalize: bool = True
) -> AsyncIterator[bytes]:
    """slin16 audio for ``text``, one chunk per sentence.

    The first sentence is synthesised alone (nothing competes with it for the CPU); each
    following synthesis starts when the previous chunk is handed out, and runs while the
    caller plays it. Closing the iterator early cancels the synthesis under way.
    """
    sentences = split_sentences(text)
    if normalize:
        sentences = [spoken_form(s, language) for s in sentences]
    if not sentences:
        return
    sentences[:1] = split_first_clause(sentences[0])
    t0 = time.monotonic()
    first = asyncio.create_task(tts.synthesize(sentences[0], language))
    pending: asyncio.Task[bytes] | None = first
    try:
        for n in range(len(sentences)):
            assert pending is not None
            pcm = await pending
            pending = None
            if n + 1 < len(sentences):
                pending = asyncio.create_task(tts.synthesize(sentences[n + 1], language))
            if n == 0:
                log.debug(
                    "first sentence synthesised",
                    extra={
                        "ms": round((time.monotonic() - t0) * 1000),
                        "sentences": len(sentences),
                    },
                )
            if pcm:
                yield pcm
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending
