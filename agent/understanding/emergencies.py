"""Which of the business's emergency kinds an utterance is about, by meaning.

Each kind in the profile names *signals*: sets of concepts that must all be there, in
any order and not negated (:mod:`agent.understanding.meaning`). Legacy *keywords*
(phrases) still count unless a negation stands inside or right before them. When
several kinds match, a real one wins over one that is not (a pipe that drips from the
ceiling is a burst pipe, not a dripping tap), then the profile's order (gas first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.profile import BusinessProfile, EmergencyKind

from .meaning import Lexicon, Reading, concept_name, fold


@dataclass(frozen=True, slots=True)
class Detection:
    kind: EmergencyKind
    #: For a kind that needs confirming (heating out): the caller already said what makes
    #: it real ("minus zehn Grad").
    confirmed: bool = False

    @property
    def real(self) -> bool:
        return self.kind.real

    @property
    def needs_confirming(self) -> bool:
        return self.kind.real and self.kind.confirm is not None and not self.confirmed


def _keyword_said(norm: str, keyword: str, negations: frozenset[str]) -> bool:
    """The phrase's words in order, up to two others between, no negation in or just
    before it ('es riecht nicht nach Gas' does not say 'riecht nach gas')."""
    words = [fold(w) for w in keyword.split()]
    if not words:
        return False
    toks = fold(norm).split()
    between = r"\S*(?: \S+){0,2} "
    pattern = r"(?<!\S)(" + between.join(re.escape(w) for w in words) + r")"
    text = " ".join(toks)
    for m in re.finditer(pattern, text):
        before = text[: m.start()].split()[-2:]
        if not (negations & set(m.group(1).split()) or negations & set(before)):
            return True
    return False


def said_any(entries: list[str], reading: Reading, norm: str, lexicon: Lexicon) -> bool:
    """One of ``entries`` (concept names or phrases) is said, not negated."""
    for entry in entries:
        if entry in lexicon:
            if reading.has(entry):
                return True
        elif _keyword_said(norm, entry, lexicon.negations):
            return True
    return False


#: The concepts of one signal must stand this close together (in words).
SIGNAL_SPAN = 12


def _signal(signal: list[str], reading: Reading) -> bool:
    """All of the signal's concepts are there, and not by sound alone: a word the
    recogniser may have misheard ("Heizungspartum") helps, but never raises an
    emergency by itself (one concept of the signal must have been heard as it is)."""
    if not signal or not reading.all(signal, within=SIGNAL_SPAN):
        return False
    exact = reading.exact()
    if len(signal) == 1:
        return exact.all(signal)
    return any(exact.all([entry]) for entry in signal)


def matches(kind: EmergencyKind, reading: Reading, norm: str, lexicon: Lexicon) -> bool:
    if any(_signal(signal, reading) for signal in kind.signals):
        return True
    return any(_keyword_said(norm, kw, lexicon.negations) for kw in kind.keywords)


def detect(
    profile: BusinessProfile, reading: Reading, norm: str, lexicon: Lexicon
) -> Detection | None:
    found = [k for k in profile.emergencies if matches(k, reading, norm, lexicon)]
    if not found:
        return None
    kind = next((k for k in found if k.real), found[0])
    confirmed = bool(kind.real_if) and said_any(kind.real_if, reading, norm, lexicon)
    return Detection(kind, confirmed)


def unknown_signals(profile: BusinessProfile, lexicon: Lexicon) -> list[str]:
    """Concept names the profile's signals use that the language does not define."""
    return sorted(
        {
            concept_name(c)
            for k in profile.emergencies
            for s in k.signals
            for c in s
            if concept_name(c) not in lexicon
        }
    )
