"""Logs never contain secrets, and caller data stays out of INFO."""

from __future__ import annotations

import json
import logging

from agent.logs import JsonFormatter, TextFormatter


def _record(level: int, **extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord({"msg": "call answered", "levelno": level, "levelname": "X"})
    rec.__dict__.update(extra)
    return rec


def test_secrets_are_masked_at_every_level() -> None:
    for level in (logging.DEBUG, logging.INFO):
        out = json.loads(
            JsonFormatter().format(_record(level, ari_password="lab&pass=1", token="t"))
        )
        assert out["ari_password"] == "***"
        assert out["token"] == "***"


def test_caller_data_only_at_debug() -> None:
    info = json.loads(JsonFormatter().format(_record(logging.INFO, caller_number="+4989123456")))
    assert "123456" not in json.dumps(info)
    debug = json.loads(JsonFormatter().format(_record(logging.DEBUG, caller_number="+4989123456")))
    assert debug["caller_number"] == "+4989123456"


def test_text_format_is_readable() -> None:
    line = TextFormatter().format(_record(logging.INFO, call_id="abc"))
    assert "call answered" in line and "call_id=abc" in line
