"""Escalation notifications that really go out: e-mail over SMTP, SMS over the gateway.

The recording notifier decides what is new (one message per escalation, person,
channel and purpose, so a resumed escalation never sends twice) and keeps the
record; this one then hands each new message to the configured sender, with a
few quick retries. A channel without a sender is recorded only.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from .notify import Channel, Notification, RecordingNotifier

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (1.0, 4.0, 15.0)


class Sender(Protocol):
    """``agent.actions.notify_mail.MailNotifier`` and ``notify_sms.SmsNotifier``."""

    async def send(self, to: str, subject: str, text: str) -> None: ...


class DeliveringNotifier:
    def __init__(
        self,
        recorder: RecordingNotifier,
        senders: dict[Channel, Sender],
        *,
        retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S,
    ) -> None:
        self._recorder = recorder
        self._senders = senders
        self._delays = retry_delays_s

    async def send(self, notification: Notification) -> bool:
        fresh = await self._recorder.send(notification)
        sender = self._senders.get(notification.channel)
        if fresh and sender is not None:
            await self._deliver(sender, notification)
        return fresh

    async def _deliver(self, sender: Sender, n: Notification) -> None:
        extra = {"escalation_id": str(n.escalation_id), "channel": n.channel, "purpose": n.purpose}
        for attempt, delay in enumerate((0.0, *self._delays), start=1):
            await asyncio.sleep(delay)
            try:
                await sender.send(n.address, n.subject, n.body)
            except Exception as exc:  # a sender's error never stops the escalation
                log.warning(
                    "escalation notification not sent yet",
                    extra={**extra, "attempt": attempt, "error": str(exc)[:200]},
                )
                continue
            log.info("escalation notification sent", extra={**extra, "attempt": attempt})
            await self._recorder.mark(n, "sent")
            return
        log.error("escalation notification could not be sent (kept in the database)", extra=extra)
        await self._recorder.mark(n, "failed")
