"""A real SMTP server (aiosmtpd) on a free local port, keeping what arrives: for the tests
of e-mail (notices, the report) and for ``make report-day``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message

from tests.actions.receiver import free_port


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.arrived: list[float] = []  # time.monotonic() of each message

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))  # type: ignore[attr-defined]
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[attr-defined]
        self.arrived.append(time.monotonic())
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int, within: float = 10.0) -> list[Message]:
        deadline = time.monotonic() + within
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} e-mails arrived")
            await asyncio.sleep(0.02)
        return self.messages


@contextlib.contextmanager
def running_smtp() -> Iterator[tuple[Mailbox, int]]:
    """The server while inside: its mailbox and its port. ModuleNotFoundError without
    aiosmtpd (a test dependency)."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
