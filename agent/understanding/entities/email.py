"""E-mail addresses, typed ("max.mustermann@gmx.de") or spoken
("max punkt mustermann at gmx punkt de", "... klammeraffe t minus online punkt de").

Spoken local parts are read backwards from "at" over words joined by "punkt",
"bindestrich", "unterstrich"; after "meine (e-)mail(-adresse) ist/lautet" all
words up to "at" are joined ("anna schmidt at web punkt de" -> annaschmidt@web.de).
Number words become digits ("max zweiundvierzig" -> max42).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .entity import Entity, lower_same_length, make_entity, words
from .numbers import cardinal_value

EXTRACTOR = "rufbereit.email"

_TYPED_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.IGNORECASE)
_AT = {"at", "ät", "et", "klammeraffe", "@", "ätt"}
_CONNECTORS = {
    "punkt": ".", "dot": ".", ".": ".", "bindestrich": "-", "minus": "-", "strich": "-",
    "dash": "-", "hyphen": "-", "-": "-", "unterstrich": "_", "underscore": "_", "_": "_",
}  # fmt: skip
_TLDS = set(
    words(
        "de com net org eu at ch info io biz me online email berlin bayern nrw hamburg koeln "
        "uk fr it nl be es pl dk se tv cc app shop gmbh"
    )
)
_TRIGGER_RE = re.compile(
    r"\b(?:e\s*-?\s*mail|mail|email)(?:\s*-?\s*adresse)?\s+(?:ist|lautet|wäre|is)\s+"
    r"|\b(?:e\s*-?\s*mail|mail|email)(?:\s*-?\s*adresse)?\s*:\s*"
)
_TOKEN_RE = re.compile(r"[^\W_]+|[@._-]")


@dataclass(frozen=True, slots=True)
class _Tok:
    text: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.text not in _AT and self.text not in _CONNECTORS and self.text.isalnum()


def _part(word: str) -> str:
    value = cardinal_value(word) if word not in ("ein", "eine") else None
    return str(value) if value is not None and not word.isdigit() else word


def _domain(toks: list[_Tok], i: int) -> tuple[str, int] | None:
    """Domain starting at toks[i]: (text, index of its last token) or None."""
    if i >= len(toks) or not toks[i].is_word:
        return None
    out, best, last, j = _part(toks[i].text), "", None, i + 1
    while j + 1 < len(toks) and toks[j].text in _CONNECTORS and toks[j + 1].is_word:
        sep = _CONNECTORS[toks[j].text]
        out += sep + _part(toks[j + 1].text)
        if sep == "." and toks[j + 1].text in _TLDS:
            last = j + 1
            best = out
        j += 2
    return None if last is None else (best, last)


def _local(toks: list[_Tok], at: int, floor: int) -> tuple[str, int] | None:
    """Local part ending just before toks[at]: (text, index of its first token)."""
    j = at - 1
    if j < floor or not toks[j].is_word:
        return None
    parts = [_part(toks[j].text)]
    while j - 2 >= floor and toks[j - 1].text in _CONNECTORS and toks[j - 2].is_word:
        parts[:0] = [_part(toks[j - 2].text), _CONNECTORS[toks[j - 1].text]]
        j -= 2
    return "".join(parts), j


def extract_emails(text: str, language: str = "de") -> list[Entity]:
    """E-mail addresses in ``text``.

    >>> [e.value for e in extract_emails("max punkt mustermann at gmx punkt de")]
    ['max.mustermann@gmx.de']
    """
    lower = lower_same_length(text)
    found = [
        make_entity("email", m.group(0).lower(), text, m.start(), m.end(), EXTRACTOR)
        for m in _TYPED_RE.finditer(lower)
    ]
    toks = [_Tok(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(lower)]
    triggers = [m.end() for m in _TRIGGER_RE.finditer(lower)]
    for i, tok in enumerate(toks):
        if tok.text not in _AT or any(e.start <= tok.start < e.end for e in found):
            continue
        domain = _domain(toks, i + 1)
        trigger = max((t for t in triggers if t <= tok.start), default=None)
        floor = 0
        if trigger is not None:
            floor = next(k for k, t in enumerate(toks) if t.start >= trigger)
        local = _local(toks, i, floor)
        if domain is None or local is None:
            continue
        local_text, first = local
        if local_text.isdigit() and first > floor and toks[first - 1].is_word:
            first -= 1  # "sepp zweiundvierzig at ..." -> sepp42@...
            local_text = _part(toks[first].text) + local_text
        if trigger is not None and all(t.is_word for t in toks[floor:first]) and first - floor < 4:
            words = [_part(t.text) for t in toks[floor:first]]
            local_text, first = "".join(words) + local_text, floor
        start, end = toks[first].start, toks[domain[1]].end
        found.append(make_entity("email", f"{local_text}@{domain[0]}", text, start, end, EXTRACTOR))
    return sorted(found, key=lambda e: e.start)
