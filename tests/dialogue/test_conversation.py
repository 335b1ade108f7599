"""Engine rules across flows: no-match twice, upset callers, handover in and after office
hours, topic changes and resuming, silence, keys, goodbye, errors."""

from __future__ import annotations

from datetime import datetime

from agent.actions.records import InMemoryRecordStore, Record
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.rules_nlu import RulesNlu
from agent.domain import BookAppointment, Handover, Message, Order, Save
from agent.profile import BusinessProfile
from agent.understanding.nlu import NluError, Parse

from .conftest import MONDAY_9, MONDAY_22
from .support import call

TRANSFER = "Einen Moment bitte, ich verbinde Sie mit einem Mitarbeiter."


async def test_no_match_twice_hands_over_in_office_hours(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("blablabla")
    assert t.replies[0] == "Entschuldigung, das habe ich nicht verstanden."
    assert t.end is None
    t = await c.say("ähm quatsch")
    assert t.replies == ["Ich verstehe Sie leider nicht richtig.", TRANSFER]
    assert t.end == "handover"
    [handover] = t.actions
    assert isinstance(handover, Handover) and handover.reason == "no_match"
    assert t.handover_summary == handover.summary
    assert "zweimal nicht verstanden" in handover.summary and "ähm quatsch" in handover.summary
    assert (await c.say("hallo?")).replies == []  # the call is over for the engine


async def test_no_match_twice_inside_a_flow(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte einen Termin")
    t = await c.say("Dings")
    assert t.replies[0] == "Entschuldigung, das habe ich nicht verstanden."
    assert "Worum geht es bei dem Termin?" in t.replies[1]
    t = await c.say("Bumms")
    assert t.end == "handover"
    assert t.handover_summary is not None and "Terminwunsch" in t.handover_summary


async def test_an_understood_turn_resets_the_no_match_count(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte einen Termin")
    await c.say("Dings")
    await c.say("Heizungswartung")
    t = await c.say("Bumms")
    assert t.end is None and t.replies[0].startswith("Entschuldigung")


async def test_no_match_twice_after_hours_takes_a_message(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    await c.say("blablabla")
    t = await c.say("ähm quatsch")
    assert t.end is None
    assert t.replies == [
        "Ich verstehe Sie leider nicht richtig.",
        "Im Moment ist leider niemand im Büro. Ich nehme gern eine Nachricht auf, wir melden "
        "uns morgen.",
        "Was darf ich ausrichten?",
    ]
    await c.script("Bitte Rückruf wegen der Rechnung", "Maria Huber", "0176 5554443")
    t = await c.say("ja")
    assert t.replies[0] == "Vielen Dank, Ihre Nachricht ist notiert. Wir melden uns morgen."
    [saved] = t.actions
    assert isinstance(saved, Save) and isinstance(saved.record, Message)
    msg = saved.record
    assert msg.kind == "message" and msg.reason == "handover_no_match"
    assert (msg.name, msg.phone) == ("Maria Huber", "0176 5554443")
    # the caller's words, cleaned ("Bitte" is no content), and what was not understood
    # before: never lost
    assert msg.text.startswith("Rückruf wegen der Rechnung")
    assert "blablabla" in msg.text and "ähm quatsch" in msg.text


async def test_message_flow_never_loops_into_another_handover(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    await c.say("Ich möchte mit einem Mitarbeiter sprechen")
    await c.say("Es geht um meine Heizung")
    await c.say("123")  # no name
    t = await c.say("456")  # still none: skipped, the person calling back will ask
    assert t.end is None and t.replies[0].startswith("Unter welcher Telefonnummer")


async def test_upset_caller_is_handed_over(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte einen Termin")
    t = await c.say("VERDAMMT, ICH WILL SOFORT EINEN MENSCHEN")
    assert t.replies == ["Das tut mir leid.", TRANSFER]
    assert t.end == "handover"
    assert t.handover_summary is not None
    assert t.handover_summary.startswith("Grund: Anrufer ist verärgert. Anliegen: Terminwunsch.")


async def test_exclamation_marks_are_upset(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Das kann doch nicht wahr sein!!!")
    assert t.end == "handover"


async def test_asking_for_a_person_after_hours(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22, caller="0171 2345678")
    t = await c.say("Ich möchte mit einem Mitarbeiter sprechen")
    assert t.end is None and not c.actions_of(Handover)
    assert t.replies[-1] == "Was darf ich ausrichten?"
    await c.say("Der Chef soll mich wegen des Angebots anrufen")
    await c.say("Berger")
    t = await c.say("ja, unter dieser Nummer")
    assert "Rückruf unter 0 1 7 1, 2 3 4, 5 6 7 8" in t.replies[0]
    await c.key("1")
    [msg] = await c.records.messages()
    assert msg.kind == "message" and msg.phone == "0171 2345678"


async def test_question_at_a_slot_is_answered_and_the_slot_asked_again(
    profile: BusinessProfile,
) -> None:
    """A question of the caller's own is answered and the same slot asked again: no
    "Wollen wir mit ... weitermachen?" for a mere question."""
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte einen Termin für eine Heizungswartung")
    t = await c.say("Moment, vorher noch eine Frage: wie sind Ihre Öffnungszeiten?")
    # the hours in general: "noch eine Frage" asks about no moment ("noch offen?")
    assert t.replies == [profile.facts[0].answer.de, "Wann hätten Sie Zeit?"]
    await c.script("Dienstag um 9", "Anna Schmidt", "0171 2345678", "ja")
    [booked] = c.actions_of(BookAppointment)
    assert isinstance(booked, BookAppointment) and booked.name == "Anna Schmidt"
    assert not any("weitermachen" in r for t in c.turns for r in t.replies)


async def test_moment_before_a_question_is_no_pause(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Moment, wie sind Ihre Öffnungszeiten?")
    assert t.replies[0] == profile.facts[0].answer.de


async def test_announced_question_at_a_slot_is_invited_not_refused(
    profile: BusinessProfile,
) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte einen Termin für eine Heizungswartung")
    t = await c.say("Eigentlich habe ich erst eine Frage")
    # nothing has been asked yet: nothing to refuse, nothing to note for a call back
    assert not any("nicht sicher beantworten" in r or "notiere" in r for r in t.replies)
    t = await c.say("Kann ich mit Karte zahlen?")
    assert t.replies[0].startswith("Sie können bar, mit EC-Karte")
    assert t.replies[-1] == "Wann hätten Sie Zeit?"


async def test_unanswered_side_question_in_a_booking_is_kept(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte einen Termin für eine Heizungswartung")
    t = await c.say("Bringt der Monteur Schuhüberzieher mit?")
    assert t.replies[-1] == "Wann hätten Sie Zeit?"
    await c.script("Dienstag um 9", "Anna Schmidt", "0171 2345678", "ja")
    [booked] = c.actions_of(BookAppointment)
    assert isinstance(booked, BookAppointment)
    if any("notiere Ihre Frage" in r for r in t.replies):  # a promise made is kept
        assert "Schuhüberzieher" in booked.note


async def test_topic_change_declined(profile: BusinessProfile) -> None:
    """Another request in the middle of a form suspends it; after that request the
    caller is asked to resume, and may decline."""
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte einen Termin für eine Heizungswartung")
    t = await c.say("Eigentlich möchte ich zuerst etwas bestellen")
    assert t.replies == ["Gern. Was möchten Sie bestellen?"]
    await c.script("zwei Dichtungssets", "das wars", "Anna Schmidt", "0171 2345678")
    t = await c.say("ja")
    assert t.replies[-1] == "Wollen wir mit dem Termin weitermachen?"
    t = await c.key("2")
    assert t.replies == ["In Ordnung.", "Kann ich sonst noch etwas für Sie tun?"]
    t = await c.say("nein")
    assert t.end == "hangup"
    assert len(c.saved(Order)) == 1 and not c.actions_of(BookAppointment)


async def test_a_booking_request_in_an_order_is_a_topic_change(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte etwas bestellen")
    await c.say("zwei Dichtungssets")
    t = await c.say("Ich brauche auch noch einen Termin für eine Heizungswartung")
    assert not any("führen wir leider nicht" in r for r in t.replies)
    assert t.replies[-1] == "Wann hätten Sie Zeit?"


async def test_back_to_the_unfinished_topic_by_naming_it(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte etwas bestellen")
    await c.say("zwei Dichtungssets")
    await c.say("Eigentlich möchte ich zuerst einen Termin vereinbaren")
    await c.script("Heizungswartung", "Dienstag um 9", "Anna Schmidt", "0171 2345678")
    t = await c.say("ja")
    assert len(c.actions_of(BookAppointment)) == 1
    assert t.replies[-1] == "Wollen wir mit der Bestellung weitermachen?"
    t = await c.say("Gut, dann weiter mit der Bestellung")
    assert t.replies == ["Darf es noch etwas sein?"]
    await c.script("nein", "ja")
    [order] = c.saved(Order)
    assert isinstance(order, Order) and order.lines[0].sku == "DS-01"


async def test_silence_reprompts_then_ends(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.silence()
    assert t.replies == ["Sind Sie noch da?", "Wie kann ich Ihnen helfen?"]
    t = await c.silence()
    assert t.end == "hangup" and t.replies[0].startswith("Ich kann Sie leider nicht hören")


async def test_silence_in_a_flow_hands_over_during_office_hours(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte einen Termin")
    t = await c.silence()
    assert t.replies[0] == "Sind Sie noch da?" and "Worum geht es" in t.replies[1]
    t = await c.say("")  # an empty transcript is a silence too
    assert t.end == "handover"


async def test_keys_outside_a_question(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.key("5")
    assert t.replies == [
        "Bitte sagen Sie mir einfach, was Sie möchten.",
        "Wie kann ich Ihnen helfen?",
    ]
    await c.script("Termin Heizungswartung Dienstag um 9", "Anna Schmidt", "0171 2345678")
    t = await c.key("7")
    assert t.replies[0].startswith("Bitte sagen Sie ja oder nein, oder drücken Sie die 1")


async def test_repeat_bot_challenge_and_goodbye(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Auf Wiederhören")
    assert t.replies == ["Vielen Dank für Ihren Anruf. Auf Wiederhören!"] and t.end == "hangup"


class _Failing(InMemoryRecordStore):
    async def add(self, record: Record) -> None:
        raise OSError("disk full")


async def test_a_failing_store_hands_over_instead_of_crashing(profile: BusinessProfile) -> None:
    engine = DialogueEngine(
        profile, RulesNlu(), records=_Failing(), clock=lambda: MONDAY_9, caller_number="0171 1"
    )
    await engine.start()
    for line in ("Ich hätte gern ein Angebot für ein neues Bad", "Pasing", "offen", "bald",
                 "Eva Lang", "0160 1234567"):  # fmt: skip
        await engine.on_text(line)
    t = await engine.on_text("ja")
    assert t.replies[0] == "Entschuldigung, da ist bei mir gerade etwas schiefgegangen."
    assert t.end == "handover" and t.handover_summary is not None
    assert [type(a) for a in t.actions] == [Handover]


class _BrokenNlu:
    name = "broken"

    async def parse(self, text: str, *, language: str, now: datetime) -> Parse:
        raise NluError("rasa is down")


async def test_nlu_down_still_handles_emergencies_and_yes_no(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22, nlu=_BrokenNlu())
    t = await c.say("Es riecht nach Gas")
    assert t.replies[0].startswith("Bitte verlassen Sie sofort das Gebäude")


async def test_no_but_another_request_is_not_goodbye(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Wie sind Ihre Öffnungszeiten?")
    t = await c.say("Nein, aber ich möchte noch einen Termin")
    assert t.end is None and "Worum geht es bei dem Termin?" in t.replies[0]


async def test_yes_with_a_question_and_any_question_goes_to_faq(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Wie sind Ihre Öffnungszeiten?")
    t = await c.say("ja, noch eine Frage")
    assert t.replies == ["Gern. Was möchten Sie wissen?"]
    t = await c.say("wie heißt eigentlich ihr hund")  # no intent from the NLU: a question
    assert t.replies[0] == "Das kann ich Ihnen leider nicht sicher beantworten."


async def test_switch_from_a_free_text_answer(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich hätte gern ein Angebot für ein neues Bad")
    t = await c.say("Ach, ich möchte lieber erst einen Termin zur Badberatung")
    assert t.replies == ["Wann hätten Sie Zeit?"]


async def test_from_a_generic_question_to_booking(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich habe eine Frage")
    t = await c.say("Ich möchte einen Termin zur Heizungswartung")
    assert t.replies == ["Wann hätten Sie Zeit?"]


async def test_goodbye_mid_flow_ends_the_call(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich hätte gern ein Angebot für ein neues Bad")
    t = await c.say("Ach, wissen Sie was, ich melde mich später. Tschüss")
    assert t.end == "hangup" and c.actions == []
