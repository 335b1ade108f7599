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
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette

from agent.actions.escalation.delivery import DeliveringNotifier, Sender
from agent.actions.escalation.notify import Channel, RecordingNotifier
from agent.actions.escalation.service import EscalationService
from agent.actions.escalation.wiring import build_escalation_service, escalation_config
from agent.actions.notify_mail import MailNotifier
from agent.actions.notify_sms import SmsNotifier
from agent.actions.outbox import outbox_backlog
from agent.actions.services import ActionServices
from agent.actions.warm_transfer import WarmTransfer
from agent.config import Settings
from agent.console.app import make_console
from agent.conversation_factory import build_conversation
from agent.doctor import run_checks
from agent.health import INTERVAL_S, report_forever
from agent.http_endpoint import make_app, serving
from agent.metrics import CallMetrics, Probe
from agent.profile import BusinessProfile
from agent.profile_live import LiveProfile
from agent.report.job import ReportJob
from agent.speech.tts import TextToSpeech
from agent.speech.tts_factory import make_tts
from agent.storage import CallLog, Database
from agent.storage.retention import RetentionJob
from agent.systemd_notify import notify, watchdog_forever
from agent.telephony.ari_client import AriClient, AriUnavailable
from agent.telephony.call import Conversation
from agent.telephony.call_controller import CallController
from agent.telephony.call_stats import CallStats
from agent.telephony.listen_in import ListenIn
from agent.telephony.media import AudioSocketServer
from agent.telephony.media_connector import AudioSocketConnector, MediaConnector, WebSocketConnector
from agent.telephony.routing import RoutingPublisher

log = logging.getLogger(__name__)


def build_tts(settings: Settings) -> TextToSpeech:
    return make_tts(settings.tts)


@dataclass(slots=True)
class Agent:
    """The running parts, for tests and the CLI."""

    settings: Settings
    ari: AriClient
    controller: CallController
    call_log: CallLog
    database: Database
    stats: CallStats
    metrics: CallMetrics
    #: where /metrics and /healthz are served (None: not served)
    http_address: str | None = None
    #: where the web console is served (None: not served)
    console_address: str | None = None
    live: LiveProfile | None = None


@contextlib.asynccontextmanager
async def running_agent(
    settings: Settings,
    conversation: Conversation | None = None,
    profile_path: Path | None = None,
) -> AsyncIterator[Agent]:
    """Start everything; on exit hand remaining callers to the fallback and stop.

    ``conversation`` replaces the default one (tests use it to inject failures).
    ``profile_path`` is the file ``settings`` came from: its changes reach the next call,
    and the web console (``console.bind``) edits it; without it neither happens.
    """
    live = LiveProfile(settings.business, profile_path, os.environ)
    database = Database(settings.database.url.get_secret_value())
    call_log = CallLog(database, settings.database.spool_dir)
    await call_log.start()  # applies migrations when the database is up; spools otherwise

    ari = AriClient(
        settings.ari.url,
        settings.ari.user,
        settings.ari.password.get_secret_value(),
        settings.ari.app,
        connect_timeout=settings.ari.connect_timeout_s,
        ca_file=settings.ari.ca_file,
    )
    audiosocket, connector = await _media(settings, ari)
    services = ActionServices.create(
        database,
        settings.business,
        functools.partial(datetime.now, settings.business.tz),
        caldav=settings.caldav,
        smtp=settings.smtp,
        sms=settings.sms,
        webhook=settings.webhook,
        reminders=settings.reminders,
    )
    stop_workers = asyncio.Event()
    workers = asyncio.create_task(services.run(stop_workers), name="action-workers")
    tts = build_tts(settings)
    metrics = CallMetrics()
    escalation = build_escalation_service(
        settings, ari, connector, database, tts,
        notifier=escalation_notifier(settings, database),
        on_ack_seconds=metrics.escalation_ack.observe,
    )  # fmt: skip
    if conversation is None:
        conversation = await build_conversation(settings, tts, services, escalation, live)

    the_conversation = conversation
    transfer = WarmTransfer(ari, connector, tts, services.records, settings.business)
    stats = CallStats()

    def foreign_channels() -> frozenset[str]:  # channels others in the app own
        technicians = escalation.active_channels() if escalation is not None else frozenset()
        return technicians | listen_in.active_channels

    controller = CallController(
        ari,
        connector,
        call_log,
        lambda: the_conversation,
        settings,
        foreign_channels=foreign_channels,
        transfer=transfer,
        readers=[stats, metrics],
    )
    listen_in = ListenIn(ari, controller, settings.business.listen_in)
    controller.on_call_end(listen_in.call_ending)
    _gauges(metrics, controller, call_log)
    backlog = Probe(functools.partial(outbox_backlog, database))
    metrics.gauge("rufbereit_outbox_backlog", "deliveries to the company's systems not yet "
                  "made (counted every 30 s)", lambda: backlog.value)  # fmt: skip
    controller.install()
    listen_in.install()
    ari.on_reconnect(controller.resync)
    now = functools.partial(datetime.now, settings.business.tz)
    routing = RoutingPublisher(ari, settings.business, now)
    retention = RetentionJob(database, settings.business.retention, settings.business.tz)
    reports = ReportJob(settings, database)
    ari.on_reconnect(routing.publish)
    _follow_profile(live, services, routing, escalation, caller_sms=settings.sms is not None)
    try:
        await _connect_ari(ari)
        await controller.resync()
        routing.start()
        backlog.start()
        retention.start()
        reports.start()
        live.start(settings.console.profile_check_s)
        if escalation is not None:
            await _open_escalation(escalation, ari)
        log.info("rufbereit is answering calls", extra={"transport": connector.transport})
        app = make_app(metrics.registry, functools.partial(run_checks, settings))
        console = _console(settings, database, profile_path, live)
        async with (
            serving(settings.http.bind, app) as address,
            serving(settings.console.bind, console, "web console") as web,
        ):
            yield Agent(settings, ari, controller, call_log, database, stats, metrics, address,
                        web, live)  # fmt: skip
    finally:
        await live.close()
        retention.shutdown()
        reports.shutdown()
        await backlog.close()
        await routing.close()
        if escalation is not None:
            await escalation.close()
        await listen_in.close()
        await controller.stop()
        await ari.close()
        stop_workers.set()
        await workers
        await services.close()
        if audiosocket is not None:
            await audiosocket.close()
        await call_log.close()
        await database.close()


