"""Dialect and colloquial word forms to standard ones, before anything reads an
utterance: "des rohr is gplatzt" -> "das rohr ist geplatzt", "i bräucht" -> "ich
bräuchte". Whole words only, case kept; the table is data
(``agent/language/<lang>.yaml``, ``dialect:``)."""

from __future__ import annotations

import re
from functools import cache

from agent.language import pack
from agent.profile import Language

_WORD = re.compile(r"\w+", re.UNICODE)


@cache
def _table(language: Language) -> dict[str, str]:
    return {k.lower(): v for k, v in pack(language).dialect.items()}


def standardize(text: str, language: Language) -> str:
    table = _table(language)
    if not table:
        return text

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        new = table.get(word.lower())
        if new is None:
            return word
        return new[:1].upper() + new[1:] if word[:1].isupper() else new

    return _WORD.sub(swap, text)
