"""Structured logging: one JSON object per line (or readable text), secrets never.

Modules log with the stdlib: ``log.info("call answered", extra={"call_id": ...})``.
Two rules are enforced here rather than trusted to every call site:

* fields whose name says secret (password, token, api_key, ...) are replaced by ``***``;
* caller data (numbers, names, transcripts) is only written at DEBUG; at INFO and
  above those fields are masked, so a support log can be shared without caller data.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

SECRET_KEYS = re.compile(r"pass(word)?|secret|token|api_key|authorization", re.IGNORECASE)
CALLER_DATA_KEYS = frozenset(
    {"caller_number", "called_number", "caller_name", "number", "transcript", "text", "address"}
)
_STD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _mask_number(value: object) -> str:
    s = str(value)
    return "…" + s[-2:] if len(s) > 4 else "***"


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The ``extra=`` fields of a record, with secrets and caller data masked."""
    fields: dict[str, Any] = {}
    for key, value in record.__dict__.items():
        if key in _STD_ATTRS or key.startswith("_"):
            continue
        if SECRET_KEYS.search(key):
            value = "***"
        elif key in CALLER_DATA_KEYS and record.levelno > logging.DEBUG:
            value = _mask_number(value)
        fields[key] = value
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(record_fields(record))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]
        extra = " ".join(f"{k}={v}" for k, v in record_fields(record).items())
        line = f"{ts} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if extra:
            line += f"  [{extra}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that would log request URLs or frames at INFO/DEBUG.
    for noisy in ("httpx", "httpcore", "websockets", "psycopg.pool"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
