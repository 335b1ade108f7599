"""The call to a technician: ring their phone through ARI, tell them the emergency,
and take their answer as a key (1: I take it, 2: pass it on).

The ringing, speaking and listening is an
:class:`~agent.telephony.announced_call.AnnouncedCall` (the warm transfer to the office
uses the same); this module maps its answer to the escalation's outcomes. The phone is
originated into the Stasis app with the arguments ``oncall,<escalation id>,<attempt>``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from agent.speech.tts import TextToSpeech
from agent.telephony.announced_call import AnnouncedCall, Announcement, CallAnswer, Ring
from agent.telephony.ari_client import AriClient
from agent.telephony.media_connector import MediaConnector

from .state import Outcome, Policy
from .texts import Texts

CHANNEL_PREFIX = "rufbereit-oncall-"
APP_ARG = "oncall"
_OUTCOMES = {
    "accepted": Outcome.ACKNOWLEDGED,
    "declined": Outcome.DECLINED,
    "no_key": Outcome.NO_ANSWER,
    "hung_up": Outcome.HANGUP,
    "busy": Outcome.BUSY,
    "no_answer": Outcome.NO_ANSWER,
    "failed": Outcome.FAILED,
}


@dataclass(frozen=True, slots=True)
class CallResult:
    outcome: Outcome
    detail: str = ""
    answered: bool = False


def channel_id_for(escalation_id: uuid.UUID, attempt_no: int) -> str:
    return f"{CHANNEL_PREFIX}{escalation_id}-{attempt_no}"


class TechnicianCaller:
    def __init__(
        self,
        ari: AriClient,
        connector: MediaConnector,
        tts: TextToSpeech,
        *,
        trunk_context: str = "from-internal",
        caller_id: str | None = None,
        setup_timeout_s: float = 5.0,
    ) -> None:
        self._tts = tts
        self._calls = AnnouncedCall(
            ari, connector, channel_prefix=CHANNEL_PREFIX, trunk_context=trunk_context,
            caller_id=caller_id,
        )  # fmt: skip
        self._setup_timeout = setup_timeout_s

    @property
    def active_channels(self) -> frozenset[str]:
        """Channels of running technician calls (phones and media legs): the inbound
        call controller's resync must leave them alone."""
        return self._calls.active_channels

    async def call(
        self,
        escalation_id: uuid.UUID,
        attempt_no: int,
        phone: str,
        texts: Texts,
        policy: Policy,
        on_answer: Callable[[], Awaitable[None]] | None = None,
    ) -> CallResult:
        """One attempt, start to end. Never raises for telephony trouble (FAILED)."""
        answer: CallAnswer = await self._calls.call(
            f"{escalation_id}-{attempt_no}",
            phone,
            self._announcement(texts),
            Ring(policy.ring_timeout_s, policy.answer_timeout_s),
            app_args=[APP_ARG, str(escalation_id), str(attempt_no)],
            on_answer=on_answer,
        )
        return CallResult(_OUTCOMES[answer.reached], answer.detail, answer.answered)

    async def _announcement(self, texts: Texts) -> Announcement:
        parts = await texts.synthesize(self._tts)
        # message, prompt, repeat, prompt; then the thanks (ack) or the goodbye (declined)
        return Announcement(parts[:-2], parts[-2], parts[-1])
