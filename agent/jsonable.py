"""Dataclasses (actions, records) as plain JSON data: dates as ISO strings, decimals as text."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def to_json(record: Any) -> dict[str, Any]:
    """A dataclass instance as a JSON-ready dict."""
    data: dict[str, Any] = plain(dataclasses.asdict(record))
    return data
