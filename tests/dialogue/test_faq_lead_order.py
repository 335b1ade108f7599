"""FAQ only from the profile (never invented), leads, and orders from the catalogue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agent.domain import Lead, Message, Order, OrderLine, Save
from agent.profile import BusinessProfile

from .conftest import MONDAY_9, MONDAY_22
from .support import call

ANYTHING_ELSE = "Kann ich sonst noch etwas für Sie tun?"


async def test_faq_answers_from_facts(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Wie sind Ihre Öffnungszeiten?")
    assert t.replies == [profile.facts[0].answer.de, ANYTHING_ELSE]
    t = await c.say("Was kostet bei Ihnen die Anfahrt?")
    assert t.replies[0].startswith("Die Anfahrt im Stadtgebiet kostet neunundvierzig Euro")
    t = await c.say("Kann man bei Ihnen mit Karte bezahlen?")
    assert t.replies[0].startswith("Sie können bar, mit EC-Karte")


async def test_faq_two_topics_and_profile_fields(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Frage: Wie ist Ihre Adresse und wo kann ich parken?")
    assert t.replies[:2] == [profile.facts[1].answer.de, profile.facts[2].answer.de]
    t = await c.say("Und kommen Sie auch nach Dachau, ist das in Ihrem Gebiet?")
    assert t.replies == ["Ja, Dachau gehört zu unserem Einsatzgebiet.", ANYTHING_ELSE]
    t = await c.say("Eine Frage noch, welche Leistungen bieten Sie an?")
    # the whole list, asked in general: no "not among the services", no call back offered
    assert t.replies == [
        "Wir bieten Heizungswartung und Heizungsreparatur, Badsanierung, Rohrreinigung und "
        "Rohrbruch, Wärmepumpen und Trinkwasseranlagen an.",
        ANYTHING_ELSE,
    ]


async def test_faq_unknown_is_not_invented_and_offers_a_callback(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    t = await c.say("Ich habe eine Frage")
    assert t.replies == ["Gern. Was möchten Sie wissen?"]
    t = await c.say("Verkaufen Sie auch Gartenmöbel?")
    # not a service of the profile: not a yes, not an invented no; a call back offered
    assert t.replies[0].startswith("Das gehört nicht zu den Leistungen, die ich hier habe.")
    assert "Gartenmöbel" not in t.replies[0]
    assert t.replies[-1] == "Soll ein Mitarbeiter Sie dazu zurückrufen?"
    t = await c.say("ja bitte")
    assert t.replies == ["Wie ist Ihr Name, bitte?"]
    await c.script("Franz Berger", "0171 1112223")
    assert c.last.replies == [
        "Ich habe notiert: Verkaufen Sie auch Gartenmöbel. Von Franz Berger, Rückruf unter "
        "0 1 7 1, 1 1 1, 2 2 2 3. Stimmt das?"
    ]
    t = await c.say("ja")
    assert t.replies[0] == "Vielen Dank. Wir rufen Sie morgen zurück."
    [saved] = t.actions
    assert isinstance(saved, Save) and isinstance(saved.record, Message)
    cb = saved.record
    assert cb.kind == "callback" and cb.reason == "faq_unanswered"
    assert cb.due == date(2026, 11, 24) and "Gartenmöbel" in cb.text


async def test_faq_unknown_declined(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Haben Sie einen Parkplatz für Elektroautos mit Ladesäule?")
    assert c.last.replies[0].startswith("Kundenparkplätze gibt es direkt im Hof")
    t = await c.say("Wie heißt denn Ihr Hund?")
    assert t.replies[0] == "Das kann ich Ihnen leider nicht sicher beantworten."
    t = await c.say("nein danke")
    assert t.replies == ["In Ordnung.", ANYTHING_ELSE]
    assert c.actions == []


async def test_faq_english(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9, language="en")
    t = await c.say("What are your opening hours?")
    assert t.replies == [profile.facts[0].answer.en, "Is there anything else I can do for you?"]
    t = await c.say("Do you sell garden furniture?")
    assert t.replies[0].startswith("That is not among the services I have here.")
    assert t.replies[-1] == "Shall someone from our team call you back about it?"
    t = await c.say("no")
    assert t.replies == ["All right.", "Is there anything else I can do for you?"]
    assert c.actions == []


async def test_lead_collects_and_promises_a_call_back(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Ich hätte gern ein Angebot für ein neues Bad")
    assert t.replies == ["Wo soll die Arbeit gemacht werden, in welchem Ort?"]
    t = await c.say("in Pasing")
    assert t.replies == ["Haben Sie schon ein Budget im Kopf?"]
    t = await c.say("weiß ich noch nicht")
    assert t.replies == ["Wie dringend ist es, bis wann sollte es erledigt sein?"]
    await c.script("in den nächsten drei Monaten", "Eva Lang", "0160 1234567")
    [readback] = c.last.replies  # the values as they will be stored: cleaned
    assert readback.startswith("Ich fasse zusammen: neues Bad. Ort: Pasing. Budget: offen.")
    assert "Name Eva Lang, Telefon 0 1 6 0, 1 2 3, 4 5 6 7. Stimmt das?" in readback
    t = await c.say("nein, das Budget")
    assert t.replies == ["Haben Sie schon ein Budget im Kopf?"]
    t = await c.say("etwa 20000 Euro")
    assert "Budget: 20000 Euro." in t.replies[-1]
    t = await c.say("ja")
    assert t.replies[0] == (
        "Vielen Dank. Ein Mitarbeiter ruft Sie heute zurück und bespricht alles Weitere mit Ihnen."
    )
    [saved] = t.actions
    assert isinstance(saved, Save) and isinstance(saved.record, Lead)
    lead = saved.record
    assert (lead.need, lead.location, lead.budget, lead.name, lead.phone) == (
        "neues Bad", "Pasing", "20000 Euro", "Eva Lang", "0160 1234567",
    )  # fmt: skip
    assert lead.urgency.lower() == "in den nächsten 3 monaten"
    assert await c.records.leads() == [lead]


async def test_lead_asks_what_is_needed(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Ich hätte gern ein Angebot")
    assert t.replies == ["Gern. Worum geht es, was soll gemacht werden?"]
    t = await c.say("eine Wärmepumpe statt der alten Ölheizung")
    assert t.replies == ["Wo soll die Arbeit gemacht werden, in welchem Ort?"]


async def test_order_with_unknown_product_and_correction(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Ich möchte etwas bestellen")
    assert t.replies == ["Gern. Was möchten Sie bestellen?"]
    t = await c.say("zwei Heizkörperventile und drei Kartuschen Silikon")
    assert t.replies == [
        "Notiert: 2 Stück Heizkörperventil und 3 Kartuschen Sanitärsilikon.",
        "Darf es noch etwas sein?",
    ]
    t = await c.say("ja, noch einen Gartenschlauch")
    assert t.replies == [
        "Gartenschlauch führen wir leider nicht.",
        "Notiert: 2 Stück Heizkörperventil und 3 Kartuschen Sanitärsilikon.",
        "Darf es noch etwas sein?",
    ]
    t = await c.say("dann ein Dichtungsset")
    assert t.replies[0].endswith("und 1 Set Dichtungsset.")
    await c.say("nein")
    await c.say("Josef Bauer")
    t = await c.say("089 445566")
    assert t.replies == [
        "Ihre Bestellung: 2 Stück Heizkörperventil, 3 Kartuschen Sanitärsilikon und 1 Set "
        "Dichtungsset, zusammen 71 Euro. Für Josef Bauer, Telefon 0 8 9, 4 4 5, 5 6 6. "
        "Soll ich die Bestellung so aufgeben?"
    ]
    t = await c.say("nein, vier Heizkörperventile und kein Silikon")
    assert t.replies[-1].startswith("Ihre Bestellung: 4 Stück Heizkörperventil und 1 Set")
    t = await c.key("1")
    assert t.replies[0].startswith("Vielen Dank, Ihre Bestellung ist aufgenommen.")
    [saved] = t.actions
    assert isinstance(saved, Save) and isinstance(saved.record, Order)
    order = saved.record
    assert (order.lines, order.name, order.phone) == (
        (
            OrderLine("HKV-12", "Heizkörperventil", 4, "Stück", Decimal("18.9")),
            OrderLine("DS-01", "Dichtungsset", 1, "Set", Decimal("6.5")),
        ),
        "Josef Bauer",
        "089 445566",
    )
    assert len(await c.records.orders()) == 1


async def test_order_keeps_the_known_items_of_a_sentence(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Ich möchte zwei Dichtungssets und einen Gartenschlauch bestellen")
    assert t.replies == [
        "Gartenschlauch führen wir leider nicht.",
        "Notiert: 2 Sets Dichtungsset.",
        "Darf es noch etwas sein?",
    ]


@pytest.mark.parametrize(
    ("choice", "quantity", "backorder"),
    [("alle fünf bitte", 5, 2), ("nur die drei", 3, 0)],
)
async def test_order_asks_the_quantity_and_offers_a_choice_on_short_stock(
    profile: BusinessProfile, choice: str, quantity: int, backorder: int
) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Ich möchte Spülkästen bestellen")
    assert t.replies == ["Wie viele Stück Spülkasten möchten Sie?"]
    t = await c.say("fünf")
    assert t.replies == [
        "Von Spülkasten haben wir gerade nur 3 auf Lager. Möchten Sie 3, oder alle 5, und der "
        "Rest wird nachbestellt?"
    ]
    t = await c.say(choice)
    assert t.replies == [f"Notiert: {quantity} Stück Spülkasten.", "Darf es noch etwas sein?"]
    await c.script("nein", "Bauer", "0171 2345678", "ja")
    [order] = c.saved(Order)
    assert isinstance(order, Order)
    assert (order.lines[0].quantity, order.lines[0].backorder) == (quantity, backorder)


async def test_order_nothing(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte etwas bestellen")
    t = await c.say("nein, doch nicht")
    assert t.replies == ["Gut, dann bestelle ich nichts.", ANYTHING_ELSE]


async def test_english_lead(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9, language="en")
    await c.script("I'd like a quote for a new bathroom", "in Pasing", "no idea",
                   "within three months", "Eve Long", "0160 1234567")  # fmt: skip
    [readback] = c.last.replies
    # an unknown budget is stored as "offen", but read back to an English caller in English
    assert readback.startswith("To sum up: new bathroom. Place: Pasing. Budget: open. Timing:")
    assert readback.endswith("Name Eve Long, phone 0 1 6 0, 1 2 3, 4 5 6 7. Is that right?")
    await c.say("yes")
    [lead] = c.saved(Lead)
    assert isinstance(lead, Lead)
    assert (lead.need, lead.location, lead.budget) == ("new bathroom", "Pasing", "offen")


async def test_english_order(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9, language="en")
    t = await c.say("I would like to order two radiator valves")
    assert t.replies == ["Noted: 2 pieces of radiator valve.", "Would you like anything else?"]
    await c.script("no", "Eve Long", "0160 1234567")
    assert c.last.replies[0].startswith(
        "Your order: 2 pieces of radiator valve, 37.80 euros in total."
    )
    await c.say("yes")
    [order] = c.saved(Order)
    assert isinstance(order, Order) and order.lines[0].sku == "HKV-12"
