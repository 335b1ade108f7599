"""FAQ only from the profile (never invented), leads, and orders from the catalogue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
    t = await c.say("Eine Frage noch, welche Leistungen bieten Sie an?")
    assert t.replies[0] == (
        "Wir bieten Heizungswartung und Heizungsreparatur, Badsanierung, Rohrreinigung und "
        "Rohrbruch, Wärmepumpen und Trinkwasseranlagen an."
    )
    t = await c.say("Und kommen Sie auch nach Dachau, ist das in Ihrem Gebiet?")
    assert t.replies[0] == "Wir sind für Sie da in München und Umgebung, bis etwa 30 Kilometer."


async def test_faq_unknown_is_not_invented_and_offers_a_callback(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_22)
    t = await c.say("Ich habe eine Frage")
    assert t.replies == ["Gern. Was möchten Sie wissen?"]
    t = await c.say("Verkaufen Sie auch Gartenmöbel?")
    assert t.replies == [
        "Das kann ich Ihnen leider nicht sicher beantworten.",
        "Soll ein Mitarbeiter Sie dazu zurückrufen?",
    ]
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
    assert t.replies == [
        "I'm afraid I can't answer that reliably.",
        "Shall someone from our team call you back about it?",
    ]


async def test_lead_collects_and_promises_a_call_back(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Ich hätte gern ein Angebot für ein neues Bad")
    assert t.replies == ["Wo soll die Arbeit gemacht werden, in welchem Ort?"]
    t = await c.say("in Pasing")
    assert t.replies == ["Haben Sie schon ein Budget im Kopf?"]
    t = await c.say("weiß ich noch nicht")
    assert t.replies == ["Wie dringend ist es, bis wann sollte es erledigt sein?"]
    await c.script("in den nächsten drei Monaten", "Eva Lang", "0160 1234567")
    assert c.last.replies == [
        "Ich fasse zusammen: neues Bad. Ort: in Pasing. Budget: offen. Zeitrahmen: in den "
        "nächsten drei Monaten. Name Eva Lang, Telefon 0 1 6 0, 1 2 3, 4 5 6 7. Stimmt das?"
    ]
    t = await c.say("nein, das Budget")
    assert t.replies == ["Haben Sie schon ein Budget im Kopf?"]
    t = await c.say("etwa 20000 Euro")
    assert "Budget: etwa 20000 Euro." in t.replies[0]
    t = await c.say("ja")
    assert t.replies[0] == (
        "Vielen Dank. Ein Mitarbeiter ruft Sie heute zurück und bespricht alles Weitere mit Ihnen."
    )
    [saved] = t.actions
    assert isinstance(saved, Save) and isinstance(saved.record, Lead)
    lead = saved.record
    assert (lead.need, lead.location, lead.budget, lead.urgency, lead.name, lead.phone) == (
        "neues Bad", "in Pasing", "etwa 20000 Euro", "in den nächsten drei Monaten",
        "Eva Lang", "0160 1234567",
    )  # fmt: skip
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
    assert t.replies[0] == (
        "Das führen wir leider nicht in unserem Katalog. Wir haben zum Beispiel "
        "Heizkörperventil, Dichtungsset, Sanitärsilikon und Mischerkartusche."
    )
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


async def test_order_asks_the_quantity_and_notes_short_stock(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    t = await c.say("Ich möchte Spülkästen bestellen")
    assert t.replies == ["Wie viel Spülkasten möchten Sie?"]
    t = await c.say("fünf")
    assert t.replies[0] == (
        "Von Spülkasten haben wir gerade nur 3 auf Lager, der Rest wird nachbestellt."
    )
    await c.script("nein", "Bauer", "0171 2345678", "ja")
    [order] = c.saved(Order)
    assert isinstance(order, Order) and order.lines[0].backorder == 2


async def test_order_nothing(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("Ich möchte etwas bestellen")
    t = await c.say("nein, doch nicht")
    assert t.replies == ["Gut, dann bestelle ich nichts.", ANYTHING_ELSE]


async def test_english_lead_and_order(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9, language="en")
    await c.script("I'd like a quote for a new bathroom", "in Pasing", "no idea",
                   "within three months", "Eve Long", "0160 1234567")  # fmt: skip
    assert c.last.replies == [
        "To sum up: new bathroom. Place: in Pasing. Budget: open. Timing: within three "
        "months. Name Eve Long, phone 0 1 6 0, 1 2 3, 4 5 6 7. Is that right?"
    ]
    await c.say("yes")
    t = await c.say("I would like to order two radiator valves")
    assert t.replies == ["Noted: 2 pieces of radiator valve.", "Would you like anything else?"]
    t = await c.say("no")
    assert t.replies[0].startswith("Your order: 2 pieces of radiator valve, 37.80 euros in total.")
