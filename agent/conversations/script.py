"""The corpus file format: scripted calls and what each must leave behind."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.profile import Language

#: Named moments (Europe/Berlin wall time) a call can take place at.
MOMENTS: dict[str, str] = {
    "open": "2026-11-23T09:00",  # Monday morning, the office is open
    "open_afternoon": "2026-11-23T14:30",  # Monday afternoon, open
    "lunch": "2026-11-23T12:30",  # Monday, closed for lunch
    "after_hours": "2026-11-23T22:00",  # Monday night
    "night": "2026-11-24T02:30",  # Tuesday, small hours
    "friday_afternoon": "2026-11-27T15:00",  # Friday, closed since 13:00
    "weekend": "2026-11-28T11:00",  # Saturday
    "holiday": "2026-12-24T10:00",  # Christmas Eve, a holiday in the profile
}

End = Literal["hangup", "handover", "hold", "none"]
RECORD_KINDS: tuple[str, ...] = (
    "appointments",
    "leads",
    "orders",
    "messages",
    "escalations",
    "privacy_requests",
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expect(Strict):
    """What the call must leave behind. A record kind that is not named must not appear
    at all (no stray lead, no false escalation). Field values: plain text matches after
    normalisation (case, punctuation, spacing); ``~text`` matches when contained;
    ``re:pattern`` is a regular expression; a list matches when any item does; null
    means empty."""

    end: End
    handover: dict[str, Any] | None = None
    appointments: list[dict[str, Any]] = []
    leads: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    privacy_requests: list[dict[str, Any]] = []
    #: Patterns (regular expressions, case-insensitive) somewhere in the assistant's words.
    said: list[str] = []
    not_said: list[str] = []
    #: Caller line number (1-based) -> a pattern the assistant's first sentence after
    #: that line must match ("the gas advice comes first").
    reply_to: dict[int, str] = {}


class ScriptedCall(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    #: asr: lower case, no punctuation, recogniser slips; typed: as a person writes.
    style: Literal["asr", "typed"] = "typed"
    at: str = "open"
    caller: str | None = "+4915901234567"
    note: str = ""
    #: Bookings that exist before the call: "2026-11-24T10:00 Heizungswartung".
    booked: list[str] = []
    say: list[str]
    expect: Expect

    @field_validator("at")
    @classmethod
    def _moment(cls, v: str) -> str:
        text = MOMENTS.get(v, v)
        try:
            datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{v!r} is neither a named moment ({', '.join(MOMENTS)}) nor ISO 8601"
            ) from None
        return v

    def moment(self) -> str:
        return MOMENTS.get(self.at, self.at)


class CorpusFile(Strict):
    scenario: str
    language: Language
    calls: list[ScriptedCall]


class CorpusError(Exception):
    """A corpus file cannot be read; the message names the file and the field."""


def load_file(path: Path) -> CorpusFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CorpusFile.model_validate(data)
    except OSError as exc:
        raise CorpusError(f"{path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise CorpusError(f"{path}: {problems}") from None


def load_corpus(paths: list[Path]) -> list[CorpusFile]:
    """Every ``*.yaml`` under the given folders (or the files themselves), sorted."""
    files: list[Path] = []
    for p in paths:
        files += sorted(p.rglob("*.yaml")) if p.is_dir() else [p]
    if not files:
        raise CorpusError(f"no corpus files (*.yaml) in {', '.join(map(str, paths))}")
    corpus = [load_file(f) for f in files]
    seen: dict[str, str] = {}
    for f, c in zip(files, corpus, strict=True):
        for call in c.calls:
            key = f"{c.language}/{call.id}"
            if key in seen:
                raise CorpusError(f"{f}: call id {call.id!r} is also in {seen[key]}")
            seen[key] = str(f)
    return corpus
