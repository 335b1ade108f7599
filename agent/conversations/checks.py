"""Judging a replayed call against its expectations: a list of what went wrong."""

from __future__ import annotations

import re
from typing import Any

from agent.actions.calendar import normalize_phone

from .replay import Outcome
from .script import RECORD_KINDS, Expect

_PUNCT = re.compile(r"[^\w\s+]", re.UNICODE)
PHONE_FIELDS = {"phone", "caller_number"}
#: Record fields that name the record type rather than a value to match.
ALIASES = {"type": "appointment_type"}


def norm(value: Any) -> str:
    return " ".join(_PUNCT.sub(" ", str(value).casefold()).split())


def matches(expected: Any, actual: Any, field: str = "") -> bool:
    """Whether ``actual`` (a stored field) satisfies ``expected`` (from the corpus)."""
    if isinstance(expected, list) and not (actual and isinstance(actual, list)):
        return any(matches(e, actual, field) for e in expected)
    if expected is None:
        return actual in (None, "", [], 0)
    if isinstance(expected, bool | int | float) and not isinstance(expected, str):
        return actual == expected or norm(actual) == norm(expected)
    if isinstance(expected, list):  # a list of records (order lines)
        return _match_records(expected, actual) is None
    if isinstance(expected, dict):
        return isinstance(actual, dict) and _match_record(expected, actual) is None
    text = str(expected)
    if actual is None:
        return False
    if text.startswith("re:"):
        return re.search(text[3:], str(actual), re.IGNORECASE) is not None
    if text.startswith("~"):
        return norm(text[1:]) in norm(actual)
    if field in PHONE_FIELDS:
        return normalize_phone(text) == normalize_phone(str(actual))
    if field in ("start", "end", "due", "created_at"):
        return str(actual).startswith(text)
    return norm(text) == norm(actual)


def _match_record(expected: dict[str, Any], actual: dict[str, Any]) -> str | None:
    for key, want in expected.items():
        name = ALIASES.get(key, key)
        if name not in actual:
            return f"has no field {key!r}"
        if not matches(want, actual[name], name):
            return f"{key} is {actual[name]!r}, expected {want!r}"
    return None


def _match_records(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> str | None:
    """Each expected record matched by a different actual one; the counts must agree."""
    if len(expected) != len(actual):
        return f"{len(actual)} stored, expected {len(expected)}"
    left = list(actual)
    for want in expected:
        reasons = []
        for n, have in enumerate(left):
            why = _match_record(want, have)
            if why is None:
                del left[n]
                break
            reasons.append(why)
        else:
            return "; ".join(reasons) or "no match"
    return None


def _brief(records: list[dict[str, Any]]) -> str:
    skip = {"id", "created_at", "call_id", "note", "status", "end", "due"}
    return " | ".join(
        ", ".join(f"{k}={v!r}" for k, v in r.items() if k not in skip and v not in ("", None))
        for r in records
    )


def check(expect: Expect, out: Outcome) -> list[str]:
    problems: list[str] = []
    if out.error:
        problems.append(out.error)
    if out.end != expect.end:
        problems.append(f"ended {out.end!r}, expected {expect.end!r}")
    handovers = [a for a in out.actions if a["type"] == "Handover"]
    if expect.handover is None and handovers:
        problems.append(f"handed over ({handovers[0].get('reason')}), expected no handover")
    elif expect.handover is not None:
        if not handovers:
            problems.append("no handover, expected one")
        else:
            why = _match_record(expect.handover, handovers[-1])
            if why:
                problems.append(f"handover: {why}")
    for kind in RECORD_KINDS:
        want = getattr(expect, kind)
        have = out.records.get(kind, [])
        why = _match_records(want, have)
        if why:
            problems.append(f"{kind}: {why}" + (f" [stored: {_brief(have)}]" if have else ""))
    text = out.assistant_text()
    for pattern in expect.said:
        if not re.search(pattern, text, re.IGNORECASE):
            problems.append(f"never said /{pattern}/")
    for pattern in expect.not_said:
        if re.search(pattern, text, re.IGNORECASE):
            problems.append(f"said /{pattern}/, which it must not")
    for line, pattern in expect.reply_to.items():
        replies = out.replies[line] if line < len(out.replies) else []
        first = replies[0] if replies else ""
        if not re.search(pattern, first, re.IGNORECASE):
            problems.append(f"reply to line {line} began {first[:60]!r}, expected /{pattern}/")
    return problems
