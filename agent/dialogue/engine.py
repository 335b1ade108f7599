"""The dialogue engine: one per call. Text, keys and silence in; a :class:`Turn` out.

What the caller says is read for its meaning first and for the running flow second.
Rules, in the order they apply to each utterance:

1. a real emergency (by meaning, :mod:`agent.understanding.emergencies`) takes over at
   once; any hint of gas gets the safety advice before anything else;
2. an upset caller, or one asking for a person, is handed over (put through during
   office hours, else a message is taken), with the reason as it is;
3. a goodbye ends the call (a greeting never does: "Servus, ich bräucht an Termin");
4. "wie bitte?", "sind Sie ein Mensch?", "wird das aufgezeichnet?" are answered, and
   the pending question is asked again;
5. a running flow gets what answers its pending question (each slot has a validator);
   a question of the caller's own is answered from the profile (or noted for the call
   back) and the pending question is asked again; a new request switches topic, and
   the unfinished flow is offered again afterwards ("Wollen wir mit dem Termin
   weitermachen?");
6. otherwise the request starts its flow; two failed understandings in a row hand
   over, with everything the caller said.

After a real emergency after hours the caller may be kept on the line while the
technician is called (``Turn.hold_for_technician``): then every utterance, key and
silence gets a short reassurance, a goodbye ends the call, and ``on_escalation_end``
tells the caller who took it (or that we keep trying) and ends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from agent.actions.calendar import Calendar, InMemoryCalendar
from agent.actions.records import InMemoryRecordStore, RecordStore
from agent.domain import Handover
from agent.profile import BusinessProfile, Language
from agent.understanding.emergencies import Detection, detect
from agent.understanding.nlu import NluBackend

from . import values
from .answers import answer
from .answers.about import about_assistant
from .caller_text import tidy
from .catalogue import find_mentions
from .context import FlowContext
from .cues import (
    asks_for_person,
    changes_topic,
    is_closing,
    is_goodbye,
    is_greeting,
    is_pause,
    is_question,
    is_thanks,
    is_upset,
    normalize,
    only_greeting,
    strip_words,
    wants_repeat,
)
from .flows import EmergencyFlow, Flow, HandoverFlow, flow_for
from .flows.appointment import match_type
from .flows.base import Step
from .flows.emergency import hold_bye, hold_end, hold_wait
from .flows.faq import is_generic
from .requests import hinted_intent, request_intent, wants_callback
from .state import DialogueState
from .summary import handover_summary
from .turn import End, Turn
from .understand import understand
from .utterance import Utterance

log = logging.getLogger(__name__)

Reply = tuple[list[str], End | None]
SWITCH_CONFIDENCE = 0.8
#: A problem that is no emergency goes to the next working day, unless the caller asks
#: for this in so many words ("einen Termin, der Abfluss ist verstopft").
_ASKED_FOR = ("book_appointment", "request_quote", "place_order", "faq")
_REQUEST_WORDS = ("appointment", "quote", "order_words")


def _follow_up(u: Utterance) -> bool:
    """'und bar geht auch?': a question that leans on the one before."""
    toks = u.norm.split()
    return len(toks) >= 2 and toks[0] in ("und", "and", "aber", "but", "also", "auch")


def _names_topic(u: Utterance, flow: Flow) -> bool:
    """'Gut, dann weiter mit der Bestellung': only the way back to ``flow``."""
    rest = strip_words(u.norm, u.language, "yes", "fillers", "resume_words")
    topic = set(normalize(flow.topic()).split())
    return all(w in topic for w in rest.split())


class DialogueEngine:
    def __init__(
        self,
        profile: BusinessProfile,
        nlu: NluBackend,
        *,
        calendar: Calendar | None = None,
        records: RecordStore | None = None,
        clock: Callable[[], datetime] | None = None,
        language: Language | None = None,
        caller_number: str | None = None,
        call_id: str | None = None,
        threshold: float = 0.5,
    ) -> None:
        clock = clock or (lambda: datetime.now(profile.tz))
        self.ctx = FlowContext(
            profile=profile,
            language=language or profile.language,
            clock=clock,
            calendar=calendar or InMemoryCalendar(profile, clock),
            records=records or InMemoryRecordStore(),
            caller_number=caller_number,
            call_id=call_id,
        )
        self.nlu = nlu
        self.threshold = threshold
        self.state = DialogueState()

    @property
    def ended(self) -> End | None:
        return self.state.ended

    @property
    def holding(self) -> bool:
        """The caller waits on the line for the technician (see ``on_escalation_end``)."""
        return self.state.hold is not None

    # -- events -------------------------------------------------------------------------

    async def start(self) -> Turn:
        texts = self.ctx.profile.texts
        replies = [texts.greeting.get(self.ctx.language)]
        if texts.privacy_notice is not None:
            replies.append(texts.privacy_notice.get(self.ctx.language))
        turn = self._finish((replies, None))
        # The privacy notice must be heard: speech over it waits until it has been said.
        turn.interruptible = texts.privacy_notice is None
        return turn

    async def on_text(self, text: str) -> Turn:
        if self.state.ended:
            return Turn(end=self.state.ended)
        text = tidy(text)
        if not text:
            return await self.on_silence()
        self.state.silence = 0
        self.state.caller_turns += 1
        self.state.history.append(("caller", text))
        u = await understand(self.nlu, self.ctx, text, self.threshold)
        if self.state.hold is not None:
            return self._finish(self._while_holding(u))
        return self._finish(await self._guarded(u))

    async def on_dtmf(self, digit: str) -> Turn:
        if self.state.ended:
            return Turn(end=self.state.ended)
        self.state.silence = 0
        self.state.history.append(("caller", f"[DTMF {digit}]"))
        if self.state.hold is not None:
            return self._finish(self._while_holding(None))
        flow = self.state.flow
        waiting = flow.awaiting_yes_no() if flow else self.state.mode != "open"
        if waiting and digit in ("1", "2"):
            yes = digit == "1"
            u = Utterance("", "", "affirm" if yes else "deny", 1.0, yes=yes, dtmf=digit,
                          language=self.ctx.language)  # fmt: skip
            return self._finish(await self._guarded(u))
        hint = self.ctx.say("yes_no_hint" if waiting else "say_it")
        return self._finish(([hint, *self._question()], None))

    async def on_silence(self) -> Turn:
        if self.state.ended:
            return Turn(end=self.state.ended)
        if self.state.hold is not None:
            return self._finish(self._while_holding(None))
        self.state.silence += 1
        if self.state.silence == 1:
            return self._finish(([self.ctx.say("still_there"), *self._question()], None))
        if self.state.flow is not None and self.ctx.is_open() and not self.state.handed_over:
            return self._finish(await self._handover("silence", None))
        return self._finish(([self.ctx.say("silence_end")], "hangup"))

    async def on_escalation_end(
        self, acknowledged: bool, person: str | None, *, still_trying: bool = True
    ) -> Turn:
        """The technician took the emergency (``person`` pressed 1), or not: the caller
        waited ``caller_hold_s`` (``still_trying``), or nobody took it and everybody was
        notified in writing (``still_trying=False``). Tell the caller and end the call.
        An empty turn when the caller is not waiting."""
        hold = self.state.hold
        if hold is None or self.state.ended:
            return Turn()
        self.state.hold = None
        log.info(
            "escalation end told to the caller",
            extra={"call_id": self.ctx.call_id, "acknowledged": acknowledged},
        )
        return self._finish(
            ([hold_end(self.ctx, hold, acknowledged, person, still_trying)], "hangup")
        )

    def _while_holding(self, u: Utterance | None) -> Reply:
        """Waiting for the technician: reassure; never hand over; a goodbye ends politely."""
        hold = self.state.hold
        assert hold is not None
        if u is not None and (u.intent == "goodbye" or is_goodbye(u.norm, u.language)):
            self.state.hold = None
            return [hold_bye(self.ctx, hold)], "hangup"
        return [hold_wait(self.ctx, hold)], None

    # -- deciding -----------------------------------------------------------------------

    async def _guarded(self, u: Utterance) -> Reply:
        try:
            return await self._respond(u)
        except Exception:
            log.exception("dialogue failed in a turn", extra={"call_id": self.ctx.call_id})
            self.ctx.performed.clear()
            if self.ctx.is_open() and not self.state.handed_over:
                replies, end = await self._handover("error", None)
                return [self.ctx.say("failed"), *replies], end
            return [self.ctx.say("failed"), self.ctx.say("call_later")], "hangup"

    def _emergency(self, u: Utterance) -> Detection | None:
        if not u.text:
            return None
        if u.has("hypothetical") and is_question(u.standard, u.language):
            return None  # "habt ihr einen Notdienst, falls mal ein Rohr bricht?"
        ctx = self.ctx
        return detect(ctx.profile, u.reading, u.norm, ctx.lexicon())

    async def _respond(self, u: Utterance) -> Reply:
        ctx, state, flow = self.ctx, self.state, self.state.flow
        lang = u.language
        found = self._emergency(u)
        handling = isinstance(flow, EmergencyFlow) and flow.real is not False
        # heating out (still to be confirmed) does not cut a booking or a quote short
        busy = (
            found is not None
            and found.needs_confirming
            and (
                (flow is not None and not isinstance(flow, EmergencyFlow) and flow.accepts(u))
                or (flow is None and u.reading.any(("quote", "appointment")))
            )
        )
        if found is not None and found.real and not handling and not busy:
            return await self._start(EmergencyFlow(ctx, found), u)
        protected = isinstance(flow, EmergencyFlow) and bool(flow.real)
        first = state.caller_turns == 1
        if not protected and u.text and is_goodbye(u.norm, lang, first_turn=first):
            return [ctx.say("goodbye")], "hangup"
        if not state.handed_over and not protected and u.text:
            question = is_question(u.standard, lang)
            if is_upset(u.text, lang):
                return await self._handover("upset", u)
            bot_question = u.has("bot") and question and not u.has("talk")
            message = u.has("message_request")  # "richten Sie Herrn Müller aus, dass ..."
            if (asks_for_person(u.norm, lang) and not bot_question and not message) or (
                u.intent == "human_handover"
                and not wants_callback(u)
                and not is_question(u.standard, lang)
                and not u.has("bot")
            ):
                return await self._handover("asked", u)
        if u.text and wants_repeat(u.norm, lang) and state.last_replies:
            return list(state.last_replies), None
        if u.text and is_pause(u.norm, lang):
            return [ctx.say("take_your_time"), *self._question()], None
        about = about_assistant(ctx, u, None) if u.text else None
        if about is not None:
            return [*about.says, *self._question()], None
        if flow is not None:
            return await self._in_flow(u, flow, found)
        return await self._open(u, found)

    async def _in_flow(self, u: Utterance, flow: Flow, found: Detection | None) -> Reply:
        target = self._switch_target(u, flow)
        urgent = target in ("emergency", "privacy_request")
        if flow.sticky and not urgent and flow.accepts(u):  # a message: more words for it
            return await self._after(await flow.handle(u), flow)
        if target is not None and (changes_topic(u.text, u.language) or not flow.accepts(u)):
            return await self._route(target, u)  # "ach übrigens, ich bräuchte noch einen Termin"
        if flow.accepts(u):
            return await self._after(await flow.handle(u), flow)
        if u.text and is_question(u.standard, u.language):
            return self._side_question(u, flow)
        if found is not None and not isinstance(flow, EmergencyFlow):
            return await self._start(EmergencyFlow(self.ctx, found), u)
        return await self._after(await flow.handle(u), flow)

    def _side_question(self, u: Utterance, flow: Flow) -> Reply:
        """A question in the middle of a form: answered, or noted for the call back; then
        the pending question again. Never stored as an answer."""
        ctx = self.ctx
        if is_generic(u):  # "ich hätte erst eine Frage": nothing asked yet
            return [ctx.say("faq_ask")], None
        found = answer(ctx, u, appointment_type=flow.booking_type())
        if found is not None and not found.unsure:
            return [*found.says, *flow.question()], None
        flow.note(u.text)
        if found is not None:  # said what is known ("not on my list"), and noted
            return [*found.says, ctx.say("side_noted"), *flow.question()], None
        return [ctx.say("side_unknown"), *flow.question()], None

    def _intent(self, u: Utterance) -> str | None:
        items = bool(u.text) and bool(find_mentions(self.ctx.profile, u.norm))
        kinds = bool(u.text) and match_type(self.ctx, u) is not None
        return request_intent(u, items, kinds)

    def _switch_target(self, u: Utterance, flow: Flow) -> str | None:
        intent = self._intent(u)
        if intent is None or intent in flow.intents or intent == "faq":
            return None
        asked = is_question(u.standard, u.language) and not u.reading.any(
            ("quote", "order_words", "appointment", "callback", "cancel", "move")
        )
        if asked and intent in ("request_quote", "place_order", "book_appointment"):
            return None  # "was kostet eigentlich ein Spülkasten?" is a question on the way
        if intent in ("privacy_request", "job_application", "emergency"):
            return intent
        if changes_topic(u.text, u.language):
            return intent
        if flow.sticky:  # taking a message or a report: more words belong to it
            return None
        if u.main_intent == intent and u.confidence >= SWITCH_CONFIDENCE:
            return intent
        items = bool(find_mentions(self.ctx.profile, u.norm))
        question = is_question(u.standard, u.language)
        if not question and not flow.accepts(u) and hinted_intent(u, items) == intent:
            return intent  # "ich möchte einen Termin für eine Wartung" at "noch etwas?"
        return None

    async def _open(self, u: Utterance, found: Detection | None) -> Reply:
        """No flow is running: a request, or the answer to "anything else?"."""
        ctx, state = self.ctx, self.state
        lang = u.language
        if state.mode != "open":
            more = await self._more_answer(u)
            if more is not None:
                return more
        intent = self._intent(u)
        if found is not None and not (intent in _ASKED_FOR and u.reading.any(_REQUEST_WORDS)):
            intent = "emergency"  # a dripping tap: taken for the next working day
        if intent is None and state.mode == "anything_else" and _follow_up(u):
            intent = "faq"  # "und bar geht auch?" after an answer
        if intent is not None:
            return await self._route(intent, u)
        if u.text and (
            only_greeting(u.norm, lang) or (is_greeting(u.norm, lang) and len(u.norm.split()) <= 6)
        ):
            return [ctx.say("how_help")], None  # "Servus, hier ist der Huber" (not more)
        return await self._no_match(u)

    async def _more_answer(self, u: Utterance) -> Reply | None:
        """The answer to "Kann ich sonst noch etwas tun?" or "Wollen wir mit ...
        weitermachen?": a no or a closing, a bare yes, or a yes with the next request."""
        ctx, state = self.ctx, self.state
        closing = is_closing(u.norm, u.language) or (
            u.yes is None and is_thanks(u.norm, u.language) and values.yes_only(u)
        )
        if state.mode == "resume" and state.suspended:
            if u.yes is True or (u.yes is None and not closing and state.suspended[-1].accepts(u)
                                 and not values.yes_only(u)):  # fmt: skip
                flow = state.suspended.pop()
                state.flow = flow
                if values.beyond_yes(u) and flow.accepts(u) and not _names_topic(u, flow):
                    # "ja, das Budget wären ...", but not "gut, weiter mit der Bestellung"
                    return await self._after(await flow.handle(u), flow)
                return flow.question(), None
            if u.yes is False or closing:
                state.suspended.pop()
                if state.suspended:
                    topic = state.suspended[-1].topic()
                    return [ctx.say("ok"), ctx.say("resume", topic=topic)], None
                state.mode = "anything_else"
                return [ctx.say("ok"), ctx.say("anything_else")], None
            return None
        if (u.yes is False or closing) and not (values.beyond_yes(u) and self._intent(u)):
            return [ctx.say("goodbye")], "hangup"  # but "nein, aber noch einen Termin" goes on
        if u.yes is True and values.yes_only(u):
            state.mode = "open"
            return [ctx.say("what_else")], None
        return None

    async def _route(self, intent: str, u: Utterance) -> Reply:
        if intent == "human_handover":
            return await self._handover("asked", u)
        for n, old in enumerate(self.state.suspended):
            if intent in old.intents:  # back to the unfinished flow of that topic
                del self.state.suspended[n]
                self._suspend_current()
                self.state.flow = old
                return old.question(), None
        new = flow_for(intent, self.ctx, u)
        if new is None:
            return await self._no_match(u)
        return await self._start(new, u)

    def _suspend_current(self) -> None:
        flow = self.state.flow
        if flow is not None and flow.resumable:
            self.state.suspended.append(flow)
        self.state.flow = None

    async def _start(self, flow: Flow, u: Utterance | None, suspend: bool = True) -> Reply:
        if suspend:
            self._suspend_current()
        self.state.flow = flow
        self.state.mode = "open"
        return await self._after(await flow.begin(u), flow)

    async def _after(self, step: Step, flow: Flow) -> Reply:
        state, ctx = self.state, self.ctx
        replies = list(step.say)
        if not step.understood:
            state.no_match += 1
            if state.no_match >= 2 and not flow.handles_no_match and not state.handed_over:
                return await self._handover("no_match", None)
            hint = [ctx.say("yes_no_hint")] if flow.awaiting_yes_no() else []
            return [ctx.say("sorry"), *hint, *replies], None
        state.no_match = 0
        if isinstance(flow, EmergencyFlow) and flow.hold is not None:
            state.flow, state.hold = None, flow.hold  # wait for the technician
            state.suspended.clear()
            return replies, None
        if step.end is not None:
            state.flow = None
            return replies, step.end
        if step.then is not None:
            more, end = await self._start(step.then, None, suspend=False)
            return replies + more, end
        if step.done:
            state.flow = None
            if state.suspended:
                state.mode = "resume"
                replies.append(ctx.say("resume", topic=state.suspended[-1].topic()))
            else:
                state.mode = "anything_else"
                replies.append(ctx.say("anything_else"))
        return replies, None

    async def _no_match(self, u: Utterance | None) -> Reply:
        self.state.no_match += 1
        if u is not None and u.text:
            self.state.unclear.append(u.text)
        if self.state.no_match >= 2 and not self.state.handed_over:
            return await self._handover("no_match", None)
        return [self.ctx.say("sorry"), self.ctx.say("capabilities")], None

    async def _handover(self, reason: str, u: Utterance | None) -> Reply:
        summary = handover_summary(self.ctx, self.state, reason)
        unclear = list(self.state.unclear) if reason == "no_match" else []
        self.state.handed_over = True
        self.state.suspended.clear()
        self.state.flow = None
        flow = HandoverFlow(self.ctx, reason, summary, unclear=unclear)
        return await self._start(flow, u, suspend=False)

    def _question(self) -> list[str]:
        if self.state.flow is not None:
            return self.state.flow.question()
        if self.state.mode == "resume" and self.state.suspended:
            return [self.ctx.say("resume", topic=self.state.suspended[-1].topic())]
        return [self.ctx.say("anything_else" if self.state.mode != "open" else "how_help")]

    def _finish(self, reply: Reply) -> Turn:
        replies, end = reply
        actions = list(self.ctx.performed)
        self.ctx.performed.clear()
        handover = next((a for a in actions if isinstance(a, Handover)), None)
        if end is not None:
            self.state.ended = end
        self.state.last_replies = replies
        self.state.history += [("assistant", r) for r in replies]
        holding = self.state.hold is not None and end is None
        return Turn(replies, actions, end, handover.summary if handover else None,
                    hold_for_technician=holding)  # fmt: skip
