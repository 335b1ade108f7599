"""Settings of the action back-ends: CalDAV, SMTP, SMS gateway, webhook, reminders.

Each is a strict, frozen pydantic model; ``agent.config.Settings`` holds them as
optional sections (``caldav:``, ``smtp:``, ``sms:``, ``webhook:``, ``reminders:``).
Secrets are :class:`~pydantic.SecretStr` and never logged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalDavSettings(_Section):
    """A CalDAV calendar (Nextcloud, Radicale, ...) whose busy times block slots."""

    url: str = Field(description="the calendar collection's URL")
    user: str | None = None
    password: SecretStr | None = None
    timeout_s: float = Field(3.0, gt=0, le=60)
    write_events: bool = Field(True, description="write bookings as events")


class SmtpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    user: str | None = None
    password: SecretStr | None = None
    security: Literal["none", "starttls", "tls"] = "none"
    sender: str = Field(description="From: address, e.g. termine@firma.example")
    timeout_s: float = Field(10.0, gt=0, le=120)


class SmsSettings(_Section):
    """An SMS provider's HTTP API: URL/body templates with {to}, {text}, {sender}."""

    url: str = Field(description="URL template, e.g. https://api.example/sms?to={to}")
    method: Literal["GET", "POST", "PUT"] = "POST"
    body: str | None = Field(
        None, description='body template, e.g. {"to": "{to}", "text": "{text}"}'
    )
    content_type: str = "application/json"
    auth: Literal["none", "bearer", "basic", "header"] = "none"
    user: str | None = None
    token: SecretStr | None = Field(None, description="bearer token, password or header value")
    header_name: str = "Authorization"
    sender: str = "rufbereit"
    timeout_s: float = Field(10.0, gt=0, le=120)


class WebhookSettings(_Section):
    url: str
    secret: SecretStr = Field(description="HMAC-SHA256 key for X-Rufbereit-Signature")
    timeout_s: float = Field(10.0, gt=0, le=120)
    backoff_initial_s: float = Field(5.0, gt=0)
    backoff_max_s: float = Field(3600.0, gt=0)
    poll_s: float = Field(2.0, gt=0)


class ReminderSettings(_Section):
    before_min: tuple[int, ...] = Field((24 * 60, 120), description="minutes before")
    channels: tuple[Literal["email", "sms"], ...] = ("email", "sms")
    poll_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(5, ge=1, le=50)
