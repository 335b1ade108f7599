"""Taking an order: products and quantities from the catalogue, read back, confirm.

The list grows until the caller closes it in any natural way ("das war's", "mehr
brauch ich nicht", "passt so", "nein danke"). Items that are not in the catalogue are
named back; when stock is short the caller chooses between what is there and all of it
with the rest reordered. A question on the way ("was kostet so ein Ventil?") is
answered by the engine, never taken as an order line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from agent.domain import Order, OrderLine, Save
from agent.profile import CatalogueItem

from .. import values
from ..catalogue import examples, ignorable, number, say_line, unknown_items, wanted_items
from ..context import FlowContext
from ..cues import any_phrase, is_closing, is_question, strip_words
from ..say import say_list, say_money, say_phone
from ..utterance import Utterance
from .base import Fill, SlotFlow, Step
from .message import MessageFlow

_CHANGE = ("doch lieber", "lieber", "doch", "stattdessen", "nein", "korrigier", "ändern",
           "instead", "make that", "actually", "rather")  # fmt: skip
_ALL = ("alle", "alles", "komplett", "die ganzen", "trotzdem", "all", "all of them", "the lot",
        "everything", "anyway", "nachbestellen", "reorder")  # fmt: skip
_ONLY = ("nur", "dann nur", "bloß", "die da sind", "was da ist", "vorrätig", "just", "only",
         "what you have", "in stock")  # fmt: skip


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
        self.sub = "what"  # what | qty | stock | more
        self.qty_for: CatalogueItem | None = None
        self.short: tuple[CatalogueItem, int] | None = None  # (item, wanted) over stock
        self.last: CatalogueItem | None = None

    def ask(self, slot: str) -> list[str]:
        if slot == "items":
            self.sub = "what"
            return [self.ctx.say("order_ask_more" if self.lines else "order_ask")]
        return super().ask(slot)

    def awaiting_yes_no(self) -> bool:
        return (self.pending == "items" and self.sub in ("more", "stock")) or (
            super().awaiting_yes_no()
        )

    def awaiting_more(self) -> bool:
        return self.pending == "items" and self.sub == "more"

    def _is_question(self, u: Utterance) -> bool:
        return is_question(u.standard, u.language) and not any_phrase(
            u.norm, ("bestellen", "hätte gern", "nehme", "order", "i d like", "i would like")
        )

    def accepts(self, u: Utterance) -> bool:
        if self.pending == "items":
            if self._is_question(u):
                return False
            other = u.reading.any(("appointment", "quote", "callback", "message_request"))
            items = bool(wanted_items(self.ctx.profile, u.norm))
            if other and not items:  # "ich möchte einen Termin": another request
                return (u.yes is not None and values.yes_only(u)) or is_closing(u.norm, u.language)
            return (
                items
                or u.yes is not None
                or is_closing(u.norm, u.language)
                or (self.sub in ("qty", "stock", "more") and _quantity(u) is not None)
                or (self.sub == "stock" and any_phrase(u.norm, (*_ALL, *_ONLY)))
                or (self.sub == "more" and values.person_name(u) is not None)
                or (not other and bool(self._unknown(u)))
            )
        return super().accepts(u)

    def _unknown(self, u: Utterance) -> list[str]:
        return unknown_items(self.ctx.profile, u.norm, ignore=ignorable(u.language))

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
            self.last = w.item if not w.remove else self.last
        unknown = self._unknown(u)
        if unknown:
            named = say_list([_cap(x) for x in unknown], self.ctx.language, "and")
            said.append(self.ctx.say("order_not_carried", items=named))
        return said, bool(wanted) or bool(unknown)

    def _set(self, item: CatalogueItem, qty: int) -> list[str]:
        if item.stock is not None and qty > item.stock and self.short is None:
            self.short = (item, qty)
            self.lines[item.sku] = (item, qty)
            return []
        self.lines[item.sku] = (item, qty)
        return []

    def _next(self, said: list[str]) -> Fill:
        lang = self.ctx.language
        if self.short is not None:
            item, qty = self.short
            self.sub = "stock"
            q = self.ctx.say("order_stock", item=item.say(lang), stock=item.stock, qty=qty)
            return Fill(None, (*said, q), asks=True)
        if self.qty_for is not None:
            self.sub = "qty"
            item = self.qty_for
            q = self.ctx.say("order_qty", item=item.say(lang), unit=item.unit_plural.get(lang))
            return Fill(None, (*said, q), asks=True)
        if not self.lines:
            self.sub = "what"
            more = [self.ctx.say("order_examples", examples=examples(self.ctx.profile, lang))]
            return Fill(None, (*said, *more, self.ctx.say("order_ask")), asks=True)
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
            if "items" in self.values and self.qty_for is None and self.short is None:
                return Fill(self._lines(), tuple(said))  # a correction at the read-back
            return self._next(said)
        if self.sub == "stock" and self.short is not None:
            return self._stock_answer(u)
        if self.sub == "qty" and self.qty_for is not None:
            qty = _quantity(u)
            if qty is None:
                return None
            item, self.qty_for = self.qty_for, None
            return self._next(self._set(item, qty))
        closing = is_closing(u.norm, u.language) or u.yes is False
        if closing and self.lines:  # "nee danke, das reicht"; "dann nur die Ventile, des wars"
            return self._close(u)
        if wanted_items(self.ctx.profile, u.norm):
            return self._next(self._add(u)[0])
        if self.sub == "more" and u.yes is True and values.yes_only(u):
            self.sub = "what"
            return Fill(None, (self.ctx.say("order_ask_more"),), asks=True)
        qty = _quantity(u)
        unknown = self._unknown(u)
        known = self.last is not None and self.last.sku in self.lines
        change = any_phrase(u.norm, _CHANGE) or (self.sub == "more" and not unknown)
        if qty is not None and known and change and self.last is not None:
            return self._next(self._set(self.last, qty))  # "doch lieber vier"
        name = values.person_name(u) if self.sub == "more" else None
        if name is not None and self.lines:  # the list is done, here is the name
            self.values["name"] = name
            self.ctx.known["name"] = name
            return Fill(self._lines())
        said, found = self._add(u)
        return self._next(said) if found else None

    def _close(self, u: Utterance) -> Fill:
        """A closing, perhaps with the last items: new ones (with a quantity) are added,
        "nur die Ventile" keeps only those; a "nicht" of the closing removes nothing."""
        rest = strip_words(u.norm, u.language, "closing", "no_phrases", "thanks")
        wanted = [w for w in wanted_items(self.ctx.profile, rest) if not w.remove]
        if wanted and any_phrase(rest, _ONLY):
            named = {w.item.sku for w in wanted}
            self.lines = {k: v for k, v in self.lines.items() if k in named}
        for w in wanted:
            if w.quantity is not None or w.item.sku not in self.lines:
                if w.quantity is None:
                    self.qty_for = w.item
                else:
                    self._set(w.item, w.quantity)
        if self.qty_for is not None or self.short is not None:
            return self._next([])
        return Fill(self._lines())

    def _stock_answer(self, u: Utterance) -> Fill | None:
        assert self.short is not None
        item, wanted = self.short
        stock = item.stock or 0
        qty = _quantity(u)
        if any_phrase(u.norm, _ONLY) or qty == stock:
            chosen = stock
        elif any_phrase(u.norm, _ALL) or qty == wanted or u.yes is True:
            chosen = wanted
        elif qty is not None:
            chosen = qty
        elif u.yes is False:
            chosen = stock
        else:
            return None
        self.short = None
        self.lines[item.sku] = (item, chosen)
        return self._next([])

    async def begin(self, u: Utterance | None) -> Step:
        if not self.ctx.profile.catalogue:  # nothing to sell by phone: a call back
            topic = u.text if u is not None else self.summary()
            flow = MessageFlow(self.ctx, "callback", reason="order", topic=topic)
            return Step([self.ctx.say("order_by_callback")], done=True, then=flow)
        return await super().begin(u)

    async def handle(self, u: Utterance) -> Step:
        empty = not self.lines and self.sub == "what"
        if self.pending == "items" and empty and (u.yes is False or is_closing(u.norm, u.language)):
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
        order = Order(self._lines(), str(self.values["name"]), str(self.values["phone"]),
                      note=self.questions_note())  # fmt: skip
        await self.ctx.perform(Save(order))
        return Step([self.ctx.say("order_done")], done=True)

    def summary(self) -> str:
        label = "Bestellung" if self.ctx.profile.language == "de" else "Order"
        lines = ", ".join(f"{q} x {i.name}" for i, q in self.lines.values())
        return f"{label}: {lines}" if lines else label


def _quantity(u: Utterance) -> int | None:
    """The first positive whole number in ``u`` ('drei', '3', 'ein')."""
    return next((n for t in u.norm.split() if (n := number(t)) is not None and n > 0), None)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
