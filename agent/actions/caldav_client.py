"""Blocking CalDAV operations (caldav library): busy times, write and delete an event.

Each function makes its own short-lived client (no shared session between threads) and
is meant to run in ``asyncio.to_thread``. Events rufbereit wrote carry a UID starting
with :data:`UID_PREFIX`; they are not counted as busy (the database knows them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import niquests
from caldav.calendarobjectresource import CalendarObjectResource
from caldav.collection import Calendar as DavCalendar
from caldav.davclient import DAVClient
from caldav.lib import error as caldav_error

from agent.domain import Appointment

from .settings import CalDavSettings

UID_PREFIX = "rufbereit-"
#: What the caldav library raises when the server is down, slow or refuses.
CALDAV_ERRORS: tuple[type[BaseException], ...] = (
    caldav_error.DAVError,
    niquests.exceptions.RequestException,
    OSError,
)

Busy = tuple[datetime, datetime]


def uid_for(appointment_id: str) -> str:
    return f"{UID_PREFIX}{appointment_id}"


def _calendar(settings: CalDavSettings) -> DavCalendar:
    client = DAVClient(
        url=settings.url,
        username=settings.user,
        password=settings.password.get_secret_value() if settings.password else None,
        timeout=max(1, round(settings.timeout_s)),
    )
    return DavCalendar(client=client, url=settings.url)


def _aware(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return datetime.combine(value, time(0), tzinfo=tz)


def busy_times(
    settings: CalDavSettings, start: datetime, end: datetime, tz: ZoneInfo
) -> list[Busy]:
    """``(start, end)`` of the opaque, not cancelled events overlapping ``[start, end)``,
    recurring ones expanded, all-day ones as whole days in ``tz``."""
    cal = _calendar(settings)
    found: object = cal.search(start=start, end=end, event=True, expand=True)
    assert isinstance(found, list)  # the synchronous client
    out: list[Busy] = []
    for obj in found:
        comp = obj.icalendar_component
        uid = str(comp.get("uid", ""))
        if uid.startswith(UID_PREFIX):
            continue
        if str(comp.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(comp.get("status", "")).upper() == "CANCELLED":
            continue
        dtstart = comp.get("dtstart")
        if dtstart is None:
            continue
        first = _aware(dtstart.dt, tz)
        dtend = comp.get("dtend")
        if dtend is not None:
            last = _aware(dtend.dt, tz)
        elif comp.get("duration") is not None:
            last = first + comp.get("duration").dt
        else:
            last = first + (timedelta(days=1) if not isinstance(dtstart.dt, datetime) else
                            timedelta(0))  # fmt: skip
        if last > start and first < end:
            out.append((first, last))
    return sorted(out)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_ical(appt: Appointment, summary: str, now: datetime) -> str:
    description = f"Tel. {appt.phone}" + (f"\n{appt.note}" if appt.note else "")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//rufbereit//appointments//DE",
        "BEGIN:VEVENT",
        f"UID:{uid_for(appt.id)}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(appt.start)}",
        f"DTEND:{_stamp(appt.end)}",
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(description)}",
        f"X-RUFBEREIT-APPOINTMENT:{appt.id}",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


def _by_uid(cal: DavCalendar, uid: str) -> CalendarObjectResource:
    found = cal.event_by_uid(uid)
    assert isinstance(found, CalendarObjectResource)  # the synchronous client
    return found


def put_event(settings: CalDavSettings, appt: Appointment, summary: str, now: datetime) -> None:
    """Create or overwrite the appointment's event (same UID: same resource)."""
    cal = _calendar(settings)
    ical = event_ical(appt, summary, now)
    try:
        existing = _by_uid(cal, uid_for(appt.id))
    except caldav_error.NotFoundError:
        cal.save_event(ical)
        return
    existing.data = ical
    existing.save()


def delete_event(settings: CalDavSettings, appointment_id: str) -> None:
    """Delete the appointment's event; an event that is already gone is fine."""
    cal = _calendar(settings)
    try:
        _by_uid(cal, uid_for(appointment_id)).delete()
    except caldav_error.NotFoundError:
        return
