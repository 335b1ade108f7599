"""SMS to callers through a provider's HTTP API, configured as templates.

``url`` and ``body`` may hold ``{to}``, ``{text}`` and ``{sender}``. In the URL they are
URL-encoded; in a JSON body JSON-escaped; in a form body form-encoded; else as is. Auth: a bearer
token, HTTP basic (``user`` + ``token``) or a custom header (``header_name: token``).
"""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import quote, quote_plus

import httpx

from .notify_mail import NotifyError
from .settings import SmsSettings

log = logging.getLogger(__name__)


def _fill(template: str, values: dict[str, str], escape: str) -> str:
    out = template
    for key, value in values.items():
        if escape == "url":
            value = quote(value, safe="")
        elif escape == "form":
            value = quote_plus(value)
        elif escape == "json":
            value = json.dumps(value, ensure_ascii=False)[1:-1]
        out = out.replace("{" + key + "}", value)
    return out


class SmsNotifier:
    channel = "sms"

    def __init__(self, settings: SmsSettings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client

    def request(self, to: str, text: str) -> httpx.Request:
        s = self._settings
        values = {"to": to, "text": text, "sender": s.sender}
        headers: dict[str, str] = {}
        secret = s.token.get_secret_value() if s.token else ""
        if s.auth == "bearer":
            headers["Authorization"] = f"Bearer {secret}"
        elif s.auth == "basic":
            pair = base64.b64encode(f"{s.user or ''}:{secret}".encode()).decode()
            headers["Authorization"] = f"Basic {pair}"
        elif s.auth == "header":
            headers[s.header_name] = secret
        content: bytes | None = None
        if s.body is not None and s.method != "GET":
            ct = s.content_type.lower()
            kind = "json" if "json" in ct else "form" if "urlencoded" in ct else "raw"
            content = _fill(s.body, values, kind).encode()
            headers["Content-Type"] = s.content_type
        url = _fill(s.url, values, "url")
        return httpx.Request(s.method, url, headers=headers, content=content)

    async def send(self, to: str, subject: str, text: str) -> None:
        """Send ``text`` (``subject`` is ignored: an SMS has none)."""
        client = self._client or httpx.AsyncClient(timeout=self._settings.timeout_s)
        try:
            resp = await client.send(self.request(to, text))
        except httpx.HTTPError as exc:
            log.warning("SMS not sent", extra={"error": type(exc).__name__})
            raise NotifyError(f"SMS gateway: {type(exc).__name__}: {exc}") from exc
        finally:
            if self._client is None:
                await client.aclose()
        if not 200 <= resp.status_code < 300:
            log.warning("SMS gateway refused", extra={"status": resp.status_code})
            raise NotifyError(f"SMS gateway answered HTTP {resp.status_code}")
        log.info("SMS sent", extra={"status": resp.status_code})
        log.debug("SMS recipient", extra={"to": to})
