"""Emergencies: real ones get advice and go to the on-call rota (after hours) or the office
(during hours); urgent-but-not-emergency ones are taken for the next working day."""

from __future__ import annotations

from datetime import date

from agent.domain import BookAppointment, Handover, Message, Save, StartEscalation
from agent.profile import BusinessProfile

from .conftest import MONDAY_9, MONDAY_22
from .support import call

GAS_ADVICE = "Bitte verlassen Sie sofort das Gebäude"


async def test_gas_after_hours_advice_then_escalation(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22, caller="+49 171 9876543")
    t = await c.say("Hilfe, bei uns im Keller riecht es nach Gas")
    assert t.replies[0].startswith(GAS_ADVICE)
    assert "Störungsstelle der Stadtwerke" in t.replies[0] and "112" in t.replies[0]
    assert t.replies[1:] == [
        "Ich verständige sofort unseren Notdienst.",
        "Wie lautet die genaue Adresse?",
    ]
    t = await c.say("Hauptstraße 5 in München")
    assert t.replies == [
        "Können wir Sie unter der Nummer 0 1 7 1, 9 8 7, 6 5 4 3 erreichen, von der Sie anrufen?"
    ]
    t = await c.say("ja")
    assert t.replies == [  # the address as stored: cleaned ("in" is no part of it)
        "Adresse Hauptstraße 5, München, Rückruf unter 0 1 7 1, 9 8 7, 6 5 4 3. Stimmt das?"
    ]
    t = await c.say("ja")
    assert t.end is None and t.hold_for_technician  # the caller waits for the technician
    assert t.replies == [
        "Ich rufe jetzt unseren Techniker vom Notdienst an. Bitte bleiben Sie kurz am Apparat, "
        "ich sage Ihnen Bescheid, sobald er Ihren Einsatz übernommen hat."
    ]
    [started] = t.actions
    assert isinstance(started, StartEscalation)
    esc = started.emergency
    assert (esc.kind, esc.caller_number, esc.address) == (
        "gasgeruch",
        "+49 171 9876543",
        "Hauptstraße 5, München",
    )
    assert esc.created_at == MONDAY_22 and "riecht es nach Gas" in esc.description
    [record] = await c.records.escalations()
    assert record.kind == "gasgeruch" and record.address == "Hauptstraße 5, München"


async def test_burst_pipe_interrupts_a_booking_and_corrects_the_number(
    profile: BusinessProfile,
) -> None:
    c = await call(profile, MONDAY_22)
    await c.say("Ich möchte einen Termin")
    t = await c.say("Moment, das Wasser läuft aus der Wand, ein Rohrbruch!")
    assert t.replies[0].startswith("Drehen Sie wenn möglich den Hauptwasserhahn zu")
    await c.say("Ringstraße 3, Pasing")
    t = await c.say("0171 1234567")
    assert t.replies[0].startswith("Adresse Ringstraße 3, Pasing, Rückruf unter 0 1 7 1")
    t = await c.say("nein, die Nummer ist 0172 7654321")
    assert "Rückruf unter 0 1 7 2, 7 6 5, 4 3 2 1" in t.replies[-1]
    t = await c.key("1")
    [esc] = c.emergencies()
    assert esc.caller_number == "0172 7654321"
    assert esc.kind == "wasserrohrbruch" and t.hold_for_technician and t.end is None


async def test_real_emergency_in_office_hours_goes_to_the_office(profile: BusinessProfile) -> None:
    """During opening hours people take it at once: advice, then the office; no address
    asked, nothing escalated to the on-call technician."""
    c = await call(profile, MONDAY_9)
    t = await c.say("Es riecht stark nach Gas")
    assert t.end == "handover"
    assert t.replies[0].startswith(GAS_ADVICE)
    assert t.replies[-1] == "Ich verbinde Sie sofort mit unserem Büro."
    assert not any("Adresse" in r for r in t.replies)
    [handover] = t.actions
    assert isinstance(handover, Handover) and handover.target == "PJSIP/office"
    assert handover.reason == "emergency"
    assert t.handover_summary is not None and "Gasgeruch" in t.handover_summary
    assert "riecht stark nach Gas" in t.handover_summary
    assert c.emergencies() == [] and await c.records.escalations() == []


