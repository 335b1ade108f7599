"""The service is built from the profile's on-call rota (and not without one)."""

from __future__ import annotations

from agent.actions.escalation import EscalationService
from agent.actions.escalation.wiring import build_escalation_service
from agent.config import load_settings
from agent.speech.espeak import EspeakTts
from agent.storage import Database
from agent.telephony.ari_client import AriClient
from agent.telephony.media_connector import WebSocketConnector


async def test_built_from_the_profile() -> None:
    settings = load_settings(env={})
    ari = AriClient("http://127.0.0.1:1/ari", "u", "p")
    db = Database("postgresql://u@127.0.0.1:1/x")
    try:
        service = build_escalation_service(
            settings, ari, WebSocketConnector(ari, settings), db, EspeakTts()
        )
        assert isinstance(service, EscalationService)
        assert service.config.policy.attempts_per_person == 2
        assert service.config.policy.retry_after_s == 120
        assert service.active_channels() == frozenset()
        no_rota = settings.model_copy(
            update={"business": settings.business.model_copy(update={"on_call": None})}
        )
        assert (
            build_escalation_service(
                no_rota, ari, WebSocketConnector(ari, no_rota), db, EspeakTts()
            )
            is None
        )
    finally:
        await ari.aclose()
