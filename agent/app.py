"""Wire the parts together and serve calls until stopped.

Start-up order matters for "no caller lost": the call record (database or
spool) and the voice are ready before the Stasis app is registered, because
Asterisk sends calls to the app from the moment it exists. Until then, the
dialplan's fallback rings people.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from agent.actions.calendar_pg import PostgresCalendar
from agent.actions.records_pg import PostgresRecordStore
from agent.config import Settings
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.greeting import GreetingConversation
from agent.dialogue.voice import VoiceConversation
from agent.speech.stt import open_recognizer
from agent.speech.tts import TextToSpeech
from agent.speech.tts_factory import make_tts, warm_up
from agent.storage import CallLog, Database
from agent.telephony.ari_client import AriClient, AriUnavailable
from agent.telephony.call import CallInfo, Conversation
from agent.telephony.call_controller import CallController
from agent.telephony.media import AudioSocketServer
from agent.telephony.media_connector import AudioSocketConnector, MediaConnector, WebSocketConnector
from agent.understanding.backends import make_backend

log = logging.getLogger(__name__)


def build_tts(settings: Settings) -> TextToSpeech:
    return make_tts(settings.tts)


async def build_conversation(settings: Settings, database: Database) -> Conversation:
    """With speech recognition configured: the full dialogue, heard and spoken.
    Without it the assistant cannot listen, so it greets and hands over."""
    tts = build_tts(settings)
    if settings.stt is None:
        greeting = GreetingConversation(settings.business, tts)
        await greeting.prepare()
        return greeting
    stt = settings.stt
    if "language" not in stt.model_fields_set:  # hear the language the business speaks
        stt = stt.model_copy(update={"language": settings.language})
    recognizer = await open_recognizer(stt)
    nlu = make_backend(settings.nlu.backend or "embedded", settings)
    profile = settings.business

    def new_engine(info: CallInfo) -> DialogueEngine:
        clock = functools.partial(datetime.now, profile.tz)
        return DialogueEngine(
            profile,
            nlu,
            calendar=PostgresCalendar(database, profile, clock),
            records=PostgresRecordStore(database),
            clock=clock,
            language=info.language,
            caller_number=info.caller_number or None,
            call_id=str(info.call_id),
        )

    await warm_up(tts, [settings.language])
    return VoiceConversation(new_engine, recognizer, tts, stt)


@dataclass(slots=True)
class Agent:
    """The running parts, for tests and the CLI."""

    settings: Settings
    ari: AriClient
    controller: CallController
    call_log: CallLog
    database: Database


@contextlib.asynccontextmanager
async def running_agent(
    settings: Settings, conversation: Conversation | None = None
) -> AsyncIterator[Agent]:
    """Start everything; on exit hand remaining callers to the fallback and stop.

    ``conversation`` replaces the default one (tests use it to inject failures).
    """
    database = Database(settings.database.url.get_secret_value())
    call_log = CallLog(database, settings.database.spool_dir)
    await call_log.start()  # applies migrations when the database is up; spools otherwise

    if conversation is None:
        conversation = await build_conversation(settings, database)

    ari = AriClient(
        settings.ari.url,
        settings.ari.user,
        settings.ari.password.get_secret_value(),
        settings.ari.app,
        connect_timeout=settings.ari.connect_timeout_s,
    )
    audiosocket: AudioSocketServer | None = None
    connector: MediaConnector
    if settings.media.transport == "audiosocket":
        host, _, port = settings.media.audiosocket_bind.rpartition(":")
        audiosocket = AudioSocketServer(host, int(port))
        await audiosocket.start()
        connector = AudioSocketConnector(ari, settings, audiosocket)
    else:
        connector = WebSocketConnector(ari, settings)

    the_conversation = conversation
    controller = CallController(ari, connector, call_log, lambda: the_conversation, settings)
    controller.install()
    ari.on_reconnect(controller.resync)
    try:
        await _connect_ari(ari)
        await controller.resync()
        log.info("rufbereit is answering calls", extra={"transport": connector.transport})
        yield Agent(settings, ari, controller, call_log, database)
    finally:
        await controller.stop()
        await ari.close()
        if audiosocket is not None:
            await audiosocket.close()
        await call_log.close()
        await database.close()


async def _connect_ari(ari: AriClient) -> None:
    """Keep trying: while we are not registered, the dialplan sends callers to people."""
    delay = 1.0
    while True:
        try:
            await ari.start()
            return
        except AriUnavailable as exc:
            log.warning(
                "ARI not available yet; retrying", extra={"error": str(exc), "retry_s": delay}
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


async def serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running_agent(settings):
        await stop.wait()
        log.info("stopping: handing active callers to the fallback")
