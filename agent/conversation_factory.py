"""Which conversation a call gets, built from the settings.

With speech recognition configured (an ``stt:`` section), the full dialogue,
heard and spoken, with bookings and records through the action services and
real emergencies handed to the escalation service. Without it the assistant
cannot listen, so it greets and hands over.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from agent.actions.escalation.finish import FinishListener
from agent.actions.escalation.service import EscalationService
from agent.actions.services import ActionServices
from agent.config import Settings
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.greeting import GreetingConversation
from agent.dialogue.voice import VoiceConversation
from agent.domain import Command, StartEscalation
from agent.profile_live import LiveProfile
from agent.speech import smart_turn
from agent.speech.stt import open_recognizer
from agent.speech.tts import TextToSpeech
from agent.speech.tts_factory import warm_up
from agent.telephony.call import CallInfo, Conversation
from agent.understanding.backends import make_backend

log = logging.getLogger(__name__)


async def build_conversation(
    settings: Settings,
    tts: TextToSpeech,
    services: ActionServices,
    escalation: EscalationService | None,
    live: LiveProfile | None = None,
) -> Conversation:
    """``live`` gives each call the profile as it is then (changed in the console)."""
    if settings.stt is None:
        greeting = GreetingConversation(settings.business, tts)
        await greeting.prepare()
        return greeting
    stt = settings.stt
    if "language" not in stt.model_fields_set:  # hear the language the business speaks
        stt = stt.model_copy(update={"language": settings.language})
    recognizer = await open_recognizer(stt)
    await smart_turn.open_shared(stt)  # loaded (or found missing) now, not in the first call
    live = live or LiveProfile(settings.business)
    nlu = make_backend(
        settings.nlu.backend or "embedded", settings, is_open=lambda at: live.current.is_open(at)
    )
    profile = settings.business

    def new_engine(info: CallInfo) -> DialogueEngine:
        profile = live.current
        return DialogueEngine(
            profile,
            nlu,
            calendar=services.calendar,
            records=services.records,
            clock=functools.partial(datetime.now, profile.tz),
            language=info.language,
            caller_number=info.caller_number or None,
            call_id=str(info.call_id),
        )

    async def act(action: Command, info: CallInfo, on_finished: FinishListener) -> None:
        if isinstance(action, StartEscalation):
            if escalation is None:
                log.error("emergency, but no on-call rota is configured (business.on_call)")
                return
            ticket = await escalation.start(action, call_id=info.call_id, on_finished=on_finished)
            log.info(
                "emergency escalated",
                extra={"escalation_id": str(ticket.escalation_id), "joined": ticket.joined},
            )

    await warm_up(tts, [settings.language])
    hold_s = profile.on_call.caller_hold_s if profile.on_call is not None else 0
    return VoiceConversation(
        new_engine, recognizer, tts, stt, act=act, hold_s=hold_s, rating=profile.caller_rating
    )
