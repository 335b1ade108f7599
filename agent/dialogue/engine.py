"""The dialogue engine: one per call. Text, keys and silence in; a :class:`Turn` out.

Rules, in the order they apply to each utterance:

1. a real emergency (the profile's keywords) takes over at once;
2. an upset caller, or one asking for a person, is handed over (transfer during office
   hours, else a message is taken);
3. a new main intent mid-flow switches topic when the flow cannot use the utterance, the
   caller signals a change ("eigentlich", "vorher noch eine Frage") or asks a question;
   the unfinished flow is offered again afterwards ("Wollen wir mit dem Termin
   weitermachen?");
4. otherwise the current flow gets it (slot answers, confirmations, corrections);
5. two failed understandings in a row hand over.

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
from agent.understanding.nlu import NluBackend

from .context import FlowContext
from .cues import changes_topic, is_goodbye, is_question, is_upset
from .flows import EmergencyFlow, Flow, HandoverFlow, detect_emergency, flow_for
from .flows.base import Step
from .flows.emergency import hold_bye, hold_end, hold_wait
from .flows.faq_match import answers
from .state import DialogueState
from .summary import handover_summary
from .turn import End, Turn
from .understand import understand
from .utterance import Utterance

log = logging.getLogger(__name__)

Reply = tuple[list[str], End | None]
SWITCH_CONFIDENCE = 0.8


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
        if not text.strip():
            return await self.on_silence()
        self.state.silence = 0
        self.state.history.append(("caller", text.strip()))
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
            u = Utterance("", "", "affirm" if yes else "deny", 1.0, yes=yes, dtmf=digit)
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
        if u is not None and (u.intent == "goodbye" or is_goodbye(u.norm)):
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

    async def _respond(self, u: Utterance) -> Reply:
        ctx, state, flow = self.ctx, self.state, self.state.flow
        emergency = detect_emergency(ctx.profile, u.norm) if u.text else None
        if emergency and emergency.real and not isinstance(flow, EmergencyFlow):
            return await self._start(EmergencyFlow(ctx, emergency), u)
        protected = isinstance(flow, EmergencyFlow) and flow.real
        if not state.handed_over and not protected:
            if u.text and is_upset(u.text):
                return await self._handover("upset", u)
            if u.intent == "human_handover":
                return await self._handover("asked", u)
        leaving = u.intent == "goodbye" and (flow is None or not flow.accepts(u))
        if (leaving or is_goodbye(u.norm)) and not protected:
            return [ctx.say("goodbye")], "hangup"
        if u.intent == "repeat":
            return list(state.last_replies), None
        if u.intent == "bot_challenge":
            return [ctx.say("bot", business=ctx.profile.name), *self._question()], None
        if flow is not None:
            target = self._switch_target(u, flow)
            if target is None:
                return await self._after(await flow.handle(u), flow)
            return await self._route(target, u)
        intent = u.main_intent
        if intent is None and emergency is not None:
            intent = "emergency"  # a dripping tap: taken for the next working day
        if intent is None and u.text and is_question(u.text):
            intent = "faq"  # any question: answered from the profile, or a call back offered
        if state.mode != "open" and u.yes is not None and intent is None:
            return await self._mode_answer(u.yes)
        if intent is not None:
            return await self._route(intent, u)
        if u.intent == "greet":
            return [ctx.say("how_help")], None
        return await self._no_match()

    def _switch_target(self, u: Utterance, flow: Flow) -> str | None:
        intent = u.main_intent
        if intent is None or intent in flow.intents:
            return None
        if intent == "emergency" or changes_topic(u.text):
            return intent
        if intent == "faq" and is_question(u.text):
            known = answers(self.ctx.profile, u.norm, self.ctx.language)
            if known or not flow.accepts(u):  # "und wie sind Ihre Öffnungszeiten?"
                return intent
        if not flow.accepts(u) and u.confidence >= SWITCH_CONFIDENCE:
            return intent
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
            return await self._no_match()
        return await self._start(new, u)

    def _suspend_current(self) -> None:
        if self.state.flow is not None:
            self.state.suspended.append(self.state.flow)
            self.state.flow = None

    async def _start(self, flow: Flow, u: Utterance | None, suspend: bool = True) -> Reply:
        if suspend:
            self._suspend_current()
        self.state.flow = flow
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

    async def _mode_answer(self, yes: bool) -> Reply:
        state, ctx = self.state, self.ctx
        if state.mode == "resume" and state.suspended:
            flow = state.suspended.pop()
            if yes:
                state.flow = flow
                return flow.question(), None
            state.mode = "anything_else" if not state.suspended else "resume"
            nxt = (ctx.say("resume", topic=state.suspended[-1].topic()) if state.suspended
                   else ctx.say("anything_else"))  # fmt: skip
            return [ctx.say("ok"), nxt], None
        if yes:
            state.mode = "open"
            return [ctx.say("what_else")], None
        return [ctx.say("goodbye")], "hangup"

    async def _no_match(self) -> Reply:
        self.state.no_match += 1
        if self.state.no_match >= 2 and not self.state.handed_over:
            return await self._handover("no_match", None)
        return [self.ctx.say("sorry"), self.ctx.say("capabilities")], None

    async def _handover(self, reason: str, u: Utterance | None) -> Reply:
        summary = handover_summary(self.ctx, self.state, reason)
        self.state.handed_over = True
        self.state.suspended.clear()
        self.state.flow = None
        return await self._start(HandoverFlow(self.ctx, reason, summary), u, suspend=False)

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
        summary = next((a.summary for a in actions if isinstance(a, Handover)), None)
        if end is not None:
            self.state.ended = end
        self.state.last_replies = replies
        self.state.history += [("assistant", r) for r in replies]
        holding = self.state.hold is not None and end is None
        return Turn(replies, actions, end, summary, hold_for_technician=holding)
