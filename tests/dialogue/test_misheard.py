"""What a recogniser mishears still leads to the right request (by sound)."""

from __future__ import annotations

from agent.domain import Order
from agent.profile import BusinessProfile

from .conftest import MONDAY_9
from .support import call


async def test_a_misheard_appointment_type_is_understood(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    # Whisper base heard "Heizungspartum" for espeak-ng's "Heizungswartung"
    t = await c.say("guten tag ich hätte gern einen termin für eine heizungspartum")
    assert t.replies[-1] == "Wann hätten Sie Zeit?"  # the type is known: no "Worum geht es?"


async def test_a_misheard_product_is_ordered(profile: BusinessProfile) -> None:
    c = await call(profile, MONDAY_9)
    await c.say("ich möchte etwas bestellen")
    t = await c.say("zwei thermostat fentile bitte")
    assert t.replies[0] == "Notiert: 2 Stück Heizkörperventil."
    await c.script("das wars", "Anna Schmidt", "0171 2345678", "ja")
    [order] = c.saved(Order)
    assert isinstance(order, Order) and order.lines[0].sku == "HKV-12"
