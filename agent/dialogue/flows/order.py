"""Taking an order: products and quantities from the catalogue, read back, confirm."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from agent.domain import Order, OrderLine, Save
from agent.profile import CatalogueItem

from ..context import FlowContext
from ..cues import word_set
from ..say import say_list, say_money, say_phone
from ..utterance import Utterance
from .base import Fill, SlotFlow, Step
from .catalogue import examples, number, say_line, wanted_items
from .message import MessageFlow


class OrderFlow(SlotFlow):
    name = "order"
    intents = frozenset({"place_order"})
    slot_names = ("items", "name", "phone")
    change_words: ClassVar[dict[str, tuple[str, ...]]] = {
        **SlotFlow.change_words,
        "items": ("bestellung", "artikel", "menge", "order", "items", "quantity"),
    }

    def __init__(self, ctx: FlowContext) -> None:
        super().__init__(ctx)
        self.lines: dict[str, tuple[CatalogueItem, int]] = {}
        self.sub = "what"  # what | qty | more
        self.qty_for: CatalogueItem | None = None

    def ask(self, slot: str) -> list[str]:
        if slot == "items":
            self.sub = "what"
            return [self.ctx.say("order_ask_more" if self.lines else "order_ask")]
        return super().ask(slot)

    def awaiting_yes_no(self) -> bool:
        return (self.pending == "items" and self.sub == "more") or super().awaiting_yes_no()

    def accepts(self, u: Utterance) -> bool:
        if self.pending == "items":
            return (
                bool(wanted_items(self.ctx.profile, u.norm))
                or u.yes is not None
                or (self.sub == "qty" and _quantity(u) is not None)
            )
        return super().accepts(u)

    def _add(self, u: Utterance) -> tuple[list[str], bool]:
        """Apply the items in ``u``; (what to say, whether anything was found)."""
        said: list[str] = []
        wanted = wanted_items(self.ctx.profile, u.norm)
        for w in wanted:
            if w.remove:
                self.lines.pop(w.item.sku, None)
            elif w.quantity is None:
                if w.item.sku not in self.lines:
                    self.qty_for = w.item
            else:
                said += self._set(w.item, w.quantity)
        return said, bool(wanted)

    def _set(self, item: CatalogueItem, qty: int) -> list[str]:
        self.lines[item.sku] = (item, qty)
        if item.stock is not None and qty > item.stock:
            return [self.ctx.say("order_stock", item=item.say(self.ctx.language), stock=item.stock)]
        return []

    def _next(self, said: list[str]) -> Fill:
        lang = self.ctx.language
        if self.qty_for is not None:
            self.sub = "qty"
            q = self.ctx.say("order_qty", item=self.qty_for.say(lang))
            return Fill(None, (*said, q), asks=True)
        self.sub = "more"
        noted = self.ctx.say("order_noted", lines=self._say_lines())
        return Fill(None, (*said, noted, self.ctx.say("order_more")), asks=True)

    async def fill(self, slot: str, u: Utterance, strict: bool) -> Fill | None:
        if slot != "items":
            return await super().fill(slot, u, strict)
        if strict:
            said, found = self._add(u)
            if not found:
                return None
            if "items" in self.values and self.qty_for is None:
                return Fill(self._lines(), tuple(said))  # a correction at the read-back
            return self._next(said)
        if self.sub == "qty" and self.qty_for is not None:
            qty = _quantity(u)
            if qty is None:
                return None
            item, self.qty_for = self.qty_for, None
            return self._next(self._set(item, qty))
        said, found = self._add(u)
        if found:
            return self._next(said)
        if self.sub == "more" and u.yes is True and not _leftover(u):
            self.sub = "what"
            return Fill(None, (self.ctx.say("order_ask_more"),), asks=True)
        if u.yes is False and self.lines:
            return Fill(self._lines())
        if _leftover(u) and (u.yes is None or self.sub == "more"):
            text = self.ctx.say(
                "order_unknown", examples=examples(self.ctx.profile, self.ctx.language)
            )
            return Fill(None, (text, self.ctx.say("order_ask_more" if self.lines else "order_ask")),
                        asks=True)  # fmt: skip
        return None

    async def begin(self, u: Utterance | None) -> Step:
        if not self.ctx.profile.catalogue:  # nothing to sell by phone: a call back
            topic = u.text if u is not None else self.summary()
            flow = MessageFlow(self.ctx, "callback", reason="order", topic=topic)
            return Step([self.ctx.say("order_by_callback")], done=True, then=flow)
        return await super().begin(u)

    async def handle(self, u: Utterance) -> Step:
        if self.pending == "items" and not self.lines and u.yes is False and self.sub != "qty":
            return Step([self.ctx.say("order_empty")], done=True)
        return await super().handle(u)

    def _lines(self) -> tuple[OrderLine, ...]:
        biz = self.ctx.profile.language
        return tuple(
            OrderLine(item.sku, item.name, qty, item.unit.get(biz), item.price,
                      max(0, qty - item.stock) if item.stock is not None else 0)
            for item, qty in self.lines.values()
        )  # fmt: skip

    def _say_lines(self) -> str:
        lang = self.ctx.language
        return say_list([say_line(i, q, lang) for i, q in self.lines.values()], lang, "and")

    def readback(self) -> str:
        prices = [(i.price, q) for i, q in self.lines.values()]
        total = ""
        if prices and all(p is not None for p, _ in prices):
            amount = sum((Decimal(p or 0) * q for p, q in prices), Decimal(0))
            total = self.ctx.say("order_total", amount=say_money(amount, self.ctx.language))
        phone = say_phone(str(self.values["phone"]))
        return self.ctx.say(
            "order_readback",
            lines=self._say_lines(),
            total=total,
            name=self.values["name"],
            phone=phone,
        )

    async def commit(self) -> Step:
        await self.ctx.perform(
            Save(Order(self._lines(), str(self.values["name"]), str(self.values["phone"])))
        )
        return Step([self.ctx.say("order_done")], done=True)

    def summary(self) -> str:
        label = "Bestellung" if self.ctx.profile.language == "de" else "Order"
        lines = ", ".join(f"{q} x {i.name}" for i, q in self.lines.values())
        return f"{label}: {lines}" if lines else label


_NOT_PRODUCT = word_set(
    "ja gerne gern bitte noch auch etwas was dazu und also äh ähm ok okay genau doch "
    "yes please also some more and too yeah sure"
)


def _leftover(u: Utterance) -> bool:
    """Whether ``u`` says more than yes/please ('ja, noch Gartenschläuche')."""
    return any(w not in _NOT_PRODUCT for w in u.norm.split())


def _quantity(u: Utterance) -> int | None:
    """The first positive whole number in ``u`` ('drei', '3', 'ein')."""
    return next((n for t in u.norm.split() if (n := number(t)) is not None and n > 0), None)
