"""Rule-based entity extraction for German (and some English) caller utterances.

One entry point, :func:`extract_entities`, returns :class:`Entity` records shaped
like Rasa's entities (``entity``, ``value``, ``start``, ``end``, ``text``,
``extractor``), with spans into the original text. Kinds: ``time`` (ISO 8601
local datetime, grain in ``additional_info``), ``phone_number``, ``email``,
``person``, ``quantity``.

Where two findings overlap, the more specific kind wins: email, phone number,
time, person, quantity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from .datetime_de import extract_datetimes_de
from .datetime_en import extract_datetimes_en
from .email import extract_emails
from .entity import DEFAULT_BUSINESS_HOURS, BusinessHours, Entity, is_open_function
from .numbers import normalize_numbers
from .person import extract_persons
from .phone import extract_phone_numbers
from .quantity import extract_quantities

__all__ = [
    "DEFAULT_BUSINESS_HOURS",
    "DEFAULT_TIMEZONE",
    "ENTITY_KINDS",
    "BusinessHours",
    "Entity",
    "extract_entities",
    "is_open_function",
    "normalize_numbers",
]

DEFAULT_TIMEZONE = "Europe/Berlin"
#: Every kind this package extracts, most specific first (the order overlaps are settled in).
ENTITY_KINDS: tuple[str, ...] = ("email", "phone_number", "time", "person", "quantity")
#: Longer input is cut: a caller's utterance is never this long, and the rules stay fast.
MAX_CHARS = 5000

Extractor = Callable[[str, str, datetime, BusinessHours], list[Entity]]


def _time(text: str, language: str, now: datetime, hours: BusinessHours) -> list[Entity]:
    if language == "en":
        return extract_datetimes_en(text, now, hours)
    return extract_datetimes_de(text, now, hours)


_EXTRACTORS: dict[str, Extractor] = {
    "email": lambda t, lang, _now, _h: extract_emails(t, lang),
    "phone_number": lambda t, lang, _now, _h: extract_phone_numbers(t, lang),
    "time": _time,
    "person": lambda t, lang, _now, _h: extract_persons(t, lang),
    "quantity": lambda t, lang, _now, _h: extract_quantities(t, lang),
}


def _language(language: str) -> str:
    code = language.lower().replace("_", "-").split("-")[0]
    if code not in ("de", "en"):
        raise ValueError(f"unsupported language {language!r}: use 'de' or 'en'")
    return code


def extract_entities(
    text: str,
    language: str,
    now: datetime,
    business_hours: BusinessHours = None,
    *,
    timezone: str | ZoneInfo = DEFAULT_TIMEZONE,
    kinds: Iterable[str] | None = None,
) -> list[Entity]:
    """Entities in ``text`` (spoken Vosk style or typed), sorted by position.

    ``now`` is the moment of the call (a naive value is taken as local time in
    ``timezone``); times are resolved relative to it in the business time zone.
    ``business_hours`` is a ``(open, close)`` pair of times, a function
    ``is_open(local_datetime) -> bool`` or None for 07:00-19:00; it decides
    whether "halb drei" means 2:30 or 14:30. ``kinds`` restricts the kinds
    extracted (default: all of ENTITY_KINDS).
    """
    lang = _language(language)
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    local_now = now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)
    wanted = ENTITY_KINDS if kinds is None else tuple(k for k in ENTITY_KINDS if k in set(kinds))
    text = text[:MAX_CHARS]
    if not text.strip():
        return []
    kept: list[Entity] = []
    for kind in wanted:
        for entity in _EXTRACTORS[kind](text, lang, local_now, business_hours):
            if not any(entity.start < k.end and k.start < entity.end for k in kept):
                kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.end))
