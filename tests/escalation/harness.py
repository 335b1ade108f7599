"""The escalation service wired to the lab (ARI, PostgreSQL) for tests and the agent
subprocess of the restart test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from agent.actions.escalation import (
    EscalationConfig,
    EscalationScheduler,
    EscalationService,
    EscalationStore,
    Policy,
    RecordingNotifier,
)
from agent.actions.escalation.caller import TechnicianCaller
from agent.config import load_settings
from agent.profile import OnCall
from agent.speech.espeak import EspeakTts
from agent.speech.tts import CachedTts
from agent.storage import Database
from agent.telephony.ari_client import AriClient
from agent.telephony.media_connector import WebSocketConnector

#: The tests' own Stasis app: the escalation needs no dialplan, and a second client on
#: "rufbereit" would take the app from (or lose it to) other test runs sharing the lab.
TEST_APP = "rufbereit-escalation-test"

ROTA = {
    "people": [
        {"name": "Technik Eins", "phone": "PJSIP/oncall1", "sms": "+4911", "email": "t1@t.example"},
        {"name": "Technik Zwei", "phone": "PJSIP/oncall2", "sms": "+4912", "email": "t2@x.example"},
        {"name": "Chefin", "phone": "PJSIP/office", "email": "chefin@x.example"},
    ],
    "shifts": [
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00",
         "end": "23:59", "person": "Technik Eins"},
        {"days": ["sat"], "start": "23:59", "end": "23:59:59", "person": "Technik Zwei"},
    ],
    "fallback": ["Chefin"],
}  # fmt: skip

FAST = Policy(
    attempts_per_person=2,
    retry_after_s=1.0,
    next_person_after_s=0.5,
    ring_timeout_s=5,
    answer_timeout_s=3.0,
)


@dataclass
class Harness:
    ari: AriClient
    db: Database
    store: EscalationStore
    notifier: RecordingNotifier
    service: EscalationService
    database_url: str
    #: how long each acknowledged emergency waited (what the metrics' histogram gets)
    acks: list[float] = field(default_factory=list)


def make_config(
    policy: Policy = FAST, rota: dict[str, object] | None = None, *, caller_sms: bool = True
) -> EscalationConfig:
    """The lab's settings; ``caller_sms``: as if an SMS gateway were configured (the
    recording notifier keeps what would be sent)."""
    return EscalationConfig(
        business_name="Test GmbH",
        timezone=ZoneInfo("Europe/Berlin"),
        on_call=OnCall.model_validate(rota or ROTA),
        policy=policy,
        caller_sms=caller_sms,
    )


async def build_service(
    ari: AriClient,
    db: Database,
    database_url: str,
    policy: Policy = FAST,
    rota: dict[str, object] | None = None,
    *,
    caller_sms: bool = True,
    on_ack_seconds: Callable[[float], None] | None = None,
) -> EscalationService:
    settings = load_settings(env={})
    settings = settings.model_copy(update={"ari": settings.ari.model_copy(update={"app": ari.app})})
    connector = WebSocketConnector(ari, settings)
    caller = TechnicianCaller(ari, connector, CachedTts(EspeakTts()))
    service = EscalationService(
        EscalationStore(db),
        caller,
        RecordingNotifier(db),
        EscalationScheduler(database_url),
        make_config(policy, rota, caller_sms=caller_sms),
        on_ack_seconds=on_ack_seconds,
    )
    await service.open(ari)
    return service
