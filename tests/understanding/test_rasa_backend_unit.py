"""RasaNlu against a tiny local HTTP server that answers like Rasa's /model/parse.

A real socket (http.server in a thread), so connection errors, slow answers and the
token on the wire are the real thing; the Rasa answers are canned. The real Rasa server
is exercised in tests/integration/test_rasa_backend.py.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.entities import Entity
from agent.understanding.nlu import IntentScore, NluBackend, NluError
from agent.understanding.rasa_backend import (
    NO_INTENT,
    RasaNlu,
    merge_entities,
    parse_from_rasa,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=BERLIN)  # a Friday
TOKEN = "s3cr3t&t=0k"  # characters that must be URL-encoded

Answer = tuple[int, bytes]


@dataclass
class FakeRasa:
    """What the fake server answers, and what it was asked."""

    url: str
    answer: Callable[[str, Any], Answer] = lambda _path, _body: (404, b"{}")
    delay_s: float = 0.0
    requests: list[tuple[str, dict[str, list[str]], Any]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def reply(self, status: int, body: Any) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answer = lambda _path, _body: (status, raw)


@pytest.fixture
def rasa_server() -> Iterator[FakeRasa]:
    fake = FakeRasa(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like Sanic
        wbufsize = 1 << 16  # headers and body in one segment (no 40 ms delayed-ACK stalls)

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            fake.requests.append((split.path, parse_qs(split.query), body))
            if fake.delay_s:
                fake.stop.wait(fake.delay_s)
            status, out = fake.answer(split.path, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda *_: None  # type: ignore[method-assign]
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield fake
    fake.stop.set()
    server.shutdown()
    server.server_close()


def rasa_answer(
    text: str, intent: str, confidence: float, entities: list[tuple[str, str]]
) -> dict[str, Any]:
    """Rasa's JSON for ``text``; entities as (kind, words) found by str.index."""
    out = []
    for kind, words in entities:
        start = text.index(words)
        out.append(
            {
                "entity": kind,
                "start": start,
                "end": start + len(words),
                "confidence_entity": 0.91,
                "value": words,
                "extractor": "CRFEntityExtractor",
            }
        )
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": out,
        "text_tokens": [],
        "intent_ranking": [
            {"name": intent, "confidence": confidence},
            {"name": "inform", "confidence": round(1 - confidence, 4)},
        ],
    }


async def test_intent_from_rasa_entities_merged_with_the_rules(rasa_server: FakeRasa) -> None:
    text = "mein name ist anna schmidt ich hätte gern morgen um halb drei zwei säcke zement"
    rasa_server.reply(
        200,
        rasa_answer(
            text,
            "book_appointment",
            0.93,
            [
                ("person", "anna schmidt"),
                ("time", "morgen um halb drei"),
                ("quantity", "zwei"),
                ("product", "zement"),
            ],
        ),
    )
    async with RasaNlu(rasa_server.url, TOKEN, timezone="Europe/Berlin") as nlu:
        parse = await nlu.parse(text, language="de", now=NOW)

    assert parse.backend == "rasa"
    assert parse.text == text
    assert parse.intent == IntentScore("book_appointment", 0.93)
    assert [s.name for s in parse.intent_ranking] == ["book_appointment", "inform"]
    got = [(e.entity, e.value, e.extractor) for e in parse.entities]
    assert got == [
        ("person", "Anna Schmidt", "rufbereit.person"),  # rules win on the same words
        ("time", "2026-11-21T14:30:00+01:00", "rufbereit.datetime_de"),  # resolved
        ("quantity", "2 sack", "rufbereit.quantity"),  # Rasa's "zwei" is dropped
        ("product", "zement", "CRFEntityExtractor"),  # only Rasa knows products
    ]
    for e in parse.entities:
        assert text[e.start : e.end] == e.text
    assert parse.entity("product") is not None
    assert parse.entity("product").info == {"confidence": "0.9100"}  # type: ignore[union-attr]

    [(path, query, body)] = rasa_server.requests
    assert path == "/model/parse"
    assert query == {"token": [TOKEN]}
    assert body == {"text": text}


async def test_rasa_entities_the_rules_do_not_find_are_kept(rasa_server: FakeRasa) -> None:
    text = "müller mit ü lieferung in die lindwurmstraße achtundachtzig"
    rasa_server.reply(
        200,
        rasa_answer(
            text,
            "inform",
            0.8,
            [("person", "müller"), ("address", "lindwurmstraße achtundachtzig")],
        ),
    )
    async with RasaNlu(rasa_server.url) as nlu:
        parse = await nlu.parse(text, language="de", now=NOW)
    assert [(e.entity, e.text) for e in parse.entities] == [
        ("person", "müller"),
        ("address", "lindwurmstraße achtundachtzig"),
    ]
    [(_, query, _)] = rasa_server.requests
    assert query == {}  # no token configured: none sent


