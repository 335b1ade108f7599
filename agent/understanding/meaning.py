"""Meaning in what a caller said: concepts found by word stems, in any order.

A *concept* ("gas", "smell", "water escaping") is a list of term patterns:

- ``riech*`` a word starting with "riech" (riecht, riechen); ``*geruch`` a word ending
  in it (Gasgeruch); ``*rohr*`` a word containing it (Wasserrohrbruch); ``gas`` the
  word itself;
- ``unter wasser``: several words in this order, at most three other words between them;
- ``!gast*``: a word that never counts for the concept, even if another term matches
  (Gasthaus is not gas).

Matching is forgiving where callers and recognisers are: umlauts and ß are folded
("lauft" = "läuft"), compounds split by a recogniser are joined again ("gas geruch" =
"Gasgeruch", up to three words), and it does not matter where in the sentence a
concept is. A concept is *negated* when "nicht", "kein", "ohne" ... stands right
before it (at most two words earlier, not across "ob", "aber", "und" ...):
"es riecht nicht nach Gas" has gas, negated.

No library does this: spaCy/NLTK models need downloads and give no concept lists;
plain keyword search fails on word order, compounds and negation. It is small, pure
Python, and fast (a few hundred microseconds an utterance).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from agent.profile import Language

from .sounds_like import MIN_LENGTH, sounds_like, starts_like

_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "è": "e"})
_WORD = re.compile(r"[\w']+", re.UNICODE)
MAX_GAP = 3  # other words allowed between the words of a multi-word term
NEGATION_REACH = 2  # words before a concept that a negation may stand in
AFTER_REACH = 4  # words after a verb that its negation may stand in
JOIN = 3  # words a recogniser may have split a compound into


def fold(text: str) -> str:
    """Lower case, umlauts and ß folded: 'Läuft' -> 'lauft'."""
    return text.casefold().translate(_FOLD).replace("'", "")


def tokens(text: str) -> list[str]:
    return [fold(t) for t in _WORD.findall(text)]


@dataclass(frozen=True, slots=True)
class Pattern:
    """One word pattern: exact, prefix (``x*``), suffix (``*x``) or infix (``*x*``)."""

    text: str
    prefix: bool = False
    suffix: bool = False

    @classmethod
    def parse(cls, raw: str) -> Pattern:
        raw = fold(raw.strip())
        start, end = raw.startswith("*"), raw.endswith("*")
        return cls(raw.strip("*"), prefix=end, suffix=start)

    def matches(self, word: str) -> bool:
        if self.prefix and self.suffix:
            return self.text in word
        if self.prefix:
            return word.startswith(self.text)
        if self.suffix:
            return word.endswith(self.text)
        return word == self.text


@dataclass(frozen=True, slots=True)
class Term:
    words: tuple[Pattern, ...]

    @classmethod
    def parse(cls, raw: str) -> Term:
        return cls(tuple(Pattern.parse(w) for w in raw.split()))


@dataclass(frozen=True, slots=True)
class Hit:
    concept: str
    start: int  # first token
    end: int  # one past the last token
    negated: bool = False
    #: Found by sound only (a recogniser slip, :mod:`agent.understanding.sounds_like`).
    fuzzy: bool = False


@dataclass
class Concept:
    name: str
    terms: list[Term] = field(default_factory=list)
    exclude: list[Pattern] = field(default_factory=list)

    @classmethod
    def parse(cls, name: str, raw: Iterable[str]) -> Concept:
        c = cls(name)
        for r in raw:
            if r.startswith("!"):
                c.exclude.append(Pattern.parse(r[1:]))
            elif r.strip():
                c.terms.append(Term.parse(r))
        return c

    @cached_property
    def words(self) -> list[Term]:
        return [t for t in self.terms if len(t.words) == 1]

    @cached_property
    def phrases(self) -> list[Term]:
        return [t for t in self.terms if len(t.words) > 1]

    def word_ok(self, word: str) -> bool:
        return not any(p.matches(word) for p in self.exclude)

    def find(self, toks: list[str]) -> list[Hit]:
        hits: list[Hit] = []
        for term in self.terms:
            hits += self._find_term(term, toks)
        return _disjoint(hits)

    def _find_term(self, term: Term, toks: list[str]) -> list[Hit]:
        out: list[Hit] = []
        if len(term.words) == 1:
            pattern = term.words[0]
            for i in range(len(toks)):
                for n in range(1, JOIN + 1):  # the word, or it split into n words
                    if i + n > len(toks) or (n > 1 and pattern.suffix):
                        break
                    word = "".join(toks[i : i + n])
                    if pattern.matches(word) and self.word_ok(word):
                        out.append(Hit(self.name, i, i + n))
                        break
            return out
        for i, tok in enumerate(toks):
            if not (term.words[0].matches(tok) and self.word_ok(tok)):
                continue
            pos, ok = i, True
            for pattern in term.words[1:]:
                nxt = next(
                    (j for j in range(pos + 1, min(len(toks), pos + 2 + MAX_GAP))
                     if pattern.matches(toks[j])),
                    None,
                )  # fmt: skip
                if nxt is None:
                    ok = False
                    break
                pos = nxt
            if ok:
                out.append(Hit(self.name, i, pos + 1))
        return out


def _disjoint(hits: list[Hit]) -> list[Hit]:
    """Longest first, no two sharing a token."""
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
        if not any(h.start < k.end and k.start < h.end for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.start)


@dataclass(frozen=True, slots=True)
class Reading:
    """The concepts found in one utterance."""

    toks: tuple[str, ...]
    hits: Mapping[str, tuple[Hit, ...]]

    def has(self, concept: str, *, negated: bool | None = False) -> bool:
        """Whether ``concept`` is there (``negated``: False only affirmed, True only
        negated, None either)."""
        return any(negated is None or h.negated == negated for h in self.hits.get(concept, ()))

    def all(self, concepts: Iterable[str], within: int | None = None) -> bool:
        """Every concept is there, affirmed; ``not:x`` means x is there negated ("kein
        warmes Wasser"), ``any:x`` either way. ``within``: all in a stretch of that many
        words (in a long sentence, "rent out" far from "the gas boiler" is no failure)."""
        wanted = [_signed(c) for c in concepts]
        if not all(self.has(name, negated=neg) for name, neg in wanted):
            return False
        if within is None or len(wanted) < 2:
            return True
        options = [
            [h for h in self.hits[name] if neg is None or h.negated == neg] for name, neg in wanted
        ]
        return _closest(options) <= within

    def any(self, concepts: Iterable[str]) -> bool:
        return any(self.has(c) for c in concepts)

    def exact(self) -> Reading:
        """The same reading without the words matched by sound only."""
        kept = {n: tuple(h for h in hs if not h.fuzzy) for n, hs in self.hits.items()}
        return Reading(self.toks, {n: hs for n, hs in kept.items() if hs})

    def span(self, concept: str) -> tuple[int, int] | None:
        hits = [h for h in self.hits.get(concept, ()) if not h.negated]
        return (hits[0].start, hits[0].end) if hits else None


class Lexicon:
    """A language's concepts, plus the words that negate and that end a negation."""

    def __init__(
        self,
        concepts: Mapping[str, Iterable[str]],
        negations: Iterable[str] = (),
        scope_breaks: Iterable[str] = (),
        negated_after: Iterable[str] = (),
    ) -> None:
        self.concepts = {name: Concept.parse(name, terms) for name, terms in concepts.items()}
        self.negations = frozenset(fold(n) for n in negations)
        self.breaks = frozenset(fold(b) for b in scope_breaks)
        #: Concepts (verbs) a negation follows: "die Heizung funktioniert seit gestern nicht".
        self.negated_after = frozenset(negated_after)

    def __contains__(self, name: str) -> bool:
        return name in self.concepts

    def extended(self, extra: Mapping[str, Iterable[str]]) -> Lexicon:
        """A copy with more terms (a profile's own words) for new or existing concepts."""
        merged: dict[str, list[str]] = {}
        for name, c in self.concepts.items():
            merged[name] = [" ".join(_raw(p) for p in t.words) for t in c.terms]
            merged[name] += ["!" + _raw(p) for p in c.exclude]
        for name, terms in extra.items():
            merged.setdefault(name, []).extend(terms)
        out = Lexicon({}, (), ())
        out.concepts = {n: Concept.parse(n, t) for n, t in merged.items()}
        out.negations, out.breaks = self.negations, self.breaks
        out.negated_after = self.negated_after
        return out

    def read(self, text: str, only: Iterable[str] | None = None) -> Reading:
        toks = tokens(text)
        names = set(self.concepts if only is None else [n for n in only if n in self.concepts])
        raw: dict[str, list[Hit]] = {}
        for i in range(len(toks)):
            alone = set(self._word_concepts(toks[i], False))
            for n in range(1, JOIN + 1):  # the word, or a compound split into n words
                if i + n > len(toks):
                    break
                for name in self._word_concepts("".join(toks[i : i + n]), n > 1):
                    if name in names and (n == 1 or name not in alone):
                        raw.setdefault(name, []).append(Hit(name, i, i + n))
        for name in names:
            c = self.concepts[name]
            for term in c.phrases:
                raw.setdefault(name, []).extend(c._find_term(term, toks))
        covered = {i for hs in raw.values() for h in hs for i in range(h.start, h.end)}
        for i, tok in enumerate(toks):  # a recogniser slip: "Heizungspartum"
            if i not in covered and len(tok) >= MIN_LENGTH - 1:
                for name in self._sound_concepts(tok):
                    if name in names:
                        raw.setdefault(name, []).append(Hit(name, i, i + 1, fuzzy=True))
        found = {name: _disjoint(hs) for name, hs in raw.items() if hs}
        # a negation inside a phrase ("geht nicht") is part of its meaning, not a negation
        used = {
            i for hits in found.values() for h in hits if h.end - h.start > 1
            for i in range(h.start, h.end)
        }  # fmt: skip
        negators = [i for i, t in enumerate(toks) if t in self.negations and i not in used]
        starts = sorted({h.start for hs in found.values() for h in hs})
        hits = {
            name: tuple(Hit(h.concept, h.start, h.end, self._negated(toks, h, negators, starts),
                            h.fuzzy)
                        for h in hs)
            for name, hs in found.items()
        }  # fmt: skip
        return Reading(tuple(toks), hits)

    @lru_cache(maxsize=8192)  # noqa: B019 - one lexicon per language lives for the process
    def _word_concepts(self, word: str, joined: bool) -> tuple[str, ...]:
        """The concepts a single word (or a compound joined from several) stands for."""
        out = []
        for name, c in self.concepts.items():
            for term in c.words:
                p = term.words[0]
                if (not joined or not p.suffix) and p.matches(word) and c.word_ok(word):
                    out.append(name)
                    break
        return tuple(out)

    @lru_cache(maxsize=8192)  # noqa: B019 - one lexicon per language lives for the process
    def _sound_concepts(self, word: str) -> tuple[str, ...]:
        """The concepts a word stands for when it only sounds like one of their words."""
        out = []
        for name, c in self.concepts.items():
            for term in c.words:
                p = term.words[0]
                if p.suffix or len(p.text) < MIN_LENGTH or not c.word_ok(word):
                    continue
                if starts_like(word, p.text) if p.prefix else sounds_like(word, p.text):
                    out.append(name)
                    break
        return tuple(out)

    def _negated(self, toks: list[str], hit: Hit, negators: list[int], starts: list[int]) -> bool:
        for n in negators:
            if hit.start - NEGATION_REACH - 1 <= n < hit.start and not any(
                toks[j] in self.breaks for j in range(n + 1, hit.start)
            ):
                return True
            if (
                hit.concept in self.negated_after
                and hit.end <= n <= hit.end + AFTER_REACH
                and not any(toks[j] in self.breaks for j in range(hit.end, n))
                and not any(hit.end <= s < n for s in starts)  # "riecht nach Gas, nicht ..."
            ):
                return True
        return False


def _closest(options: list[list[Hit]]) -> int:
    """The shortest stretch of words holding one hit of each list."""
    best = 10**6
    for first in options[0]:
        lo, hi = first.start, first.end
        for hits in options[1:]:
            nearest = min(hits, key=lambda h: abs(h.start - first.start))
            lo, hi = min(lo, nearest.start), max(hi, nearest.end)
        best = min(best, hi - lo)
    return best


def concept_name(entry: str) -> str:
    """The concept a signal entry names (without ``not:`` / ``any:``)."""
    return _signed(entry)[0]


def _signed(entry: str) -> tuple[str, bool | None]:
    if entry.startswith("not:"):
        return entry[4:], True
    if entry.startswith("any:"):
        return entry[4:], None
    return entry, False


def _raw(p: Pattern) -> str:
    return ("*" if p.suffix else "") + p.text + ("*" if p.prefix else "")


@lru_cache(maxsize=16)
def lexicon_for(language: Language) -> Lexicon:
    """The concepts of ``language``'s word file (``agent/language/<lang>.yaml``)."""
    from agent.language import pack

    p = pack(language)
    return Lexicon(
        p.concepts,
        p.cues.get("negation", ()),
        p.cues.get("scope_break", ()),
        p.cues.get("negated_after", ()),
    )
