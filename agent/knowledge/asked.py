"""What a question asks for, and whether a sentence says it.

"Was kostet ...?" asks for a price, "Wie lange ...?" for a duration, "Wann ...?" for a
time, "Wo ...?" for a place, "Wie viele ...?" for a number, "Wie oft ...?" for how often,
"Wie heißt ...?" for a name. A sentence answers only when it holds that: an amount, a
span of time, a time of day or date, ... ("Die Wartung dauert etwa 1,5 Stunden" answers
"Wie lange?", "Die Wartung einer Ölheizung ist jährlich fällig" does not). The question's
phrases and the answer's forms are the language's data (``knowledge: asks_*`` and
``says_*`` in agent/language/<lang>.yaml); yes/no questions ask for no form.
"""

from __future__ import annotations

import re
from functools import cache

from agent.language import pack
from agent.profile import Language

from .terms import fold, tokens


class Asked:
    """The kinds of answer a language's questions ask for, and their forms."""

    def __init__(self, language: Language) -> None:
        words = pack(language).knowledge
        kinds = [k.removeprefix("asks_") for k in words if k.startswith("asks_")]
        self._asks = {k: [f" {' '.join(tokens(p))} " for p in words[f"asks_{k}"]] for k in kinds}
        self._says = {
            k: re.compile("|".join(f"(?:{p})" for p in words.get(f"says_{k}", [])), re.I)
            for k in kinds
        }
        self._follows = {w.lower() for w in words.get("follows", [])}

    def kinds(self, question: str) -> frozenset[str]:
        """What ``question`` asks for: "price", "duration", ... (none for yes or no)."""
        said = f" {' '.join(tokens(question, parts=False))} "
        return frozenset(k for k, phrases in self._asks.items() if any(p in said for p in phrases))

    def words(self, question: str) -> set[str]:
        """The folded words of ``question`` that ask ("wie schnell": "schnell"), not a
        topic: a passage need not hold them."""
        said = f" {' '.join(tokens(question, parts=False))} "
        return {
            fold(w) for phrases in self._asks.values() for p in phrases if p in said
            for w in p.split()
        }  # fmt: skip

    def says(self, kind: str, sentence: str) -> bool:
        """``sentence`` holds what ``kind`` asks for."""
        pattern = self._says.get(kind)
        return pattern is None or not pattern.pattern or bool(pattern.search(sentence))

    def follows(self, sentence: str) -> bool:
        """``sentence`` goes on from the one before it ("Sonst können ...")."""
        first = sentence.split(maxsplit=1)[:1]
        return bool(first) and first[0].strip(",:").lower() in self._follows


@cache
def asked_in(language: Language) -> Asked:
    return Asked(language)
