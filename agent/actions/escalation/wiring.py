"""Build the escalation service from the settings (used by ``agent/app.py``)."""

from __future__ import annotations

from collections.abc import Callable

from agent.config import Settings
from agent.profile import BusinessProfile
from agent.speech.tts import TextToSpeech
from agent.storage.database import Database
from agent.telephony.ari_client import AriClient
from agent.telephony.media_connector import MediaConnector

from .caller import TechnicianCaller
from .notify import Notifier, RecordingNotifier
from .scheduler import EscalationScheduler
from .service import AckListener, EscalationService
from .settings import EscalationConfig
from .store import EscalationStore


def build_escalation_service(
    settings: Settings,
    ari: AriClient,
    connector: MediaConnector,
    database: Database,
    tts: TextToSpeech,
    *,
    notifier: Notifier | None = None,
    on_acknowledged: AckListener | None = None,
    on_ack_seconds: Callable[[float], None] | None = None,
) -> EscalationService | None:
    """The service for the profile's on-call rota; None when the profile has none.
    Call ``await service.open(ari)`` once ARI is connected and the database migrated."""
    business = settings.business
    if business.on_call is None:
        return None
    config = escalation_config(business, caller_sms=settings.sms is not None)
    assert config is not None
    caller = TechnicianCaller(ari, connector, tts, setup_timeout_s=settings.media.setup_timeout_s)
    return EscalationService(
        EscalationStore(database),
        caller,
        notifier or RecordingNotifier(database),
        EscalationScheduler(settings.database.url.get_secret_value()),
        config,
        on_acknowledged=on_acknowledged,
        on_ack_seconds=on_ack_seconds,
    )


def escalation_config(business: BusinessProfile, *, caller_sms: bool) -> EscalationConfig | None:
    """The escalation's settings from the profile's rota (None: no rota). Also used when the
    rota changes while running (overrides edited in the console)."""
    if business.on_call is None:
        return None
    return EscalationConfig.from_on_call(
        business.name, business.timezone, business.on_call, business.language,
        caller_sms=caller_sms,
    )  # fmt: skip
