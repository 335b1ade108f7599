"""Products and quantities in what the caller says, from the profile's catalogue.

"zwei Heizkörperventile und drei Kartuschen Silikon" -> [(HKV-12, 2), (SIL-310, 3)].
Matching works on words: a catalogue word as a word, as the start of a longer word
(plurals, "Thermostatventile") or split by a recogniser ("heiz körper ventile"). A
synonym that is another item's unit right before that item ("Kartuschen Silikon",
"eine Kartusche Sanitär Silikon") is the unit, not a product. "ohne Silikon",
"kein Silikon", "das Silikon doch nicht" removes an item. What is left that names a
thing ("einen Gartenschlauch") is an item that is not in the catalogue: it is named
back, never dropped silently.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cache

from agent.language import pack
from agent.profile import BusinessProfile, CatalogueItem, Language
from agent.understanding.entities.numbers import number_value, text2num
from agent.understanding.meaning import fold
from agent.understanding.sounds_like import sounds_like

from .cues import normalize
from .say import say_list

_ONE = {"ein", "eine", "einen", "einem", "einer", "a", "an", "one"}
_EN_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12,
    "zwo": 2, "dutzend": 12,
}  # fmt: skip
_REMOVE_BEFORE = {"ohne", "kein", "keine", "keinen", "without", "no", "remove", "streichen"}
_REMOVE_AFTER = ("doch nicht", "nicht mehr", "weg", "streichen", "raus", "bitte nicht",
                 "lieber nicht", "anymore", "any more", "after all")  # fmt: skip
#: Words that never name a product (the rest of an order sentence).
_NOT_ITEMS = frozenset(
    fold(w)
    for w in [
        "ich",
        "hätte",
        "gern",
        "gerne",
        "bitte",
        "noch",
        "auch",
        "dazu",
        "und",
        "oder",
        "also",
        "äh",
        "ähm",
        "ja",
        "nein",
        "ok",
        "okay",
        "genau",
        "doch",
        "dann",
        "mal",
        "möchte",
        "würde",
        "bräuchte",
        "brauche",
        "brauch",
        "will",
        "wollte",
        "nehme",
        "nehm",
        "bestellen",
        "bestelle",
        "bestellung",
        "stück",
        "stk",
        "mal",
        "einmal",
        "zweimal",
        "dreimal",
        "davon",
        "von",
        "dem",
        "der",
        "die",
        "das",
        "den",
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "zwei",
        "drei",
        "vier",
        "fünf",
        "sechs",
        "sieben",
        "acht",
        "neun",
        "zehn",
        "elf",
        "zwölf",
        "paar",
        "paar",
        "stück",
        "für",
        "mit",
        "zu",
        "zum",
        "zur",
        "in",
        "im",
        "am",
        "an",
        "auf",
        "aus",
        "bei",
        "wir",
        "uns",
        "mir",
        "mich",
        "sie",
        "es",
        "so",
        "etwas",
        "was",
        "alles",
        "insgesamt",
        "jeweils",
        "je",
        "lieber",
        "stattdessen",
        "sonst",
        "nix",
        "nichts",
        "mehr",
        "das",
        "wars",
        "war",
        "s",
        "danke",
        "schon",
        "gut",
        "passt",
        "hallo",
        "servus",
        "moin",
        "grüß",
        "gott",
        "guten",
        "tag",
        "sorry",
        "quatsch",
        "meine",
        "meinte",
        "ich",
        "hab",
        "habe",
        "haben",
        "gibt",
        "gäbe",
        "wäre",
        "dazu",
        "bräucht",
        "vielleicht",
        "i",
        "would",
        "like",
        "to",
        "order",
        "please",
        "and",
        "also",
        "some",
        "more",
        "too",
        "yeah",
        "sure",
        "want",
        "need",
        "get",
        "have",
        "the",
        "of",
        "for",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "a",
        "an",
        "another",
        "couple",
        "pair",
        "that",
        "s",
        "it",
        "thats",
        "all",
        "all",
        "that's",
        "thanks",
        "no",
        "yes",
        "ok",
        "okay",
        "just",
        *[
            "few",
            "bits",
            "bit",
            "couple",
            "things",
            "thing",
            "stuff",
            "tubes",
            "tube",
            "packs",
            "pack",
            "boxes",
            "box",
            "rolls",
            "roll",
            "pieces",
            "bags",
            "bag",
            "lot",
            "lots",
            "schade",
            "naja",
            "prima",
            "super",
            "toll",
            "gut",
            "achso",
            "pity",
            "shame",
            "fine",
            "great",
            "alright",
            "dinge",
            "sachen",
            "teile",
            "kleinkram",
            "zeug",
            "packung",
            "packungen",
            "rolle",
            "rollen",
        ],
    ]
)


#: Words an item in a list comes after ("einen Gartenschlauch", "und noch Fliesen").
_LEADS = frozenset(
    fold(w)
    for w in [
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "und",
        "noch",
        "auch",
        "paar",
        "some",
        "a",
        "an",
        "and",
        "also",
        "another",
        "more",
        "any",
        *[
            "rolle",
            "rollen",
            "packung",
            "packungen",
            "tube",
            "tuben",
            "dose",
            "dosen",
            "meter",
            "karton",
            "kartons",
            "sack",
            "eimer",
            "flasche",
            "flaschen",
            "roll",
            "rolls",
            "box",
            "boxes",
            "bag",
            "bags",
            "tin",
            "tins",
            "bottle",
            "bottles",
            "metres",
            "meters",
        ],
    ]
)


@dataclass(frozen=True, slots=True)
class Mention:
    item: CatalogueItem
    start: int  # token index
    end: int  # one past the last token


@dataclass(frozen=True, slots=True)
class Wanted:
    item: CatalogueItem
    quantity: int | None  # None: not said
    remove: bool = False


def _words_of(item: CatalogueItem) -> list[str]:
    return [fold(normalize(w)) for w in (item.name, item.name_en or "", *item.synonyms) if w]


def _units(item: CatalogueItem) -> set[str]:
    return {fold(normalize(t)) for u in (item.unit, item.unit_plural) for t in (u.de, u.en)}


def _matches(word: str, said: str, misheard: bool = True) -> bool:
    """A catalogue word said as it is, inflected ('ventile', 'dichtungssets') or
    misheard by the recogniser ('fentile')."""
    if said == word:
        return True
    if len(word) >= 4 and said.startswith(word) and len(said) - len(word) <= 3:
        return True
    return misheard and " " not in word and sounds_like(said, word)


def find_mentions(profile: BusinessProfile, norm: str) -> list[Mention]:
    toks = [fold(t) for t in norm.split()]
    found: list[Mention] = []
    for item in profile.catalogue:
        for word in _words_of(item):
            parts = word.split()
            for i in range(len(toks)):
                for n in range(1, 4):  # the word, or a compound split into up to 3 words
                    if i + n > len(toks):
                        break
                    said = " ".join(toks[i : i + n]) if len(parts) > 1 else "".join(toks[i : i + n])
                    if _matches(word, said, misheard=n == 1):
                        found.append(Mention(item, i, i + n))
                        break
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for m in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(m.start < k.end and k.start < m.end for k in kept):
            kept.append(m)
    kept.sort(key=lambda m: m.start)
    out: list[Mention] = []
    for n, m in enumerate(kept):
        nxt = kept[n + 1] if n + 1 < len(kept) else None
        prev = out[-1] if out else None
        said = "".join(toks[m.start : m.end])
        if (
            nxt is not None
            and nxt.start - m.end <= 2
            and any(_matches(u, said) for u in _units(nxt.item))
        ):
            continue  # "kartuschen (sanitär) silikon": a unit of the next item
        if (
            prev is not None
            and m.start - prev.end <= 2
            and any(_matches(u, said) for u in _units(prev.item))
        ):
            continue  # "silikon, zwei kartuschen": the unit of the item before
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
    if value is None and token.isalpha() and token.isascii():
        with contextlib.suppress(ValueError):  # "fifteen", "twenty"
            value = text2num(token, "en")
    return int(value) if value is not None and value == int(value) and value > 0 else None


def wanted_items(profile: BusinessProfile, norm: str) -> list[Wanted]:
    """Each catalogue item mentioned, with the quantity said before (or after) it."""
    mentions = find_mentions(profile, norm)
    toks = norm.split()
    out: list[Wanted] = []
    prev_end = 0
    for n, m in enumerate(mentions):
        before = toks[prev_end : m.start][-3:]
        nxt = mentions[n + 1].start if n + 1 < len(mentions) else len(toks)
        after = toks[m.end : nxt][:3]
        qty = next((q for t in reversed(before) if (q := number(t)) is not None), None)
        if qty is None:
            qty = next((q for t in after if (q := number(t)) is not None), None)
        fixed = _corrected_quantity(toks[m.end : nxt])
        if fixed is not None:
            qty = fixed  # "sechs Kartuschen, ach nein, doch lieber vier"
        tail = toks[m.end : nxt][:4]
        said_after = " ".join(tail[:3])
        remove = (
            bool(_REMOVE_BEFORE & set(before[-2:]))
            or any(f" {said_after} ".startswith(f" {w} ") for w in _REMOVE_AFTER)
            or any(
                t in ("nicht", "not") and (i + 1 == len(tail) or number(tail[i + 1]) is None)
                for i, t in enumerate(tail)
            )
        )  # "die Dichtungen brauch ich doch nicht", but "vier Ventile, nicht drei"
        out.append(Wanted(m.item, None if remove else qty, remove))
        prev_end = m.end
    return out


@cache
def ignorable(language: Language) -> frozenset[str]:
    """Words of the language's cue lists (yes, no, thanks, greetings, ...): never items."""
    keys = ("yes", "no", "thanks", "greeting", "greeting_or_goodbye", "goodbye", "fillers",
            "closing", "negation")  # fmt: skip
    return frozenset(fold(w) for k in keys for p in pack(language).cue(k) for w in p.split())


