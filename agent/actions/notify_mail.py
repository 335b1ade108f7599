"""E-mail to callers over SMTP (aiosmtplib, async): confirmations and reminders."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from .settings import SmtpSettings

log = logging.getLogger(__name__)


class NotifyError(Exception):
    """A message could not be handed to the mail server / SMS gateway (retry later)."""


class MailNotifier:
    """Sends plain-text e-mails through the configured SMTP server."""

    channel = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    def message(self, to: str, subject: str, text: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self._settings.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=self._settings.sender.rpartition("@")[2] or None)
        msg.set_content(text)
        return msg

    async def send(self, to: str, subject: str, text: str) -> None:
        """Hand one e-mail to the server; raise :class:`NotifyError` if it is not accepted."""
        await self.deliver(self.message(to, subject, text))
        log.debug("e-mail recipient", extra={"to": to, "subject": subject})

    async def deliver(self, msg: EmailMessage) -> None:
        """Hand a composed e-mail (its From, To, Subject set) to the server."""
        s = self._settings
        try:
            await aiosmtplib.send(
                msg,
                hostname=s.host,
                port=s.port,
                username=s.user,
                password=s.password.get_secret_value() if s.password else None,
                use_tls=s.security == "tls",
                start_tls=s.security == "starttls",
                timeout=s.timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("e-mail not sent", extra={"smtp_host": s.host, "error": type(exc).__name__})
            raise NotifyError(f"SMTP {s.host}:{s.port}: {type(exc).__name__}: {exc}") from exc
        log.info("e-mail sent", extra={"smtp_host": s.host})
