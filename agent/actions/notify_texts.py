"""What the caller is told about an appointment by e-mail and SMS (German / English).

Every text comes from the appointment and the business profile, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from agent.domain import Appointment
from agent.profile import BusinessProfile, Language

from .slots import appointment_types

NoticeKind = Literal["confirmed", "rescheduled", "cancelled", "reminder"]

_DAYS = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip

_SUBJECT = {
    "de": {
        "confirmed": "Terminbestätigung",
        "rescheduled": "Termin verschoben",
        "cancelled": "Termin abgesagt",
        "reminder": "Terminerinnerung",
    },
    "en": {
        "confirmed": "Appointment confirmed",
        "rescheduled": "Appointment rescheduled",
        "cancelled": "Appointment cancelled",
        "reminder": "Appointment reminder",
    },
}
_LEAD = {
    "de": {
        "confirmed": "hiermit bestätigen wir Ihren Termin",
        "rescheduled": "Ihr Termin wurde verschoben auf",
        "cancelled": "Ihr Termin wurde abgesagt",
        "reminder": "wir erinnern Sie an Ihren Termin",
    },
    "en": {
        "confirmed": "this confirms your appointment",
        "rescheduled": "your appointment has been moved to",
        "cancelled": "your appointment has been cancelled",
        "reminder": "this is a reminder of your appointment",
    },
}


@dataclass(frozen=True, slots=True)
class Notice:
    subject: str
    text: str  # the e-mail body
    short: str  # the SMS (one line, < 160 characters where possible)


def when(at: datetime, profile: BusinessProfile, language: Language) -> str:
    """'Dienstag, 24.11.2026 um 10:00 Uhr' / 'Tuesday, 24 November 2026 at 10:00'."""
    local = at.astimezone(profile.tz)
    day = _DAYS[language][local.weekday()]
    if language == "de":
        return f"{day}, {local:%d.%m.%Y} um {local:%H:%M} Uhr"
    return f"{day}, {local.day} {_MONTHS_EN[local.month - 1]} {local.year} at {local:%H:%M}"


def type_label(profile: BusinessProfile, name: str, language: Language) -> str:
    for t in appointment_types(profile):
        if t.name == name:
            return t.say(language)
    return name


def notice(
    profile: BusinessProfile, appt: Appointment, kind: NoticeKind, language: Language
) -> Notice:
    label = type_label(profile, appt.appointment_type, language)
    at = when(appt.start, profile, language)
    subject = f"{_SUBJECT[language][kind]}: {label}, {at}"
    greet = f"Guten Tag {appt.name}," if language == "de" else f"Dear {appt.name},"
    lines = [greet, "", f"{_LEAD[language][kind]}:", "", f"  {label}", f"  {at}"]
    lines.append(f"  {profile.address.one_line()}")
    if kind != "cancelled":
        change = (
            "Wenn Sie den Termin verschieben oder absagen möchten, rufen Sie uns bitte an"
            if language == "de"
            else "To reschedule or cancel, please call us"
        )
        lines += ["", change + (f": {profile.phone}." if profile.phone else ".")]
    closing = "Mit freundlichen Grüßen" if language == "de" else "Kind regards"
    lines += ["", closing, profile.name]
    short = f"{profile.name}: {_SUBJECT[language][kind]} - {label}, {at}."
    if kind != "cancelled" and profile.phone:
        short += (" Änderungen: " if language == "de" else " Changes: ") + profile.phone
    return Notice(subject=subject, text="\n".join(lines) + "\n", short=short)
