"""Questions about the business, answered only from the profile; otherwise said so, a
call back offered, and the question kept word for word for the office."""

from __future__ import annotations

from .. import values
from ..answers import answer
from ..context import FlowContext
from ..cues import is_closing, is_question, strip_words, word_set
from ..utterance import Utterance
from .base import Flow, Step
from .message import MessageFlow

#: Words of "I have a question" without the question itself.
_GENERIC = word_set(
    "ich hätte habe hab noch eine kurze frage fragen mal vorher zuerst erst moment eigentlich "
    "bitte ja also äh ähm gleich dazu a ne hätt wollte möchte i have got a quick question "
    "first one more actually wait before that servus hallo grüß gott moin guten tag morgen "
    "hello hi"
)


def is_generic(u: Utterance) -> bool:
    rest = strip_words(u.norm, u.language, "greeting", "greeting_or_goodbye", "fillers")
    return len([w for w in rest.split() if w not in _GENERIC]) == 0


class FaqFlow(Flow):
    name = "faq"
    intents = frozenset({"faq", "order_status", "invoice_request"})
    resumable = False

    def __init__(self, ctx: FlowContext) -> None:
        super().__init__(ctx)
        self.state = "question"
        self.asked_about = ""

    def awaiting_yes_no(self) -> bool:
        return self.state == "offer_callback"

    def accepts(self, u: Utterance) -> bool:
        if self.state == "question":
            return u.main_intent is None or u.main_intent in self.intents
        # after "Soll ein Mitarbeiter Sie zurückrufen?" another question (or the same one
        # heard better) is answered in place of the offer, not beside it
        return u.yes is not None or (bool(u.text) and is_question(u.standard, u.language))

    async def begin(self, u: Utterance | None) -> Step:
        if u is None or is_generic(u):
            self.asked = [self.ctx.say("faq_ask")]
            return Step(list(self.asked))
        return self._answer(u)

    def _answer(self, u: Utterance) -> Step:
        unknowable = u.intent in ("order_status", "invoice_request")
        found = None if unknowable else answer(self.ctx, u, asked=True)
        if found is not None and not found.unsure:
            return Step(list(found.says), done=True)
        self.state = "offer_callback"
        self.asked_about = u.text.strip()
        self.asked = [self.ctx.say("faq_offer_callback")]
        said = list(found.says) if found is not None else [self.ctx.say("faq_unknown")]
        return Step([*said, *self.asked])

    async def handle(self, u: Utterance) -> Step:
        if self.state == "question":
            if is_generic(u):
                return Step(self.question(), understood=False)
            return self._answer(u)
        if u.yes is True:
            flow = MessageFlow(
                self.ctx, "callback", reason="faq_unanswered", topic=self.asked_about
            )
            return Step(done=True, then=flow)
        if is_closing(u.norm, u.language):  # "nein danke, das war's": nothing else either
            return Step([self.ctx.say("goodbye")], done=True, end="hangup")
        if u.yes is False:
            return Step([self.ctx.say("ok")], done=True)
        if is_question(u.text, u.language):
            return self._answer(u)
        more = values.free_text(u)
        if more and len(more.split()) >= 3:  # says more about it: that is a yes
            topic = f"{self.asked_about} {more}".strip()
            return Step(
                done=True,
                then=MessageFlow(self.ctx, "callback", reason="faq_unanswered", topic=topic),
            )
        return Step(self.question(), understood=False)

    def summary(self) -> str:
        label = "Frage" if self.ctx.profile.language == "de" else "Question"
        return f"{label}: {self.asked_about}" if self.asked_about else ""
