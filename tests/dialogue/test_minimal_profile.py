"""A profile without the dialogue's optional sections still works (defaults)."""

from __future__ import annotations

import pytest

from agent.domain import BookAppointment
from agent.profile import BusinessProfile

from .conftest import MONDAY_9, MONDAY_22
from .support import call


@pytest.fixture
def minimal() -> BusinessProfile:
    return BusinessProfile.model_validate(
        {
            "name": "Praxis Dr. Weber",
            "kind": "medical_practice",
            "address": {"street": "Hauptstraße 1", "postcode": "80331", "city": "München"},
            "opening_hours": {"mon": ["08:00-12:00"], "tue": "08:00-12:00"},
            "texts": {"greeting": {"de": "Praxis Dr. Weber, guten Tag.", "en": "Hello."}},
            "handover": {"office": "PJSIP/200"},
        }
    )


async def test_booking_with_the_default_type(minimal: BusinessProfile) -> None:
    c = await call(minimal, MONDAY_9)
    assert c.turns[0].replies == ["Praxis Dr. Weber, guten Tag."]
    t = await c.say("Ich möchte einen Termin ausmachen")
    assert t.replies == ["Wann hätten Sie Zeit?"]  # one appointment type: nothing to ask
    await c.script("Dienstag um 9", "Weber", "0171 2345678", "ja")
    [booked] = c.actions_of(BookAppointment)
    assert isinstance(booked, BookAppointment) and booked.appointment_type == "Termin"


async def test_no_catalogue_means_a_call_back(minimal: BusinessProfile) -> None:
    c = await call(minimal, MONDAY_9)
    t = await c.say("Ich möchte etwas bestellen")
    assert t.replies[0].startswith("Bestellungen kann ich leider nicht direkt aufnehmen.")
    await c.script("Weber", "0171 2345678", "ja")
    assert len(c.messages("callback")) == 1


async def test_emergency_without_kinds_is_asked(minimal: BusinessProfile) -> None:
    c = await call(minimal, MONDAY_22)
    t = await c.say("Es ist ein Notfall")
    assert t.replies == ["Was ist passiert?"]
    t = await c.say("Mir ist schwindelig")
    assert t.replies[0].startswith("Muss sofort jemand kommen")


async def test_faq_uses_profile_fields_only(minimal: BusinessProfile) -> None:
    c = await call(minimal, MONDAY_9)
    t = await c.say("Wie sind Ihre Öffnungszeiten?")
    assert t.replies[0] == "Unsere Öffnungszeiten: Montag bis Dienstag 8 bis 12 Uhr."
    t = await c.say("Was kostet eine Behandlung?")
    assert t.replies[0] == "Das kann ich Ihnen leider nicht sicher beantworten."
