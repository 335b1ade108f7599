"""How dates and times are said in replies: simple and correct.

German: "Dienstag, den 24. November um 10 Uhr", "um 10:30 Uhr".
English: "Tuesday, 24 November at 10 am", "at 10:30 am".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from agent.actions.slots import Slot
from agent.profile import WEEKDAYS, BusinessProfile, Language, TimeSpan

from .say import say_list

_DAYS = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip


def say_weekday(d: date, language: Language) -> str:
    return _DAYS[language][d.weekday()]


def say_date(d: date, language: Language) -> str:
    """'Dienstag, den 24. November' / 'Tuesday, 24 November'."""
    month = _MONTHS[language][d.month - 1]
    if language == "de":
        return f"{say_weekday(d, language)}, den {d.day}. {month}"
    return f"{say_weekday(d, language)}, {d.day} {month}"


def say_time(t: time, language: Language) -> str:
    """'10 Uhr', '10:30 Uhr' / '10 am', '2:30 pm', '12 pm'."""
    if language == "de":
        return f"{t.hour} Uhr" if t.minute == 0 else f"{t.hour}:{t.minute:02d} Uhr"
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{hour} {suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d} {suffix}"


def say_at(t: time, language: Language) -> str:
    return ("um " if language == "de" else "at ") + say_time(t, language)


def say_datetime(dt: datetime, language: Language) -> str:
    """'Dienstag, den 24. November um 10 Uhr' / 'Tuesday, 24 November at 10 am'."""
    return f"{say_date(dt.date(), language)} {say_at(dt.time(), language)}"


def say_on(d: date, language: Language) -> str:
    """'am Dienstag, den 24. November' / 'on Tuesday, 24 November'."""
    return ("am " if language == "de" else "on ") + say_date(d, language)


def say_slots(slots: Sequence[Slot], profile: BusinessProfile, language: Language) -> str:
    """Offers grouped by day: 'am Dienstag, den 24. November um 8 Uhr oder um 10 Uhr'."""
    days: dict[date, list[time]] = {}
    for s in slots:
        local = s.start.astimezone(profile.tz)
        days.setdefault(local.date(), []).append(local.time())
    parts = []
    for d, times in days.items():
        at = say_list([say_at(t, language) for t in times], language, "or")
        parts.append(f"{say_on(d, language)} {at}")
    return say_list(parts, language, "or", comma_before_last=len(parts) > 1)


def say_due(day: date, now: datetime, language: Language) -> str:
    """When something will happen: 'heute' / 'morgen' / 'am Montag, den 30. November'."""
    today = now.date()
    if day == today:
        return "heute" if language == "de" else "today"
    if day == today + timedelta(days=1):
        return "morgen" if language == "de" else "tomorrow"
    return say_on(day, language)


def _say_span(span: TimeSpan, language: Language) -> str:
    sep = " bis " if language == "de" else " to "
    start = say_time(span.start, language)
    if language == "de":
        start = start.removesuffix(" Uhr")
    return start + sep + say_time(span.end, language)


def say_opening_hours(profile: BusinessProfile, language: Language) -> str:
    """'Montag bis Donnerstag 7:30 bis 12 Uhr und 13 bis 17 Uhr, Freitag 7:30 bis 13 Uhr'."""
    groups: list[tuple[int, int, str]] = []
    for n, day in enumerate(WEEKDAYS):
        spans = profile.opening_hours.spans(day)
        if not spans:
            continue
        text = say_list([_say_span(s, language) for s in spans], language, "and")
        if groups and groups[-1][2] == text and groups[-1][1] == n - 1:
            groups[-1] = (groups[-1][0], n, text)
        else:
            groups.append((n, n, text))
    to = " bis " if language == "de" else " to "
    out = []
    for first, last, text in groups:
        days = _DAYS[language][first]
        if last > first:
            days += to + _DAYS[language][last]
        out.append(f"{days} {text}")
    return say_list(out, language, "and")