_CORRECTION = frozenset({"nein", "nee", "doch", "lieber", "sorry", "besser", "eher", "no", "rather",
                         "actually", "make"})  # fmt: skip


def _corrected_quantity(after: list[str]) -> int | None:
    """A number said after a correction word, right after the item."""
    seen = False
    for t in after[:6]:
        if t in _CORRECTION:
            seen = True
        elif seen and (n := number(t)) is not None:
            return n
    return None


def unknown_items(
    profile: BusinessProfile, norm: str, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """Things asked for that are not in the catalogue ('einen Gartenschlauch')."""
    toks = norm.split()
    covered: set[int] = set()
    for m in find_mentions(profile, norm):
        covered |= set(range(m.start, m.end))
    units = {u for item in profile.catalogue for u in _units(item)}
    groups: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for i, t in enumerate([*toks, ""]):
        word = fold(t)
        skip = word in _NOT_ITEMS or word in ignore or word in units
        if not t or i in covered or skip or number(t) is not None:
            if current:
                groups.append((start, current))
                current = []
            continue
        if not current:
            start = i
        if len(word) >= 3:
            current.append(t)
    content = sum(len(g) for _, g in groups)
    starts = {m.start for m in find_mentions(profile, norm)}
    out = []
    for first, group in groups:
        if first + len(group) in starts:
            continue  # "thermostatic radiator valves": a word describing a known item
        prev = fold(toks[first - 1]) if first > 0 else ""
        listed = prev in _LEADS or number(prev) is not None or prev in units
        if len(group) <= 3 and (listed or (first == 0 and content <= 3)):
            out.append(" ".join(group))
    return out


def say_line(item: CatalogueItem, qty: int, language: Language) -> str:
    unit = (item.unit if qty == 1 else item.unit_plural).get(language)
    name = item.say(language)
    return f"{qty} {unit} {name}" if language == "de" else f"{qty} {unit} of {name}"


def examples(profile: BusinessProfile, language: Language, n: int = 4) -> str:
    return say_list([i.say(language) for i in profile.catalogue[:n]], language, "and")
