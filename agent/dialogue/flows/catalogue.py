"""Products and quantities in what the caller says, from the profile's catalogue.

"zwei Heizkörperventile und drei Kartuschen Silikon" -> [(HKV-12, 2), (SIL-310, 3)].
A synonym that is another item's unit right before that item ("Kartuschen Silikon")
is the unit, not a product. "ohne Silikon" / "kein Silikon" removes an item.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.profile import BusinessProfile, CatalogueItem, Language
from agent.understanding.entities.numbers import number_value

from ..cues import normalize
from ..say import say_list

_ONE = {"ein", "eine", "einen", "einem", "einer", "a", "an", "one"}
_EN_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_REMOVE = {"ohne", "kein", "keine", "keinen", "nicht", "without", "no", "remove"}


@dataclass(frozen=True, slots=True)
class Mention:
    item: CatalogueItem
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Wanted:
    item: CatalogueItem
    quantity: int | None  # None: not said
    remove: bool = False


def _words_of(item: CatalogueItem) -> list[str]:
    return [normalize(w) for w in (item.name, item.name_en or "", *item.synonyms) if w]


def _units(item: CatalogueItem) -> set[str]:
    return {normalize(t) for u in (item.unit, item.unit_plural) for t in (u.de, u.en)}


def find_mentions(profile: BusinessProfile, norm: str) -> list[Mention]:
    padded = f" {norm} "
    found: list[Mention] = []
    for item in profile.catalogue:
        for word in _words_of(item):
            i = padded.find(f" {word}")
            while i >= 0:
                end = padded.find(" ", i + 1 + len(word))
                found.append(Mention(item, i, end - 1))
                i = padded.find(f" {word}", i + 1)
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for m in found:
        if not any(m.start < k.end and k.start < m.end for k in kept):
            kept.append(m)
    kept.sort(key=lambda m: m.start)
    out = []
    for n, m in enumerate(kept):
        nxt = kept[n + 1] if n + 1 < len(kept) else None
        said = norm[m.start : m.end]
        if nxt is not None and nxt.start == m.end + 1 and said in _units(nxt.item):
            continue  # "kartuschen silikon": a unit of the next item
        out.append(m)
    return out


def number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token in _ONE:
        return 1
    if token in _EN_NUMBERS:
        return _EN_NUMBERS[token]
    value = number_value(token)
    return int(value) if value is not None and value == int(value) and value > 0 else None


def wanted_items(profile: BusinessProfile, norm: str) -> list[Wanted]:
    """Each catalogue item mentioned, with the quantity said before (or after) it."""
    mentions = find_mentions(profile, norm)
    out: list[Wanted] = []
    prev_end = 0
    for n, m in enumerate(mentions):
        before = norm[prev_end : m.start].split()[-3:]
        nxt = mentions[n + 1].start if n + 1 < len(mentions) else len(norm)
        after = norm[m.end : nxt].split()[:3]
        qty = next((q for t in reversed(before) if (q := number(t)) is not None), None)
        if qty is None:
            qty = next((q for t in after if (q := number(t)) is not None), None)
        remove = bool(_REMOVE & set(before[-2:]))
        out.append(Wanted(m.item, qty, remove))
        prev_end = m.end
    return out


def say_line(item: CatalogueItem, qty: int, language: Language) -> str:
    unit = (item.unit if qty == 1 else item.unit_plural).get(language)
    name = item.say(language)
    return f"{qty} {unit} {name}" if language == "de" else f"{qty} {unit} of {name}"


def examples(profile: BusinessProfile, language: Language, n: int = 4) -> str:
    return say_list([i.say(language) for i in profile.catalogue[:n]], language, "and")
