"""Scripted appointment conversations: book (German and English), corrections, offers,
DTMF, a slot taken meanwhile, reschedule and cancel."""

from __future__ import annotations

from datetime import date, datetime, time

from agent.actions.calendar import InMemoryCalendar
from agent.actions.calendar_pg import CalendarUnavailable
from agent.actions.slots import Slot
from agent.domain import (
    BookAppointment,
    CancelAppointment,
    RescheduleAppointment,
)
from agent.profile import BusinessProfile

from .conftest import BERLIN, MONDAY_9
from .support import call


def at(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(date(2026, 11, d), time(hh, mm), tzinfo=BERLIN)


async def test_book_with_correction_nein_donnerstag(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Ich hätte gern einen Termin für eine Heizungswartung")
    assert t.replies == ["Wann hätten Sie Zeit?"]
    t = await c.say("am Dienstag um 10 Uhr")
    assert t.replies == [
        "Dienstag, den 24. November um 10 Uhr ist frei.",
        "Wie ist Ihr Name, bitte?",
    ]
    await c.say("Anna Schmidt")
    t = await c.say("0171 2345678")
    assert t.replies == [
        "Ich fasse zusammen: Heizungswartung am Dienstag, den 24. November um 10 Uhr, für Anna "
        "Schmidt, Telefon 0 1 7 1, 2 3 4, 5 6 7 8. Soll ich den Termin so eintragen?"
    ]
    assert c.actions == []
    t = await c.say("nein, Donnerstag")
    assert t.replies[0] == "Donnerstag, den 26. November um 10 Uhr ist frei."
    assert "am Donnerstag, den 26. November um 10 Uhr, für Anna Schmidt" in t.replies[1]
    t = await c.say("ja")
    assert t.replies == ["Der Termin ist eingetragen.", "Kann ich sonst noch etwas für Sie tun?"]
    assert t.actions == [
        BookAppointment("Heizungswartung", at(26, 10), at(26, 11), "Anna Schmidt", "0171 2345678")
    ]
    [booked] = await c.calendar.appointments()
    assert (booked.start, booked.name, booked.status) == (at(26, 10), "Anna Schmidt", "booked")
    t = await c.say("nein danke")
    assert t.end == "hangup"


async def test_offers_choice_and_dtmf_yes(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9, caller="+49 171 9876543")
    t = await c.say("Ich brauche einen Termin")
    assert "Heizungswartung, Badberatung oder Reparatur vor Ort" in t.replies[0]
    await c.say("eine Reparatur bitte")
    t = await c.say("Mittwoch nachmittag")
    assert t.replies == [
        "Ich hätte am Mittwoch, den 25. November um 13 Uhr oder um 15 Uhr frei. Was passt Ihnen?"
    ]
    t = await c.say("den zweiten")
    assert t.replies == ["Wie ist Ihr Name, bitte?"]
    t = await c.say("Maier")
    assert t.replies == [
        "Können wir Sie unter der Nummer 0 1 7 1, 9 8 7, 6 5 4 3 erreichen, von der Sie anrufen?"
    ]
    t = await c.key("1")  # yes to the caller's own number
    assert "Reparatur vor Ort am Mittwoch, den 25. November um 15 Uhr, für Maier" in t.replies[0]
    t = await c.key("1")
    assert t.replies[0] == "Der Termin ist eingetragen."
    [action] = c.actions
    assert action == BookAppointment(
        "Reparatur vor Ort", at(25, 15), at(25, 16, 30), "Maier", "+49 171 9876543"
    )


async def test_dtmf_no_then_change_the_name(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.script("Termin für eine Badberatung am Freitag um 9 Uhr", "Eva Lang", "0160 1234567")
    t = await c.key("2")
    assert t.replies == ["Was soll ich ändern?"]
    t = await c.say("den Namen")
    assert t.replies == ["Wie ist Ihr Name, bitte?"]
    t = await c.say("Eva Lange")
    assert "für Eva Lange" in t.replies[0]
    await c.key("1")
    [action] = c.actions_of(BookAppointment)
    assert isinstance(action, BookAppointment) and action.name == "Eva Lange"
    assert action.start == at(27, 9)


async def test_taken_time_offers_the_nearest(profile: BusinessProfile) -> None:
    cal = InMemoryCalendar(profile, lambda: MONDAY_9)
    slots = await cal.free_slots(date(2026, 11, 24), appointment_type="Heizungswartung")
    await cal.book(next(s for s in slots if s.start == at(24, 10)), name="X", phone="1")
    c = await call(profile, MONDAY_9, calendar=cal)
    t = await c.say("Ich möchte einen Termin zur Heizungswartung am Dienstag um 10 Uhr")
    assert t.replies[0] == "Dienstag, den 24. November um 10 Uhr ist leider schon vergeben."
    assert t.replies[1] == (
        "Ich hätte am Dienstag, den 24. November um 8:30 Uhr oder um 13 Uhr frei. Was passt Ihnen?"
    )
    t = await c.say("um eins")
    assert t.replies == ["Wie ist Ihr Name, bitte?"]


async def test_slot_taken_while_confirming(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.script("Termin Heizungswartung Dienstag 14 Uhr", "Anna Schmidt", "0171 2345678")
    slot = (
        await c.calendar.free_slots(at(24, 14), at(24, 15), appointment_type="Heizungswartung")
    )[0]
    await c.calendar.book(slot, name="Someone else", phone="2")  # another call was faster
    t = await c.say("ja")
    assert t.replies[0] == "Dieser Termin wurde gerade eben vergeben, das tut mir leid."
    assert t.replies[1].startswith("Dienstag, den 24. November um 14 Uhr ist leider schon vergeben")
    assert "Was passt Ihnen?" in t.replies[-1]
    assert c.actions == []
    t = await c.say("den ersten")
    assert t.replies[0].startswith("Ich fasse zusammen: Heizungswartung am Dienstag")
    await c.say("ja")
    assert len(c.actions_of(BookAppointment)) == 1


async def test_change_the_type_keeps_the_time(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.script("Termin Heizungswartung Dienstag 8 Uhr", "Anna Schmidt", "0171 2345678")
    t = await c.say("nein, eine Badberatung")
    assert "Badberatung am Dienstag, den 24. November um 8 Uhr" in t.replies[-1]


async def test_english_booking(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9, language="en")
    assert c.turns[0].replies[0].startswith("Hello, this is the AI assistant")
    t = await c.say("I would like to book an appointment for a heating service")
    assert t.replies == ["When would suit you?"]
    t = await c.say("tomorrow at 2 pm")
    assert t.replies == [
        "Tuesday, 24 November at 2 pm is available.",
        "May I have your name, please?",
    ]
    await c.say("John Smith")
    t = await c.say("0171 2345678")
    assert t.replies == [
        "To confirm: heating maintenance on Tuesday, 24 November at 2 pm, for John Smith, "
        "phone 0 1 7 1, 2 3 4, 5 6 7 8. Shall I book it?"
    ]
    t = await c.say("no, Thursday")
    assert t.replies[0] == "Thursday, 26 November at 2 pm is available."
    t = await c.say("yes")
    assert t.replies == ["Your appointment is booked.", "Is there anything else I can do for you?"]
    [action] = c.actions
    assert isinstance(action, BookAppointment) and action.start == at(26, 14)


async def _booked(profile: BusinessProfile, phone: str) -> InMemoryCalendar:
    cal = InMemoryCalendar(profile, lambda: MONDAY_9)
    slots = await cal.free_slots(date(2026, 11, 25), appointment_type="Heizungswartung")
    await cal.book(slots[0], name="Anna Schmidt", phone=phone)
    return cal


async def test_reschedule_by_caller_id(profile: BusinessProfile) -> None:
    cal = await _booked(profile, "0171 2345678")
    c = await call(profile, MONDAY_9, caller="+49 171 2345678", calendar=cal)
    t = await c.say("Ich muss meinen Termin verschieben")
    assert t.replies == [
        "Ich habe Ihren Termin gefunden: Heizungswartung am Mittwoch, den 25. November "
        "um 7:30 Uhr.",
        "Auf wann möchten Sie ihn verschieben?",
    ]
    t = await c.say("Freitag um 10")
    assert t.replies[0] == "Freitag, den 27. November um 10 Uhr ist frei."
    assert t.replies[1] == (
        "Ich verschiebe Heizungswartung vom Mittwoch, den 25. November um 7:30 Uhr auf "
        "Freitag, den 27. November um 10 Uhr. Ist das richtig?"
    )
    t = await c.say("ja genau")
    assert t.replies[0] == "Der Termin ist verschoben."
    [action] = t.actions
    assert isinstance(action, RescheduleAppointment) and action.start == at(27, 10)
    [appt] = await cal.appointments()
    assert appt.start == at(27, 10)


async def test_cancel_asks_for_the_number_and_confirms(profile: BusinessProfile) -> None:
    cal = await _booked(profile, "0171 2345678")
    c = await call(profile, MONDAY_9, calendar=cal)
    t = await c.say("Ich möchte meinen Termin absagen")
    assert t.replies == ["Unter welcher Telefonnummer haben Sie den Termin vereinbart?"]
    t = await c.say("0171 2345678")
    assert t.replies[-1] == "Soll ich diesen Termin absagen?"
    t = await c.key("1")
    assert t.replies[0] == "Der Termin ist abgesagt."
    assert isinstance(t.actions[0], CancelAppointment)
    assert (await cal.appointments())[0].status == "cancelled"


async def test_cancel_not_found_offers_a_new_appointment(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9, caller="0170 0000000")
    t = await c.say("Ich möchte meinen Termin absagen")
    assert t.replies == ["Unter welcher Telefonnummer haben Sie den Termin vereinbart?"]
    t = await c.say("0171 5550000")
    assert t.replies == [
        "Unter dieser Nummer finde ich leider keinen Termin.",
        "Möchten Sie einen neuen Termin vereinbaren?",
    ]
    t = await c.say("ja")
    assert "Worum geht es bei dem Termin?" in t.replies[0]


async def test_cancel_declined_keeps_it(profile: BusinessProfile) -> None:
    cal = await _booked(profile, "0171 2345678")
    c = await call(profile, MONDAY_9, caller="0171 2345678", calendar=cal)
    await c.say("Termin stornieren bitte")
    t = await c.say("nein")
    assert t.replies[0] == "Gut, der Termin bleibt bestehen."
    assert (await cal.appointments())[0].status == "booked"


async def test_later_offers(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Termin für eine Heizungswartung am Dienstag")
    assert c.last.replies[0] == (
        "Ich hätte am Dienstag, den 24. November um 7:30 Uhr, um 9:30 Uhr oder um 13 Uhr "
        "frei. Was passt Ihnen?"
    )
    t = await c.say("Haben Sie auch etwas später?")
    assert t.replies[0].startswith(
        "Ich hätte am Dienstag, den 24. November um 13:30 Uhr oder um 15:30 Uhr, oder am "
        "Mittwoch, den 25. November um 7:30 Uhr frei."
    )


class _Full(InMemoryCalendar):
    async def free_slots(self, *args: object, **kwargs: object) -> list[Slot]:  # type: ignore[override]
        return []


class _Down(InMemoryCalendar):
    async def free_slots(self, *args: object, **kwargs: object) -> list[Slot]:  # type: ignore[override]
        raise CalendarUnavailable("database down")


async def test_no_free_slot_arranges_a_call_back(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9, calendar=_Full(profile, lambda: MONDAY_9))
    t = await c.say("Ich hätte gern einen Termin für eine Heizungswartung am Dienstag")
    assert t.replies == [
        "Am Dienstag, den 24. November ist leider nichts mehr frei.",
        "In den nächsten Wochen ist leider kein Termin mehr frei.",
        "Ein Mitarbeiter ruft Sie gern zurück und macht einen Termin mit Ihnen aus.",
        "Wie ist Ihr Name, bitte?",
    ]
    await c.script("Anna Schmidt", "0171 2345678", "ja")
    [cb] = c.messages("callback")
    assert cb.reason == "no_slot"
    assert cb.text == "Terminwunsch, Heizungswartung"


async def test_calendar_down_arranges_a_call_back(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9, calendar=_Down(profile, lambda: MONDAY_9))
    await c.say("Ich möchte einen Termin")
    t = await c.say("eine Badberatung, am Freitag")
    assert t.replies[0] == "Ich komme gerade leider nicht an unseren Kalender."
    assert t.replies[-1] == "Wie ist Ihr Name, bitte?"
