"""Quantities for orders: "zwei kartons", "fünfzig stück", "10 m", "zweieinhalb meter".

The value is "<amount> <unit>" with a canonical singular unit ("2 karton",
"2.5 meter"); ``additional_info`` holds ``amount`` and ``unit``. A number
directly before a noun that is no unit ("zwanzig rohrschellen") is a quantity
without a unit (value "20"), unless the noun is a time, money or similar word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .entity import Entity, lower_same_length, make_entity, words
from .numbers import cardinal_value, number_value, text2num

EXTRACTOR = "rufbereit.quantity"

_UNITS: dict[str, tuple[str, ...]] = {
    "stück": ("stück", "stueck", "stk", "stck", "pieces", "piece", "pcs"),
    "karton": ("karton", "kartons", "kartone", "cartons", "carton"),
    "packung": ("packung", "packungen", "pack", "packs", "päckchen", "pck", "pkg"),
    "paket": ("paket", "pakete", "paketen", "package", "packages"),
    "palette": ("palette", "paletten", "pallet", "pallets"),
    "rolle": ("rolle", "rollen", "roll", "rolls"),
    "sack": ("sack", "säcke", "saecke", "säcken", "bag", "bags", "sacks"),
    "eimer": ("eimer", "bucket", "buckets"),
    "kanister": ("kanister",),
    "fass": ("fass", "fässer", "fässern", "barrel", "barrels"),
    "dose": ("dose", "dosen", "can", "cans", "tin", "tins"),
    "flasche": ("flasche", "flaschen", "bottle", "bottles"),
    "kiste": ("kiste", "kisten", "crate", "crates"),
    "box": ("box", "boxen", "boxes"),
    "tube": ("tube", "tuben", "tubes"),
    "kartusche": ("kartusche", "kartuschen", "cartridge", "cartridges"),
    "bund": ("bund", "bündel", "bundle", "bundles"),
    "satz": ("satz", "sätze", "set", "sets"),
    "paar": ("paar", "pair", "pairs"),
    "meter": ("meter", "metern", "m", "laufmeter", "lfm", "metre", "metres", "meters"),
    "quadratmeter": (
        "quadratmeter",
        "quadratmetern",
        "qm",
        "m²",
        "m2",
        "square metres",
        "square meters",
        "sqm",
    ),
    "kubikmeter": ("kubikmeter", "m³", "m3", "cbm"),
    "kilogramm": ("kilogramm", "kilo", "kilos", "kg", "kilograms"),
    "gramm": ("gramm", "g", "grams"),
    "tonne": ("tonne", "tonnen", "t", "tons", "tonnes"),
    "liter": ("liter", "litern", "l", "litre", "litres", "liters"),
}
UNIT_OF: dict[str, str] = {v: unit for unit, variants in _UNITS.items() for v in variants}

#: Regex source matching one unit word (2+ letters), for other rules to exclude.
UNIT_WORD = (
    "(?:"
    + "|".join(
        re.escape(v) for v in sorted(UNIT_OF, key=len, reverse=True) if len(v) > 1 and " " not in v
    )
    + r")\b"
)

_ONE = {"ein", "eine", "einen", "einem", "einer", "a", "an"}
_NOT_COUNTED = set(
    words(
        "uhr euro cent prozent mal minute minuten stunde stunden tag tage tagen woche wochen monat "
        "monate monaten jahr jahre jahren termin termine fragen frage leute personen kinder "
        "sekunden nummer nummern mitarbeiter zimmer etage etagen und oder bitte noch auch aber "
        "oclock o'clock hours hour days day weeks week minutes euros percent times people "
        "questions "
        "dollars und da dann davon von vom vor nach ist sind wäre wären hätte haben brauche "
        "am um im in zu zum zur bis ab the of and or please grad zentimeter millimeter cm mm "
        "more for times one ones floor floors years year old street road "
        "zoll plus minus prozent kleine kleinen große großen zurück jahre alt"
    )
)
#: A number after one of these words is no quantity ("minus zehn", "sechs mal sechzig",
#: "lindwurmstraße achtundachtzig").
_NOT_AFTER = re.compile(
    r"minus|plus|mal|x|nr|nummer|\w*(?:straße|strasse|str|weg|platz|allee|gasse|ring)"
)
_STREET = re.compile(r"street|road|avenue|lane|drive|way|\w*(?:straße|strasse|weg|platz|allee)")
#: Digits keep their separators ("15.000", "2,5", "1,500.50": :func:`number_value` reads them
#: by language); a sign after a number ("10 %", "15.000 €") is a token, so it counts nothing.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|m²|m³|[^\W\d_]+(?:'[^\W\d_]+)?|[%€$£]")


@dataclass(frozen=True, slots=True)
class _Tok:
    text: str
    start: int
    end: int


def _amount(words: list[str], language: str) -> float | None:
    if len(words) == 1 and words[0] in _ONE:
        return 1.0
    if language == "en":
        if len(words) > 1 and words[0] in ("a", "an"):
            words = ["one", *words[1:]]  # "a hundred"
        try:
            return float(text2num(" ".join(words), "en"))
        except ValueError:
            if len(words) == 1 and words[0][0].isdigit():
                return number_value(words[0], "en")
            return None
    if len(words) > 1:
        if words[0] == "und" or words[-1] == "und":
            return None
        if any(w != "und" and cardinal_value(w) is None for w in words):
            return None
        return number_value(" ".join(words))
    return number_value(words[0], language)


def _fmt(amount: float) -> str:
    return str(int(amount)) if amount == int(amount) else f"{amount:g}"


def _number_before(toks: list[_Tok], i: int, language: str) -> tuple[float, int] | None:
    """The longest number ending at token i-1: (amount, index of its first token)."""
    for k in (3, 2, 1):
        if i - k < 0:
            continue
        amount = _amount([t.text for t in toks[i - k : i]], language)
        if amount is not None and amount > 0:
            return amount, i - k
    return None


def _counts_noun(toks: list[_Tok], i: int, amount: float, language: str) -> bool:
    """Whether the number at toks[i-1] counts the noun toks[i] ("zwanzig rohrschellen")."""
    number, noun = toks[i - 1].text, toks[i].text
    after = toks[i + 1].text if i + 1 < len(toks) else ""
    return (
        number not in _ONE
        and noun.isalpha()
        and len(noun) >= 3
        and amount < 10000
        and not number.startswith("0")
        and not (i >= 2 and toks[i - 2].text[0].isdigit())
        and noun not in _NOT_COUNTED
        and _amount([noun], language) is None
        and after not in UNIT_OF
        and not _STREET.fullmatch(after)
    )


def extract_quantities(text: str, language: str = "de") -> list[Entity]:
    """Quantities with (or, before a noun, without) a unit.

    >>> [e.value for e in extract_quantities("zwei kartons und fünfzig stück, 10 m kabel")]
    ['2 karton', '50 stück', '10 meter']
    """
    toks = [
        _Tok(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(lower_same_length(text))
    ]
    found: list[Entity] = []
    used_until = -1
    for i, tok in enumerate(toks):
        unit = UNIT_OF.get(tok.text)
        end_tok = tok
        if i + 1 < len(toks) and f"{tok.text} {toks[i + 1].text}" in UNIT_OF:
            unit, end_tok = UNIT_OF[f"{tok.text} {toks[i + 1].text}"], toks[i + 1]
        number = _number_before(toks, i, language) if i > 0 else None
        if number is None or toks[number[1]].start < used_until:
            continue
        amount, first = number
        start = toks[first].start
        if unit == "paar" and toks[first].text in _ONE:
            continue  # "ein paar" is "a few"
        if first > 0 and _NOT_AFTER.fullmatch(toks[first - 1].text):
            continue
        if unit is not None:
            value = f"{_fmt(amount)} {unit}"
            found.append(
                make_entity(
                    "quantity",
                    value,
                    text,
                    start,
                    end_tok.end,
                    EXTRACTOR,
                    amount=_fmt(amount),
                    unit=unit,
                )
            )
            used_until = end_tok.end
        elif first == i - 1 and _counts_noun(toks, i, amount, language):
            end = toks[i - 1].end
            found.append(
                make_entity(
                    "quantity", _fmt(amount), text, start, end, EXTRACTOR, amount=_fmt(amount)
                )
            )
            used_until = end
    return found
