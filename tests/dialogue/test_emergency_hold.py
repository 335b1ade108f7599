"""After hours the emergency caller waits on the line while the technician is called:
reassured on every turn, never handed over, told who took it (or that we keep trying),
and let go politely on a goodbye. ``caller_hold_s: 0`` keeps the old call-back-and-
hang-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.dialogue.turn import Turn
from agent.domain import Handover, StartEscalation
from agent.profile import BusinessProfile, Language, OnCall

from .conftest import MONDAY_22
from .support import Call, call

PHONE = "0 1 7 1, 9 8 7, 6 5 4 3"
HOLD = {
    "de": "Ich rufe jetzt unseren Techniker vom Notdienst an. Bitte bleiben Sie kurz am "
    "Apparat, ich sage Ihnen Bescheid, sobald er Ihren Einsatz übernommen hat.",
    "en": "I am calling our on-call technician now. Please stay on the line for a moment; "
    "I will let you know as soon as they have taken your job.",
}
WAITS = {
    "de": [
        "Ich warte noch auf die Bestätigung des Technikers. Bitte bleiben Sie dran.",
        "Der Techniker wird gerade angerufen. Einen Moment noch, bitte.",
        "Ich bin noch da und warte auf den Techniker. Wenn Sie nicht warten möchten, "
        "legen Sie einfach auf, er ruft Sie zurück.",
    ],
    "en": [
        "I am still waiting for the technician to confirm. Please stay on the line.",
        "The technician is being called right now. Just a moment longer, please.",
        "I am still here, waiting for the technician. If you would rather not wait, "
        "just hang up; they will call you back.",
    ],
}
REPORT = {
    "de": ("Hilfe, bei uns im Keller riecht es nach Gas", "Hauptstraße 5 in München", "ja", "ja"),
    "en": ("Help, there is a burst pipe in our kitchen", "5 High Street, Munich", "yes", "yes"),
}


async def holding_call(
    profile: BusinessProfile, language: Language = "de", caller: str | None = "+49 171 9876543"
) -> tuple[Call, Turn]:
    """A call that reported a real emergency after hours and now waits on the line."""
    c = await call(profile, MONDAY_22, caller=caller, language=language)
    t = await c.script(*REPORT[language])
    assert [type(a) for a in t.actions] == [StartEscalation]
    return c, t


@pytest.mark.parametrize("language", ["de", "en"])
async def test_the_caller_is_held_and_reassured_never_let_go(
    profile: BusinessProfile, language: Language
) -> None:
    c, t = await holding_call(profile, language)
    assert t.replies == [HOLD[language]]
    assert t.hold_for_technician and t.end is None and c.engine.holding
    said = [
        await c.say(
            "Hallo? Kommt jetzt jemand?" if language == "de" else "Hello? Is anyone coming?"
        ),
        await c.silence(),
        await c.key("1"),
        await c.silence(),
        await c.silence(),  # silences never end the call while waiting
    ]
    for turn in said:
        assert turn.hold_for_technician and turn.end is None and not turn.actions
    assert [turn.replies for turn in said] == [[w] for w in WAITS[language] + WAITS[language][:2]]
    assert c.engine.ended is None


async def test_no_handover_no_new_flow_while_waiting(profile: BusinessProfile) -> None:
    c, _ = await holding_call(profile)
    upset = "Das ist doch unmöglich, ich bin total verärgert"
    for text in ("Ich will sofort einen Mitarbeiter sprechen!", "Einen Termin bitte", upset,
                 "Es riecht nach Gas!"):  # fmt: skip
        t = await c.say(text)
        assert t.hold_for_technician and t.end is None and len(t.replies) == 1
        assert t.replies[0] in WAITS["de"]
    assert not c.actions_of(Handover) and len(c.actions_of(StartEscalation)) == 1


@pytest.mark.parametrize(
    ("language", "bye", "expected"),
    [
        ("de", "Okay, danke, tschüss",
         f"Gut. Der Techniker ruft Sie unter {PHONE} zurück. Auf Wiederhören!"),
        ("en", "Thanks, bye",
         f"All right. The technician will call you back on {PHONE}. Goodbye!"),
    ],
)  # fmt: skip
async def test_a_goodbye_ends_the_wait_politely(
    profile: BusinessProfile, language: Language, bye: str, expected: str
) -> None:
    c, _ = await holding_call(profile, language)
    t = await c.say(bye)
    assert t.replies == [expected] and t.end == "hangup" and not t.hold_for_technician
    assert not c.engine.holding
    assert await c.engine.on_escalation_end(True, "Thomas Huber") == Turn()  # too late


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Gute Nachricht: Thomas Huber vom Notdienst hat Ihren Einsatz übernommen und "
               f"ruft Sie gleich unter {PHONE} zurück. Auf Wiederhören!"),
        ("en", "Good news: Thomas Huber from our on-call service has taken your job and will "
               f"call you back shortly on {PHONE}. Goodbye!"),
    ],
)  # fmt: skip
async def test_acknowledged_the_caller_hears_who_and_the_call_ends(
    profile: BusinessProfile, language: Language, expected: str
) -> None:
    c, _ = await holding_call(profile, language)
    await c.silence()
    t = await c.engine.on_escalation_end(True, "Thomas Huber")
    assert t.replies == [expected] and t.end == "hangup" and not t.hold_for_technician
    assert c.engine.ended == "hangup" and not c.engine.holding
    assert (await c.say("Hallo?")).end == "hangup"  # over


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Ich habe den Techniker noch nicht erreicht. Wir versuchen es weiter, und Sie "
               f"werden unter {PHONE} zurückgerufen. Wenn Gefahr besteht, rufen Sie bitte die "
               "112. Auf Wiederhören!"),
        ("en", "I have not reached the technician yet. We will keep trying, and you will be "
               f"called back on {PHONE}. If there is any danger, please call 112. Goodbye!"),
    ],
)  # fmt: skip
async def test_not_acknowledged_or_timed_out_we_keep_trying(
    profile: BusinessProfile, language: Language, expected: str
) -> None:
    c, _ = await holding_call(profile, language)
    t = await c.engine.on_escalation_end(False, None)
    assert t.replies == [expected] and t.end == "hangup"
    assert await c.engine.on_escalation_end(True, "Thomas Huber") == Turn()  # once only


@pytest.mark.parametrize("language", ["de", "en"])
async def test_nobody_took_it_the_caller_is_not_told_we_keep_trying(
    profile: BusinessProfile, language: Language
) -> None:
    """The rota ran out (everybody notified in writing): no false 'we keep trying'."""
    c, _ = await holding_call(profile, language)
    t = await c.engine.on_escalation_end(False, None, still_trying=False)
    [text] = t.replies
    assert "112" in text and t.end == "hangup"
    assert ("versuchen es weiter" not in text) and ("keep trying" not in text)
    assert ("schriftlich" in text) if language == "de" else ("in writing" in text)


async def test_acknowledged_without_a_name_or_a_number(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)  # no caller id
    await c.script("Es riecht nach Gas", "Lindwurmstraße 1", "äh", "hm")  # no usable number
    t = await c.say("ja")
    [esc] = c.emergencies()
    assert esc.caller_number == ""
    assert t.hold_for_technician
    t = await c.engine.on_escalation_end(True, None)
    assert t.replies == [
        "Gute Nachricht: Unser Notdienst hat Ihren Einsatz übernommen und ruft Sie gleich "
        "zurück. Auf Wiederhören!"
    ]


async def test_not_holding_on_escalation_end_is_empty(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    assert await c.engine.on_escalation_end(True, "Thomas Huber") == Turn()
    assert c.engine.ended is None and not c.engine.holding


def without_hold(profile: BusinessProfile) -> BusinessProfile:
    assert profile.on_call is not None
    on_call = profile.on_call.model_copy(update={"caller_hold_s": 0})
    return profile.model_copy(update={"on_call": on_call})


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", f"Der Techniker vom Notdienst wird jetzt angerufen und ruft Sie unter {PHONE} "
               "zurück. Bitte halten Sie Ihr Telefon frei. Auf Wiederhören!"),
        ("en", f"The on-call technician is being called now and will ring you back on {PHONE}. "
               "Please keep your phone free. Goodbye!"),
    ],
)  # fmt: skip
async def test_caller_hold_0_calls_back_and_hangs_up(
    profile: BusinessProfile, language: Language, expected: str
) -> None:
    c, t = await holding_call(without_hold(profile), language)
    assert t.replies == [expected] and t.end == "hangup" and not t.hold_for_technician
    assert not c.engine.holding


def test_caller_hold_s_default_and_bounds(profile: BusinessProfile) -> None:
    assert profile.on_call is not None and profile.on_call.caller_hold_s == 90
    people = [{"name": "A", "phone": "PJSIP/1"}]
    assert OnCall.model_validate({"people": people, "caller_hold_s": 0}).caller_hold_s == 0
    for bad in (-1, 601):
        with pytest.raises(ValidationError, match="caller_hold_s"):
            OnCall.model_validate({"people": people, "caller_hold_s": bad})
