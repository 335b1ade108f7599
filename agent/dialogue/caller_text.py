"""What the caller said, made safe to understand, store and read back.

A recogniser's transcript (or a text channel's message) can hold anything: control and
direction characters, a letter held for ten thousand repetitions, a loop of one phrase.
Nothing a person says in one turn is longer than about half a minute of speech, so the
text is cut at :data:`MAX_CHARS` on a word boundary, invisible characters go, look-alike
forms become plain ones (NFKC: "²" is "2", "ﬁ" is "fi"), and a run of one letter is kept
to three (German has at most three in a row: "Schifffahrt"). Digits are left alone
("10000 Euro", "0000" in a phone number).
"""

from __future__ import annotations

import re
import unicodedata

#: about 40 seconds of fast speech; more is a recogniser loop or a pasted document
MAX_CHARS = 600
#: longer than any word a caller says ("Donaudampfschifffahrtsgesellschaft" is 34)
MAX_WORD = 48

_LETTER_RUN = re.compile(r"([^\W\d_])\1{3,}")
_SPACES = re.compile(r"\s+")


def _visible(ch: str) -> str:
    category = unicodedata.category(ch)
    if category in ("Cc", "Zl", "Zp"):
        return " "  # tab, newline, escape: a gap between words
    if category in ("Cf", "Cs", "Co", "Cn"):
        return ""  # zero-width space, bidi marks, BOM, lone surrogates
    return ch


def tidy(text: str) -> str:
    """The transcript without invisible characters, letter loops or endless length."""
    clean = "".join(_visible(ch) for ch in unicodedata.normalize("NFKC", text))
    clean = _LETTER_RUN.sub(r"\1\1\1", clean)
    words = [w if len(w) <= MAX_WORD else w[:MAX_WORD] for w in _SPACES.split(clean.strip())]
    out = " ".join(w for w in words if w)
    if len(out) > MAX_CHARS:
        out = out[:MAX_CHARS].rsplit(" ", 1)[0] if " " in out[:MAX_CHARS] else out[:MAX_CHARS]
    return out