async def test_heating_out_in_frost_is_real(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    t = await c.say("Unsere Heizung ist ausgefallen und draußen hat es minus zehn Grad")
    assert t.replies[0].startswith("Halten Sie Fenster und Türen geschlossen")
    assert t.replies[-1] == "Wie lautet die genaue Adresse?"


async def test_heating_out_without_frost_is_asked_then_next_working_day(
    profile: BusinessProfile,
) -> None:
    c = await call(profile, MONDAY_22)
    t = await c.say("Die Heizung geht nicht")
    assert t.replies == ["Ist es draußen unter null Grad, oder droht im Haus etwas einzufrieren?"]
    t = await c.key("2")
    assert t.replies[0] == "Das ist ärgerlich, aber kein Fall für den Notdienst."
    assert "Ein Mitarbeiter meldet sich morgen bei Ihnen." in t.replies


async def test_dripping_tap_is_not_an_emergency(profile: BusinessProfile) -> None:
    friday_night = MONDAY_22.replace(day=27)
    c = await call(profile, friday_night)
    t = await c.say("Mein Wasserhahn tropft die ganze Zeit")
    assert t.replies == [
        "Das ist ärgerlich, aber kein Fall für den Notdienst.",
        "Wenn es stark tropft, können Sie das Eckventil unter dem Waschbecken zudrehen.",
        "Ein Mitarbeiter meldet sich am Montag, den 30. November bei Ihnen.",
        "Wie ist Ihr Name, bitte?",
    ]
    await c.script("Huber", "0171 2345678")
    t = await c.say("ja")
    assert t.end is None and not c.actions_of(StartEscalation)
    [saved] = t.actions
    assert isinstance(saved, Save) and isinstance(saved.record, Message)
    cb = saved.record
    assert (
        cb.kind == "callback"
        and cb.due == date(2026, 11, 30)
        and cb.reason == "not_emergency:tropfender_wasserhahn"
    )
    [msg] = await c.records.messages()
    assert msg.kind == "callback" and msg.due == date(2026, 11, 30)


async def test_unclear_emergency_is_asked(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    t = await c.say("Ich habe einen Notfall")
    assert t.replies == ["Was ist passiert?"]
    t = await c.say("Bei uns kommt Wasser aus der Decke")
    assert t.replies[-1] == "Wie lautet die genaue Adresse?"


async def test_unclear_emergency_not_urgent(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    await c.say("Ich habe einen Notfall")
    t = await c.say("Die Toilettenspülung macht komische Geräusche")
    assert t.replies == [
        "Muss sofort jemand kommen, weil zum Beispiel Wasser ausläuft oder es nach Gas riecht?"
    ]
    t = await c.say("nein, eigentlich nicht")
    assert t.replies[0] == "Das ist ärgerlich, aber kein Fall für den Notdienst."


async def test_shouting_in_an_emergency_is_not_handed_away(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    await c.say("Es riecht nach Gas!")
    t = await c.say("SCHNELL, HAUPTSTRASSE 5!!")
    assert not c.actions_of(Handover)
    assert t.replies[0].startswith("Können wir Sie") or "Telefonnummer" in t.replies[0]


async def test_emergency_during_a_booking_leaves_no_booking(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    await c.say("Termin für eine Heizungswartung am Dienstag um 10")
    await c.say("Oh nein, jetzt riecht es nach Gas")
    assert not c.actions_of(BookAppointment)


async def test_unusable_answers_in_an_emergency_still_escalate(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22, caller="0171 2345678")
    await c.script("Es riecht nach Gas", "Lindwurmstraße 1")
    await c.say("äh")  # neither yes nor no to the caller's number ...
    t = await c.say("hm")  # ... twice: the number stays open, no handover
    assert t.end is None and not c.actions_of(Handover)
    assert t.replies[-1] == (
        "Adresse Lindwurmstraße 1, Rückruf unter 0 1 7 1, 2 3 4, 5 6 7 8. Stimmt das?"
    )
    t = await c.say("ja")
    [esc] = c.emergencies()
    assert esc.address == "Lindwurmstraße 1"
    assert esc.caller_number == "0171 2345678"
