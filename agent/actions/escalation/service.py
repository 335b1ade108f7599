"""The escalation service: from an emergency to a technician who pressed 1.

``start(request)`` stores the escalation (or joins the open one about the same
emergency) and makes the first call at once; further attempts follow the policy through
the scheduler; ``resume_unfinished()`` picks up whatever a dead process left behind.
A call waiting on the escalation passes ``on_finished`` and learns its end (see
``finish.py``); a caller who was not told on the line gets an SMS once a technician
took it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from agent.domain import StartEscalation
from agent.telephony.ari_client import AriClient, AriError
from agent.telephony.ari_events import StasisStart

from .caller import APP_ARG, CallResult, TechnicianCaller, channel_id_for
from .finish import EscalationEnd, FinishListener, Waiting, tell_all
from .model import Contact, EscalationRecord, NewEscalation
from .notify import Notifier, Purpose, notify_caller, notify_people
from .rota import call_order
from .scheduler import EscalationScheduler
from .settings import EscalationConfig, Ticket, contact, dedupe_key
from .state import FINAL, Outcome, State, next_step, state_after
from .store import EscalationStore
from .texts import call_texts, written_details

log = logging.getLogger(__name__)

#: The older interface: called with the escalation's id and who pressed 1.
AckListener = Callable[[uuid.UUID, str], Awaitable[None] | None]

__all__ = ["AckListener", "EscalationEnd", "EscalationService", "FinishListener"]


class EscalationService:
    def __init__(
        self,
        store: EscalationStore,
        caller: TechnicianCaller,
        notifier: Notifier,
        scheduler: EscalationScheduler,
        config: EscalationConfig,
        *,
        on_acknowledged: AckListener | None = None,
        on_ack_seconds: Callable[[float], None] | None = None,
    ) -> None:
        """``on_ack_seconds``: told how long each acknowledged emergency waited, from its
        report to the technician's key (the metrics' histogram)."""
        self.store = store
        self._caller = caller
        self._notifier = notifier
        self._scheduler = scheduler
        self.config = config
        self.owner = f"agent-{uuid.uuid4().hex[:12]}"
        self._on_ack = on_acknowledged
        self._on_ack_seconds = on_ack_seconds
        self._listeners: dict[uuid.UUID, list[AckListener]] = {}
        self._waiting: dict[uuid.UUID, list[Waiting]] = {}
        self._tasks: dict[tuple[uuid.UUID, int], asyncio.Task[None]] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._ari: AriClient | None = None

    # ---------------------------------------------------------------- lifecycle

    async def open(self, ari: AriClient) -> None:
        """Install the ARI handler, start the timers, resume unfinished escalations."""
        self._ari = ari
        self._unsubscribe = ari.on(StasisStart, self._on_stasis_start)
        self._scheduler.start(self.run_attempt)
        await self.resume_unfinished()

    def active_channels(self) -> frozenset[str]:
        """ARI channels of running technician calls (for the call controller's resync)."""
        return self._caller.active_channels

    async def close(self) -> None:
        """Stop timers and running calls; what was unfinished resumes on the next start."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._scheduler.shutdown()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -------------------------------------------------------------- public API

    async def start(
        self,
        request: StartEscalation,
        *,
        call_id: uuid.UUID | None = None,
        request_id: uuid.UUID | None = None,
        on_acknowledged: AckListener | None = None,
        on_finished: FinishListener | None = None,
    ) -> Ticket:
        """Start an escalation for ``request`` or join the one already open for it.

        ``on_finished`` learns how it ended (at once if the joined one has ended); when
        it returns True for the call that started it, its caller gets no SMS."""
        now = datetime.now(UTC)
        people = tuple(
            contact(p) for p in call_order(self.config.on_call, now, self.config.timezone)
        )
        e = request.emergency
        at = e.created_at or now
        e = replace(e, created_at=at if at.tzinfo else at.replace(tzinfo=self.config.timezone))
        new = NewEscalation(
            emergency=e,
            people=people,
            dedupe_key=dedupe_key(e.kind, e.address, e.caller_number),
            language=self.config.language,
            call_id=call_id,
            request_id=request_id,
        )
        escalation_id, created = await self.store.create_or_join(new, self.config.join_window_s)
        extra = {"escalation_id": str(escalation_id), "joined": not created}
        log.info("escalation started" if created else "escalation joined", extra=extra)
        if on_acknowledged is not None:
            self._listeners.setdefault(escalation_id, []).append(on_acknowledged)
        if on_finished is not None:
            self._waiting.setdefault(escalation_id, []).append(Waiting(on_finished, created))
        if created:
            self._spawn(escalation_id, 0)
        else:
            await self._tell_if_ended(escalation_id)
        return Ticket(escalation_id, joined=not created)

    async def _tell_if_ended(self, escalation_id: uuid.UUID) -> None:
        """A joined escalation that has ended already: its listeners hear it at once."""
        rec = await self.store.get(escalation_id)
        if rec is None or rec.state not in FINAL:
            return
        for listener in self._listeners.pop(escalation_id, []):
            if rec.state is State.ACKNOWLEDGED:
                await _call(listener, escalation_id, rec.acknowledged_by or "")
        acknowledged = rec.state is State.ACKNOWLEDGED
        end = EscalationEnd(
            escalation_id, acknowledged, rec.acknowledged_by if acknowledged else None
        )
        await tell_all(self._waiting.pop(escalation_id, []), end)

    async def resume_unfinished(self) -> None:
        """Close the calls a dead process left running and re-arm every open escalation."""
        for attempt in await self.store.unfinished_attempts(self.owner):
            if attempt.channel_id and self._ari is not None:
                with contextlib.suppress(AriError):
                    await self._ari.hangup(attempt.channel_id)
            rec = await self.store.get(attempt.escalation_id)
            if rec is not None:
                who = Contact(attempt.person, attempt.phone)
                lost = CallResult(Outcome.FAILED, "agent restarted")
                await self._after(rec, attempt.attempt_no, who, lost, retry_now=True)
        for rec in await self.store.acknowledged_without_notice():
            taker = [p for p in rec.people if p.name == rec.acknowledged_by]
            await self._notify(rec, taker, "acknowledged")  # died between the key and the SMS
        if self.config.caller_sms:
            for rec in await self.store.acknowledged_caller_not_told():
                await notify_caller(  # died before the caller heard it or got the SMS
                    self._notifier, rec, rec.acknowledged_by or "", self.config.business_name
                )
        for rec in await self.store.recent(open_only=True, limit=1000):
            if rec.state is State.CALLING:
                continue  # our own call, running
            step = next_step(rec.attempts_made, len(rec.people), self.config.policy)
            if step is None:
                await self._exhaust(rec)
                continue
            at = rec.next_attempt_at or datetime.now(UTC)
            self._scheduler.schedule(rec.id, step.attempt_no, at)
        log.info("escalations resumed", extra={"owner": self.owner})

    async def run_attempt(self, escalation_id: uuid.UUID, attempt_no: int) -> None:
        """Make attempt ``attempt_no`` unless it was made already (idempotent)."""
        key = (escalation_id, attempt_no)
        running = self._tasks.get(key)
        if running is not None and asyncio.current_task() is not running:
            return
        rec = await self.store.get(escalation_id)
        if rec is None or rec.state in FINAL:
            return
        step = next_step(attempt_no, len(rec.people), self.config.policy)
        if step is None:
            await self._exhaust(rec)
            return
        person = rec.people[step.person_index]
        if not await self.store.claim_attempt(escalation_id, attempt_no, person, self.owner):
            return
        await self.store.attempt_progress(
            escalation_id, attempt_no, channel_id=channel_id_for(escalation_id, attempt_no)
        )

        async def answered() -> None:
            await self.store.attempt_progress(
                escalation_id, attempt_no, answered_at=datetime.now(UTC)
            )

        texts = call_texts(rec, self.config.business_name, self.config.timezone)
        result = await self._caller.call(
            escalation_id, attempt_no, person.phone, texts, self.config.policy, answered
        )
        await self._after(rec, attempt_no, person, result)

    # --------------------------------------------------------------- internals

    def _spawn(self, escalation_id: uuid.UUID, attempt_no: int) -> None:
        key = (escalation_id, attempt_no)
        task = asyncio.create_task(
            self._guarded(escalation_id, attempt_no),
            name=f"escalation-{escalation_id}-{attempt_no}",
        )
        self._tasks[key] = task
        task.add_done_callback(lambda _: self._tasks.pop(key, None))

    async def _guarded(self, escalation_id: uuid.UUID, attempt_no: int) -> None:
        try:
            await self.run_attempt(escalation_id, attempt_no)
        except Exception:
            log.exception(
                "escalation attempt failed; the start-up sweep will resume it",
                extra={"escalation_id": str(escalation_id)},
            )

    async def _after(
        self,
        rec: EscalationRecord,
        attempt_no: int,
        person: Contact,
        result: CallResult,
        *,
        retry_now: bool = False,
    ) -> None:
        extra = {
            "escalation_id": str(rec.id),
            "attempt": attempt_no,
            "outcome": result.outcome.value,
        }
        if result.outcome is Outcome.ACKNOWLEDGED:
            await self.store.finish_attempt(
                rec.id,
                attempt_no,
                result.outcome,
                result.detail,
                new_state=State.ACKNOWLEDGED,
                next_attempt_at=None,
                acknowledged_by=person.name,
            )
            log.info("escalation acknowledged", extra=extra)
            if self._on_ack_seconds is not None:
                self._on_ack_seconds((datetime.now(UTC) - rec.created_at).total_seconds())
            await self._acknowledged(rec, person)
            return
        step = next_step(attempt_no + 1, len(rec.people), self.config.policy)
        at = None
        if step is not None:
            delay = 0.0 if retry_now else step.delay_s
            at = datetime.now(UTC) + timedelta(seconds=delay)
        moved = await self.store.finish_attempt(
            rec.id,
            attempt_no,
            result.outcome,
            result.detail,
            new_state=state_after(result.outcome),
            next_attempt_at=at,
            acknowledged_by=None,
        )
        log.info("escalation attempt ended", extra=extra)
        if not moved:
            return
        if step is None:
            await self._exhaust(rec)
        elif at is not None:
            self._scheduler.schedule(rec.id, step.attempt_no, at)

    async def _acknowledged(self, rec: EscalationRecord, person: Contact) -> None:
        """The caller (they may be waiting on the line) and the technician's SMS / e-mail
        at once, then, unless the caller heard it, the caller's SMS."""
        end = EscalationEnd(rec.id, acknowledged=True, person=person.name)
        # A caller on the line is told at once; a listener's answer may take until the
        # caller has heard it to the end, so the technician's details go out meanwhile.
        telling = asyncio.create_task(tell_all(self._waiting.pop(rec.id, []), end))
        for listener in [self._on_ack, *self._listeners.pop(rec.id, [])]:
            if listener is not None:
                await _call(listener, rec.id, person.name)
        await self._notify(rec, [person], "acknowledged")
        told = await telling
        if told:
            await self.store.mark_caller_told(rec.id)
        if not told and self.config.caller_sms and rec.emergency.caller_number:
            await notify_caller(self._notifier, rec, person.name, self.config.business_name)

    async def _exhaust(self, rec: EscalationRecord) -> None:
        """Nobody took it: SMS and e-mail to everybody, then the escalation is closed."""
        await self._notify(rec, list(rec.people), "exhausted")
        if await self.store.exhaust(rec.id):
            log.warning(
                "escalation exhausted: nobody took it", extra={"escalation_id": str(rec.id)}
            )
        self._listeners.pop(rec.id, None)
        end = EscalationEnd(rec.id, acknowledged=False, person=None)
        await tell_all(self._waiting.pop(rec.id, []), end)

    async def _notify(self, rec: EscalationRecord, people: list[Contact], purpose: Purpose) -> None:
        body = written_details(rec, self.config.timezone)
        await notify_people(self._notifier, rec.id, rec.emergency.kind, body, people, purpose)

    async def _on_stasis_start(self, event: StasisStart) -> None:
        """A technician's call left behind by a dead process (not ours): hang it up."""
        if not event.args or event.args[0] != APP_ARG or len(event.args) < 3:
            return
        with contextlib.suppress(ValueError):
            key = (uuid.UUID(event.args[1]), int(event.args[2]))
            rec = await self.store.get(key[0])
            attempts = await self.store.attempts(key[0])
            mine = any(
                a.attempt_no == key[1] and a.owner == self.owner and a.ended_at is None
                for a in attempts
            )
            if (rec is None or not mine) and self._ari is not None:
                with contextlib.suppress(AriError):
                    await self._ari.hangup(event.channel.id)


async def _call(listener: AckListener, escalation_id: uuid.UUID, person: str) -> None:
    try:
        result = listener(escalation_id, person)
        if result is not None:
            await result
    except Exception:
        log.exception("acknowledgement listener failed")
