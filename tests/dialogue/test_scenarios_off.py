"""A request the owner switched off for the pilot (business.routing.scenarios_off): the
caller hears a polite word and a call back is arranged, with what they asked for; the
requests left on, and emergencies, are taken as always."""

from __future__ import annotations

from agent.domain import Order
from agent.profile import BusinessProfile, Routing

from .conftest import MONDAY_9
from .support import call


def switched_off(profile: BusinessProfile, *scenarios: str) -> BusinessProfile:
    return profile.model_copy(update={"routing": Routing(scenarios_off=list(scenarios))})  # type: ignore[arg-type]


async def test_an_order_switched_off_becomes_a_call_back_with_the_request(
    profile: BusinessProfile,
) -> None:
    c = await call(switched_off(profile, "order"), MONDAY_9, caller="+4917612345678")
    t = await c.say("Ich möchte zehn Säcke Zement bestellen.")
    assert t.replies[0] == (
        "Bei der Bestellung kann ich Ihnen am Telefon leider noch nicht weiterhelfen. "
        "Ein Mitarbeiter ruft Sie gern zurück."
    )
    assert any("Name" in r for r in t.replies[1:]), t.replies  # the call back's questions
    await c.say("Anna Schmidt")
    await c.say("ja, die Nummer passt")
    await c.say("ja")
    (message,) = c.messages("callback")
    assert message.reason == "scenario_off:order"
    assert "Zement" in message.text
    assert c.saved(Order) == []


async def test_questions_stay_on_while_appointments_are_off(profile: BusinessProfile) -> None:
    c = await call(switched_off(profile, "appointment"), MONDAY_9)
    t = await c.say("Wie sind Ihre Öffnungszeiten?")
    assert t.replies[0] == profile.facts[0].answer.de
    t = await c.say("Ich brauche einen Termin für die Heizungswartung.")
    assert t.replies[0].startswith("Bei dem Termin kann ich Ihnen am Telefon leider")


async def test_an_emergency_is_never_switched_off(profile: BusinessProfile) -> None:
    c = await call(switched_off(profile, "appointment", "lead", "order", "faq"), MONDAY_9)
    t = await c.say("Bei uns ist ein Rohr geplatzt, das Wasser läuft in den Keller!")
    assert "leider noch nicht" not in " ".join(t.replies)
