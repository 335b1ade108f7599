"""NLU through a Rasa server (``POST /model/parse``), with our German entity rules on top.

Rasa 3.6 needs Python < 3.11 and pins libraries the app cannot share, so it runs as its
own process (``lab/rasa.sh up``) and this backend talks HTTP to it. One
``httpx.AsyncClient`` is reused for every call; ``aclose()`` releases it.

The intent and its ranking come from Rasa. Entities are merged (:func:`merge_entities`):

1. Every entity of our rule-based extractor (:func:`extract_entities`) is kept. They never
   overlap each other, and for the kinds in :data:`RESOLVED_KINDS` (``time``,
   ``phone_number``, ``email``, ``quantity``) only they count: they carry resolved values
   (an ISO 8601 local datetime, a digit string, ...), while Rasa's CRF would only give the
   spoken words ("morgen um halb drei"). Rasa's entities of those kinds are dropped.
2. Then each Rasa entity of any other kind (``person``, ``product``, ``address``,
   ``emergency_type``, whatever the model learned) is added unless it overlaps an entity
   already kept. So a rule ``person`` (normalised, "Anna Schmidt") wins over Rasa's span of
   the same words, and Rasa adds the names, products and addresses the rules do not know.

The result is sorted by position; offsets always point into the caller's original text.

Failures (server down, too slow, wrong token, no model, a response that is not Rasa's
JSON) raise :class:`NluError` with a message saying which, so the dialogue can fall back
to the embedded backend. The token goes only into the URL actually sent (Rasa's
``?token=``): httpx's request log, exceptions and our log records never show it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

import httpx

from agent.understanding.entities import BusinessHours, Entity, extract_entities
from agent.understanding.nlu import IntentScore, NluError, Parse

log = logging.getLogger(__name__)

__all__ = ["NO_INTENT", "RESOLVED_KINDS", "RasaNlu", "merge_entities", "parse_from_rasa"]

#: Entity kinds our rules resolve; Rasa's spans of these kinds are ignored.
RESOLVED_KINDS: frozenset[str] = frozenset({"time", "phone_number", "email", "quantity"})
#: The intent of an empty utterance or of a Rasa answer without intent (Rasa's own name).
NO_INTENT = "nlu_fallback"

# Leading white space and slashes are not sent: Rasa reads "/affirm" as the intent
# "affirm" with confidence 1.0 (its intent shortcut), and it answers HTTP 500 to empty text.
_LEAD = re.compile(r"[\s/]*")


class _TokenTransport(httpx.AsyncBaseTransport):
    """Adds ``?token=...`` on the way out only.

    httpx logs and raises with the request the client built; the copy with the token
    exists only inside this transport, so the token stays out of logs and messages.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, token: str | None) -> None:
        self._inner = inner
        self._token = token

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._token:
            request = httpx.Request(
                request.method,
                request.url.copy_merge_params({"token": self._token}),
                headers=request.headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class RasaNlu:
    """An :class:`~agent.understanding.nlu.NluBackend` backed by a Rasa server.

    ``url`` is the server's base URL (``http://127.0.0.1:5005``), ``token`` its
    ``--auth-token``. A parse that takes longer than ``timeout_s`` in all (connect, send,
    Rasa's work, read) raises :class:`NluError`. ``business_hours`` and ``timezone`` are
    passed to the rule-based entity extractor (they decide what "halb drei" means).
    The model behind ``url`` decides the intent's language; ``language`` of
    :meth:`parse` selects the entity rules.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        timeout_s: float = 2.0,
        business_hours: BusinessHours = None,
        timezone: str | ZoneInfo = "Europe/Berlin",
        name: str = "rasa",
    ) -> None:
        base = httpx.URL(url)
        if base.scheme not in ("http", "https") or not base.host:
            raise ValueError(f"Rasa URL must be http(s)://host:port, not {url!r}")
        if base.query or base.userinfo:
            raise ValueError("Rasa URL must not carry a query or credentials: pass token=")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s!r}")
        self.name = name
        self.url = str(base).rstrip("/")
        self.timeout_s = timeout_s
        self._token = token or None
        self._business_hours = business_hours
        self._timezone = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
        self._failing = False
        self._client = httpx.AsyncClient(
            base_url=self.url,
            timeout=httpx.Timeout(timeout_s),
            # Certificates are loaded only for https (loading them costs 60-200 ms).
            transport=_TokenTransport(
                httpx.AsyncHTTPTransport(verify=base.scheme == "https", retries=0), self._token
            ),
            trust_env=False,  # no proxy from the environment: the token stays on this host
            headers={"Accept": "application/json"},
        )

    async def parse(self, text: str, *, language: str, now: datetime) -> Parse:
        """Intent from Rasa, entities merged with the rules (see the module docstring)."""
        lead = _LEAD.match(text)
        offset = lead.end() if lead else 0
        core = text[offset:].rstrip()
        try:
            rules = extract_entities(
                text, language, now, self._business_hours, timezone=self._timezone
            )
        except ValueError as exc:  # an unsupported language
            raise NluError(str(exc)) from exc
        if not core:
            return Parse(
                text=text,
                intent=IntentScore(NO_INTENT, 0.0),
                entities=tuple(rules),
                backend=self.name,
            )
        data = await self._request("POST", "/model/parse", json={"text": core})
        parsed = parse_from_rasa(data, core, backend=self.name)
        shifted = [_shift(e, offset, text) for e in parsed.entities]
        entities = merge_entities(shifted, rules)
        log.debug(
            "rasa parse",
            extra={
                "text": text,
                "intent": parsed.intent.name,
                "confidence": round(parsed.intent.confidence, 4),
                "entities": [e.entity for e in entities],
            },
        )
        return Parse(
            text=text,
            intent=parsed.intent,
            intent_ranking=parsed.intent_ranking,
            entities=entities,
            backend=self.name,
        )

    async def status(self) -> dict[str, Any]:
        """Rasa's ``GET /status`` (``model_file``, ``model_id``, ...); NluError if not ready."""
        return await self._request("GET", "/status")

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _request(
        self, method: str, path: str, *, json: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await self._send(method, path, json)
                body = response.content
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise self._fail(
                f"no answer from Rasa at {self.url} within {self.timeout_s:g} s"
            ) from exc
        except httpx.ConnectError as exc:
            raise self._fail(f"Rasa at {self.url} is not reachable ({self._scrub(exc)})") from exc
        except httpx.HTTPError as exc:
            raise self._fail(
                f"HTTP to Rasa at {self.url} failed: {type(exc).__name__} {self._scrub(exc)}"
            ) from exc
        status = response.status_code
        if status != 200:
            reason = _error_reason(body)
            if status in (401, 403):
                raise self._fail(
                    f"Rasa at {self.url} refused the auth token (HTTP {status}{reason}); "
                    "check nlu.rasa_token / lab/rasa.sh token"
                )
            if status == 409:
                raise self._fail(f"Rasa at {self.url} has no model loaded (HTTP 409{reason})")
            raise self._fail(f"Rasa at {self.url} answered HTTP {status}{reason}")
        try:
            data = _loads(body)
        except ValueError as exc:
            raise self._fail(
                f"Rasa at {self.url} answered with something not JSON ({exc})"
            ) from exc
        if not isinstance(data, dict):
            raise self._fail(f"Rasa at {self.url} answered JSON that is not an object")
        if self._failing:
            self._failing = False
            log.info("rasa answers again", extra={"url": self.url})
        return data

    async def _send(self, method: str, path: str, body: Mapping[str, Any] | None) -> httpx.Response:
        # One retry when a kept-alive connection was closed under us (Rasa/Sanic closes
        # idle connections after 5 s): the parse is a pure function, so sending it again
        # is safe. A refused connection is not retried: the server is down.
        for attempt in (1, 2):
            try:
                return await self._client.request(method, path, json=body)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _fail(self, message: str) -> NluError:
        level = logging.DEBUG if self._failing else logging.WARNING
        self._failing = True
        log.log(level, "rasa parse failed", extra={"url": self.url, "reason": message})
        return NluError(message)

    def _scrub(self, exc: BaseException) -> str:
        text = str(exc) or type(exc).__name__
        return text.replace(self._token, "***") if self._token else text


def parse_from_rasa(data: Mapping[str, Any], text: str, *, backend: str = "rasa") -> Parse:
    """Map Rasa's ``/model/parse`` JSON for ``text`` into a :class:`Parse` (no merging).

    Raises :class:`NluError` when the JSON does not have Rasa's shape. Entity values that
    are not strings (Rasa's synonyms may map to numbers, Duckling to objects) become
    strings (JSON for objects); ``confidence_entity``, ``role`` and ``group`` go to
    ``additional_info``.
    """
    try:
        intent = _intent(data.get("intent"))
        ranking_raw = data.get("intent_ranking", [])
        if not isinstance(ranking_raw, list):
            raise TypeError("intent_ranking is not a list")
        ranking = tuple(_intent(r) for r in ranking_raw)
        entities_raw = data.get("entities", [])
        if not isinstance(entities_raw, list):
            raise TypeError("entities is not a list")
        entities = tuple(_entity(e, text) for e in entities_raw)
    except (TypeError, ValueError, KeyError) as exc:
        raise NluError(f"Rasa answered JSON of an unexpected shape: {exc}") from None
    return Parse(
        text=text,
        intent=intent,
        intent_ranking=ranking,
        entities=tuple(sorted(entities, key=lambda e: (e.start, e.end))),
        backend=backend,
    )


def merge_entities(rasa: Iterable[Entity], rules: Iterable[Entity]) -> tuple[Entity, ...]:
    """Rule-based entities, plus Rasa's of other kinds where they overlap nothing kept.

    Rasa's entities of :data:`RESOLVED_KINDS` are dropped (see the module docstring).
    """
    kept = list(rules)
    for entity in sorted(rasa, key=lambda e: (e.start, e.end)):
        if entity.entity in RESOLVED_KINDS:
            continue
        if any(entity.start < k.end and k.start < entity.end for k in kept):
            continue
        kept.append(entity)
    return tuple(sorted(kept, key=lambda e: (e.start, e.end, e.entity)))


def _intent(raw: object) -> IntentScore:
    if not isinstance(raw, Mapping):
        raise TypeError(f"intent is {type(raw).__name__}, not an object")
    name = raw.get("name")
    if name is None:
        return IntentScore(NO_INTENT, 0.0)
    if not isinstance(name, str) or not name:
        raise TypeError(f"intent name {name!r} is not a string")
    return IntentScore(name, _confidence(raw.get("confidence", 0.0)))


def _confidence(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise TypeError(f"confidence {raw!r} is not a number")
    return float(raw)


def _entity(raw: object, text: str) -> Entity:
    if not isinstance(raw, Mapping):
        raise TypeError(f"an entity is {type(raw).__name__}, not an object")
    kind, start, end = raw.get("entity"), raw.get("start"), raw.get("end")
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"entity name {kind!r} is not a string")
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool):
        raise TypeError(f"entity {kind!r} has no integer start/end")
    if not 0 <= start < end <= len(text):
        raise ValueError(f"entity {kind!r} span {start}-{end} is outside the text")
    value = raw.get("value", text[start:end])
    extractor = raw.get("extractor")
    info: dict[str, str] = {}
    if "confidence_entity" in raw and raw["confidence_entity"] is not None:
        info["confidence"] = f"{_confidence(raw['confidence_entity']):.4f}"
    for key in ("role", "group"):
        if isinstance(raw.get(key), str):
            info[key] = raw[key]
    return Entity(
        entity=kind,
        value=_value_text(value),
        start=start,
        end=end,
        text=text[start:end],
        extractor=extractor if isinstance(extractor, str) and extractor else "rasa",
        additional_info=tuple(sorted(info.items())),
    )


def _value_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _shift(entity: Entity, offset: int, original: str) -> Entity:
    """The entity with its span moved from the text sent to Rasa into the original text."""
    if offset == 0:
        return entity
    start, end = entity.start + offset, entity.end + offset
    return Entity(
        entity=entity.entity,
        value=entity.value,
        start=start,
        end=end,
        text=original[start:end],
        extractor=entity.extractor,
        additional_info=entity.additional_info,
    )


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{len(body)} bytes, {type(exc).__name__}") from None


def _error_reason(body: bytes) -> str:
    """Rasa's error ``reason`` (e.g. ``ParsingError``), never its message: that may quote
    the caller's words."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    reason = data.get("reason") if isinstance(data, dict) else None
    if isinstance(reason, str) and re.fullmatch(r"[A-Za-z_]{1,60}", reason):
        return f", {reason}"
    return ""