async def test_leading_slash_is_not_sent_and_offsets_stay_in_the_original(
    rasa_server: FakeRasa,
) -> None:
    # Rasa would read "/affirm..." as the intent shortcut "affirm" with confidence 1.0.
    text = "  /ich bin frau huber "
    sent = "ich bin frau huber"
    rasa_server.reply(200, rasa_answer(sent, "inform", 0.7, [("person", "frau huber")]))
    async with RasaNlu(rasa_server.url, TOKEN) as nlu:
        parse = await nlu.parse(text, language="de", now=NOW)
    assert rasa_server.requests[0][2] == {"text": sent}
    [person] = parse.entities
    assert text[person.start : person.end] == person.text == "frau huber"


async def test_empty_text_is_not_sent(rasa_server: FakeRasa) -> None:
    async with RasaNlu(rasa_server.url, TOKEN) as nlu:
        parse = await nlu.parse("  \n", language="de", now=NOW)
    assert parse.intent == IntentScore(NO_INTENT, 0.0)
    assert parse.entities == ()
    assert rasa_server.requests == []


async def test_unsupported_language_is_an_nlu_error(rasa_server: FakeRasa) -> None:
    async with RasaNlu(rasa_server.url) as nlu:
        with pytest.raises(NluError, match="unsupported language"):
            await nlu.parse("bonjour", language="fr", now=NOW)
    assert rasa_server.requests == []


async def test_one_client_is_reused(rasa_server: FakeRasa) -> None:
    rasa_server.reply(200, rasa_answer("ja", "affirm", 0.99, []))
    async with RasaNlu(rasa_server.url, TOKEN) as nlu:
        for _ in range(5):
            assert (await nlu.parse("ja", language="de", now=NOW)).intent.name == "affirm"
        status = await nlu.status()
    assert len(rasa_server.requests) == 6
    assert status["intent"]["name"] == "affirm"  # the canned body, via GET /status


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, {"reason": "NotAuthenticated", "message": "User is not authenticated."}, "token"),
        (403, {"reason": "NotAuthorized"}, "token"),
        (409, {"reason": "NoAgent"}, "no model loaded"),
        (500, {"reason": "ParsingError", "message": "Error: ich heiße anna"}, "HTTP 500"),
        (200, b"<html>proxy error</html>", "not JSON"),
        (200, b"\xff\xfe", "not JSON"),
        (200, [1, 2], "not an object"),
        (200, {"intent": "book_appointment"}, "unexpected shape"),
        (200, {"intent": {"name": 3, "confidence": 1}}, "unexpected shape"),
        (200, {"intent": {"name": "faq", "confidence": "high"}}, "unexpected shape"),
        (200, {"intent": {"name": "faq", "confidence": 1}, "entities": {}}, "unexpected shape"),
        (
            200,
            {
                "intent": {"name": "faq", "confidence": 1},
                "entities": [{"entity": "person", "start": 0, "end": 99, "value": "x"}],
            },
            "outside the text",
        ),
    ],
)
async def test_errors_and_garbage_raise_nlu_error(
    rasa_server: FakeRasa, status: int, body: Any, message: str
) -> None:
    rasa_server.reply(status, body)
    async with RasaNlu(rasa_server.url, TOKEN) as nlu:
        with pytest.raises(NluError, match=message) as info:
            await nlu.parse("ich heiße anna", language="de", now=NOW)
    assert TOKEN not in str(info.value)
    assert "anna" not in str(info.value)  # Rasa's error message may quote the caller


async def test_slow_server_raises_within_the_timeout(rasa_server: FakeRasa) -> None:
    rasa_server.reply(200, rasa_answer("ja", "affirm", 0.99, []))
    rasa_server.delay_s = 5.0
    async with RasaNlu(rasa_server.url, TOKEN, timeout_s=0.3) as nlu:
        started = time.monotonic()
        with pytest.raises(NluError, match=r"within 0.3 s"):
            await nlu.parse("ja", language="de", now=NOW)
        assert time.monotonic() - started < 0.3 + 0.5


async def test_server_down_raises_at_once() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with RasaNlu(f"http://127.0.0.1:{port}", TOKEN, timeout_s=2.0) as nlu:
        started = time.monotonic()
        with pytest.raises(NluError, match="not reachable"):
            await nlu.parse("ja", language="de", now=NOW)
        assert time.monotonic() - started < 1.0