def _follow_profile(
    live: LiveProfile,
    services: ActionServices,
    routing: RoutingPublisher,
    escalation: EscalationService | None,
    *,
    caller_sms: bool,
) -> None:
    """Who takes a changed profile: the calendar (opening hours), Asterisk's routing
    globals (open or not), the escalation (the rota's overrides). The dialogue reads
    ``live.current`` for each call itself."""
    live.subscribe(services.use_profile)
    live.subscribe(routing.use_profile)

    def rota(profile: BusinessProfile) -> None:
        config = escalation_config(profile, caller_sms=caller_sms)
        if escalation is not None and config is not None:
            escalation.config = config

    live.subscribe(rota)


def _console(
    settings: Settings, database: Database, profile_path: Path | None, live: LiveProfile
) -> Starlette | None:
    if profile_path is None or settings.console.bind is None:
        return None
    return make_console(settings, database, profile_path, env=os.environ,
                        on_profile_saved=live.check_now)  # fmt: skip


def _gauges(metrics: CallMetrics, controller: CallController, call_log: CallLog) -> None:
    metrics.gauge("rufbereit_active_calls", "calls in progress", lambda: controller.active_calls)
    stats = call_log.stats
    metrics.gauge("rufbereit_records_spooled", "call records written to the disk spool "
                  "(database down) since start", lambda: stats.spooled)  # fmt: skip
    metrics.gauge("rufbereit_records_held", "call records kept in memory (database down, "
                  "spool disk full)", lambda: stats.held)  # fmt: skip
    metrics.gauge("rufbereit_records_lost", "call records that could not be kept",
                  lambda: stats.lost)  # fmt: skip


def escalation_notifier(settings: Settings, database: Database) -> DeliveringNotifier:
    """Technicians' SMS/e-mail go out through the configured SMTP server and SMS gateway."""
    senders: dict[Channel, Sender] = {}
    if settings.smtp is not None:
        senders["email"] = MailNotifier(settings.smtp)
    if settings.sms is not None:
        senders["sms"] = SmsNotifier(settings.sms)
    return DeliveringNotifier(RecordingNotifier(database), senders)


async def _media(
    settings: Settings, ari: AriClient
) -> tuple[AudioSocketServer | None, MediaConnector]:
    if settings.media.transport == "audiosocket":
        host, _, port = settings.media.audiosocket_bind.rpartition(":")
        audiosocket = AudioSocketServer(host, int(port))
        await audiosocket.start()
        return audiosocket, AudioSocketConnector(ari, settings, audiosocket)
    return None, WebSocketConnector(ari, settings)


async def _open_escalation(escalation: EscalationService, ari: AriClient) -> None:
    """Timers and the sweep of unfinished escalations need the database; without it the
    agent still answers calls (emergencies are then taken as urgent messages)."""
    try:
        await escalation.open(ari)
    except Exception:
        log.exception("escalation service not started (is the database up?)")


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


async def serve(settings: Settings, profile_path: Path | None = None) -> None:
    """Run until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running_agent(settings, profile_path=profile_path) as agent:
        stats = agent.call_log.stats
        health = asyncio.create_task(
            report_forever(
                lambda: agent.controller.active_calls,
                lambda: {"records_spooled": stats.spooled, "records_held": stats.held,
                         "records_lost": stats.lost, **agent.stats.snapshot()},
                float(os.environ.get("RUFBEREIT_HEALTH_INTERVAL_S", INTERVAL_S)),
            ),
            name="health",
        )  # fmt: skip
        notify("READY=1")  # systemd (Type=notify): the agent answers calls now
        watchdog = asyncio.create_task(watchdog_forever(), name="systemd-watchdog")
        await stop.wait()
        notify("STOPPING=1")
        health.cancel()
        watchdog.cancel()
        log.info("stopping: handing active callers to the fallback")
