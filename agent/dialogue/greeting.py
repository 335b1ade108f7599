"""The conversation of the skeleton: greet the caller, then hand over to a person.

Until the assistant understands speech (the understanding and speech issues),
the only honest thing it can do after greeting is to pass the caller on, so no
caller is ever left talking to a machine that cannot help.
"""

from __future__ import annotations

import logging
import time

from agent.domain.call_events import GreetingDone, GreetingStarted
from agent.profile import BusinessProfile, Language, Texts
from agent.speech.tts import TextToSpeech
from agent.telephony.call import CallContext, CallOutcome, ConversationResult

log = logging.getLogger(__name__)

HANDOVER_TEXT = Texts(
    de="Einen Moment bitte, ich verbinde Sie mit einem Mitarbeiter.",
    en="One moment please, I am connecting you to a member of our team.",
)


class GreetingConversation:
    def __init__(self, profile: BusinessProfile, tts: TextToSpeech) -> None:
        self._profile = profile
        self._tts = tts

    def prompts(self, language: Language) -> list[str]:
        texts = self._profile.texts
        out = [texts.greeting.get(language)]
        if texts.privacy_notice is not None:
            out.append(texts.privacy_notice.get(language))
        out.append(HANDOVER_TEXT.get(language))
        return out

    async def prepare(self) -> None:
        """Synthesize the fixed prompts once at start-up (the TTS cache keeps them)."""
        for language in ("de", "en"):
            for text in self.prompts(language):
                await self._tts.synthesize(text, language)

    async def run(self, call: CallContext) -> ConversationResult:
        language = call.info.language
        for n, text in enumerate(self.prompts(language)):
            pcm = await self._tts.synthesize(text, language)
            if n == 0:
                call.events.publish(GreetingStarted(_ms_since(call)))
            await call.media.play(pcm)
        call.events.publish(GreetingDone(_ms_since(call)))
        return ConversationResult(
            CallOutcome.HANDOVER, summary="Anruf ohne Anliegen weitergeleitet"
        )


def _ms_since(call: CallContext) -> int:
    t0 = call.metrics.get("t0")
    return round((time.monotonic() - t0) * 1000) if t0 else -1