async def test_token_and_caller_text_stay_out_of_info_logs(
    rasa_server: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    text = "hier ist anna schmidt"
    caplog.set_level(logging.DEBUG)
    async with RasaNlu(rasa_server.url, TOKEN) as nlu:
        rasa_server.reply(200, rasa_answer(text, "inform", 0.9, []))
        await nlu.parse(text, language="de", now=NOW)
        rasa_server.reply(401, {"reason": "NotAuthenticated"})
        for _ in range(2):
            with pytest.raises(NluError):
                await nlu.parse(text, language="de", now=NOW)
        rasa_server.reply(200, rasa_answer(text, "inform", 0.9, []))
        await nlu.parse(text, language="de", now=NOW)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert "s3cr3t" not in json.dumps(vars(record), default=str)
        if record.levelno >= logging.INFO:
            assert "anna" not in json.dumps(vars(record), default=str)
    ours = [(r.levelname, r.getMessage()) for r in caplog.records if "rasa_backend" in r.name]
    # a failing server is reported once at WARNING, its recovery once at INFO
    assert [lvl for lvl, _ in ours if lvl != "DEBUG"] == ["WARNING", "INFO"]
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert httpx_lines and all("/model/parse " in line for line in httpx_lines)


def test_merge_rule() -> None:
    def e(kind: str, start: int, end: int, extractor: str = "CRFEntityExtractor") -> Entity:
        return Entity(kind, f"{kind}-value", start, end, "x" * (end - start), extractor)

    rules = [e("person", 0, 10, "rules"), e("time", 20, 30, "rules")]
    rasa = [
        e("time", 20, 30),  # a resolved kind: dropped even where the rules agree
        e("phone_number", 40, 50),  # a resolved kind the rules did not find: dropped too
        e("person", 0, 8),  # overlaps the rules' person: dropped
        e("product", 25, 35),  # overlaps the rules' time: dropped
        e("address", 60, 70),  # new: kept
        e("person", 65, 75),  # overlaps the kept address: dropped
    ]
    merged = merge_entities(rasa, rules)
    assert [(m.entity, m.extractor) for m in merged] == [
        ("person", "rules"),
        ("time", "rules"),
        ("address", "CRFEntityExtractor"),
    ]


def test_mapping_of_values_and_extras() -> None:
    text = "zwei kisten wasser"
    data = {
        "text": text,
        "intent": {"name": None, "confidence": 0.0},
        "entities": [
            {"entity": "product", "start": 12, "end": 18, "value": {"sku": 7}, "role": "main"},
            {"entity": "quantity", "start": 0, "end": 4, "value": 2, "group": "1"},
            {"entity": "x", "start": 5, "end": 11},
        ],
    }
    parse = parse_from_rasa(data, text, backend="rasa-test")
    assert parse.intent == IntentScore(NO_INTENT, 0.0)
    assert parse.intent_ranking == ()
    assert [(x.entity, x.value, x.text, x.info) for x in parse.entities] == [
        ("quantity", "2", "zwei", {"group": "1"}),
        ("x", "kisten", "kisten", {}),
        ("product", '{"sku": 7}', "wasser", {"role": "main"}),
    ]
    assert parse.entities[0].extractor == "rasa"
    assert parse.to_rasa()["intent"] == {"name": NO_INTENT, "confidence": 0.0}


@pytest.mark.parametrize(
    "url", ["127.0.0.1:5005", "ftp://127.0.0.1", "http://127.0.0.1:5005/?token=x", "http://u:p@h"]
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        RasaNlu(url)


async def test_url_with_a_trailing_slash_or_path(rasa_server: FakeRasa) -> None:
    rasa_server.reply(200, rasa_answer("ja", "affirm", 0.99, []))
    async with RasaNlu(rasa_server.url + "/", TOKEN) as nlu:
        await nlu.parse("ja", language="de", now=NOW)
    assert rasa_server.requests[0][0] == "/model/parse"


async def test_is_an_nlu_backend_and_takes_a_zoneinfo(rasa_server: FakeRasa) -> None:
    text = "morgen um zehn"
    rasa_server.reply(200, rasa_answer(text, "inform", 0.9, [("time", "morgen um zehn")]))
    backend: NluBackend = RasaNlu(rasa_server.url, timezone=ZoneInfo("Europe/London"), name="r2")
    parse = await backend.parse(text, language="de", now=NOW)
    assert parse.backend == "r2"
    assert [e.value for e in parse.entities] == ["2026-11-21T10:00:00+00:00"]
    assert isinstance(backend, RasaNlu)
    await backend.aclose()
