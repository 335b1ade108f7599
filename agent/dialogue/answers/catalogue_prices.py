"""What does a catalogue item cost? From the catalogue's price."""

from __future__ import annotations

from ..catalogue import find_mentions
from ..context import FlowContext
from ..say import say_money
from ..utterance import Utterance
from .result import Answer, asking


def about_item_price(ctx: FlowContext, u: Utterance, _type: str | None) -> Answer | None:
    if not (u.has("price") and asking(u)):
        return None
    found = find_mentions(ctx.profile, u.norm)
    priced = [m.item for m in found if m.item.price is not None]
    if not priced:
        return None
    item = priced[0]
    assert item.price is not None
    return Answer(
        (ctx.say("item_price", item=item.say(ctx.language),
                 price=say_money(item.price, ctx.language)),),
        "price",
    )  # fmt: skip
