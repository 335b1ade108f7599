"""Sections cut into passages a caller can be answered from, and passages into sentences.

A passage keeps its headings (they say what the text is about: "Wartungsverträge >
Komfort" above "129 € im Jahr, inklusive ..."). A table row is a passage of its own;
paragraphs and list items of one section are joined up to about :data:`MAX_WORDS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .documents import Section

MAX_WORDS = 70

#: abbreviations after which a full stop does not end a sentence
_ABBREVIATIONS = (
    "z. b", "z.b", "u. a", "u.a", "d. h", "d.h", "bzw", "ca", "inkl", "zzgl", "ggf", "evtl",
    "nr", "str", "tel", "mo", "di", "mi", "do", "fr", "sa", "so", "std", "min", "max", "mind",
    "usw", "etc", "vgl", "bspw", "abs", "dr", "hr", "fa", "gmbh", "jan", "feb", "apr", "aug",
    "sept", "okt", "nov", "dez", "e.v", "s", "art", "gem", "lt", "zb", "kw", "tägl", "werktägl",
)  # fmt: skip
_END = re.compile(r"(?<=[.!?])\s+(?=[\"„(]?[A-ZÄÖÜ0-9])")


@dataclass(frozen=True, slots=True)
class Passage:
    id: int
    file: str
    headings: tuple[str, ...]
    text: str
    #: 0 for the first passage under its heading, 1 for the next, ...
    order: int = 0

    @property
    def heading(self) -> str:
        """The most specific heading (the file's title when there is no other)."""
        return self.headings[-1]

    @property
    def context(self) -> str:
        """The headings below the file's title, for indexing with the text."""
        return " ".join(self.headings[1:]) if len(self.headings) > 1 else self.headings[0]


def sentences(text: str) -> list[str]:
    """``text`` split into sentences, not after "z. B.", "ca.", "inkl." or an ordinal
    ("am 1. Januar")."""
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        before = text[start : m.start()].rstrip()
        last = before.rsplit(" ", 1)[-1].rstrip(".").lower()
        two = " ".join(before.rsplit(" ", 2)[-2:]).rstrip(".").lower()
        if (
            last in _ABBREVIATIONS
            or two in _ABBREVIATIONS
            or (len(last) == 1 and last.isalpha())  # "z. B.", "u. a."
            or (last.isdigit() and len(last) <= 2)  # "am 1. Januar"
        ):
            continue
        out.append(text[start : m.start()].strip())
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


def passages(sections: list[Section], first_id: int = 0) -> list[Passage]:
    out: list[Passage] = []

    seen: dict[tuple[str, tuple[str, ...]], int] = {}

    def add(section: Section, text: str) -> None:
        key = (section.file, section.headings)
        order = seen.get(key, 0)
        seen[key] = order + 1
        out.append(Passage(first_id + len(out), section.file, section.headings, text, order))

    for section in sections:
        group: list[str] = []
        words = 0
        for n, block in enumerate(section.blocks):
            if n in section.rows:
                if group:
                    add(section, " ".join(group))
                    group, words = [], 0
                add(section, block)
                continue
            size = len(block.split())
            if group and words + size > MAX_WORDS:
                add(section, " ".join(group))
                group, words = [], 0
            if size > MAX_WORDS * 1.5:  # one long paragraph: by sentences
                for chunk in _chunks(sentences(block)):
                    add(section, chunk)
                continue
            group.append(block if block.endswith((".", "!", "?", ":")) else f"{block}.")
            words += size
        if group:
            add(section, " ".join(group))
    return out


def _chunks(sents: list[str]) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    for s in sents:
        if current and sum(len(c.split()) for c in current) + len(s.split()) > MAX_WORDS:
            chunks.append(" ".join(current))
            current = []
        current.append(s)
    if current:
        chunks.append(" ".join(current))
    return chunks
