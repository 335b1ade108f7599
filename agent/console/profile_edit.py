"""Changes to the profile YAML from the console: facts, opening hours and holidays, the
on-call overrides.

The file is the one source of truth, so the console edits it: read with ruamel.yaml's
round trip (the admin's comments and order survive, which PyYAML cannot do), changed,
written beside it and loaded with :func:`agent.config.load_settings`, the very check
start-up makes (environment overrides and relative paths included). Only a file that
passes replaces the old one, atomically; the old one is kept as ``<name>.previous``.
The running agent picks the change up for its next call (agent/profile_live.py).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from agent.config import ConfigError, Settings, example_profile_path, load_settings
from agent.profile import WEEKDAYS, TimeSpan, Weekday


class ProfileEditError(ValueError):
    """The change is refused; the message names the field and the fix."""


Change = Callable[[CommentedMap], None]


def _yaml() -> YAML:
    y = YAML()  # round trip
    y.preserve_quotes = True
    y.width = 100
    return y


class ProfileFile:
    def __init__(self, path: Path, env: Mapping[str, str] | None = None) -> None:
        self.path = path
        self._env = env

    @property
    def editable(self) -> bool:
        return self.path.resolve() != example_profile_path().resolve() and os.access(
            self.path, os.W_OK
        )

    def change(self, change: Change) -> Settings:
        """Apply ``change`` to the ``business:`` mapping; validate; replace the file."""
        if not self.editable:
            raise ProfileEditError(
                f"{self.path} cannot be changed here (the bundled example, or not writable): "
                "copy it, set RUFBEREIT_PROFILE to the copy and start again"
            )
        y = _yaml()
        original = self.path.read_text(encoding="utf-8")
        data = y.load(original)
        change(data["business"])
        out = io.StringIO()
        y.dump(data, out)
        tmp = self.path.with_name(f".{self.path.name}.console")
        tmp.write_text(out.getvalue(), encoding="utf-8")
        try:
            settings = load_settings(tmp, self._env)
        except ConfigError as exc:
            tmp.unlink(missing_ok=True)
            raise ProfileEditError(str(exc).replace(str(tmp), str(self.path))) from None
        self.path.with_name(f"{self.path.name}.previous").write_text(original, encoding="utf-8")
        os.replace(tmp, self.path)
        return settings


# -- the edits ------------------------------------------------------------------------


def set_fact(index: int | None, topic: str, keywords: str, de: str, en: str) -> Change:
    """Add a fact (``index`` None) or replace the one at ``index``."""
    topic = topic.strip()
    if not re.fullmatch(r"[a-z0-9_]{2,40}", topic):
        raise ProfileEditError(
            "facts: topic: use 2 to 40 small letters, digits or _, e.g. parking or payment"
        )
    if not de.strip() or not en.strip():
        raise ProfileEditError("facts: answer: write the answer in German and in English")
    words = [w.strip() for w in keywords.split(",") if w.strip()]
    answer = CommentedMap(de=de.strip(), en=en.strip())
    fact = CommentedMap(topic=topic, keywords=words, answer=answer)

    def apply(business: CommentedMap) -> None:
        facts = business.setdefault("facts", [])
        if index is None:
            if any(f.get("topic") == topic for f in facts):
                raise ProfileEditError(f"facts: there is a fact {topic!r} already; change that one")
            facts.append(fact)
        else:
            _check_index(facts, index, "facts")
            facts[index] = fact

    return apply


def remove_fact(index: int) -> Change:
    def apply(business: CommentedMap) -> None:
        facts = business.get("facts") or []
        _check_index(facts, index, "facts")
        del facts[index]

    return apply


def set_hours(days: Mapping[Weekday, str], holidays: str) -> Change:
    """Opening hours as typed per weekday ("07:30-12:00, 13:00-16:30"; empty: closed) and
    holidays one date (YYYY-MM-DD) per line or comma."""
    hours: dict[Weekday, list[str]] = {}
    for day in WEEKDAYS:
        spans = [s.strip() for s in days.get(day, "").split(",") if s.strip()]
        for span in spans:
            try:
                TimeSpan.parse(span)
            except ValueError as exc:
                raise ProfileEditError(
                    f"opening_hours: {day}: {span!r} is not a time span like 07:30-12:00 ({exc})"
                ) from None
        hours[day] = spans
    dates: list[date] = []
    for word in re.split(r"[\s,;]+", holidays.strip()):
        if word:
            try:
                dates.append(date.fromisoformat(word))
            except ValueError:
                raise ProfileEditError(
                    f"holidays: {word!r} is not a date like 2026-12-24"
                ) from None

    def apply(business: CommentedMap) -> None:
        current = business.setdefault("opening_hours", CommentedMap())
        for day, spans in hours.items():
            current[day] = spans
        business["holidays"] = sorted(set(dates))

    return apply


def add_override(start: str, end: str, person: str, note: str) -> Change:
    def apply(business: CommentedMap) -> None:
        on_call = business.get("on_call")
        if not isinstance(on_call, dict):
            raise ProfileEditError("on_call: the profile has no on-call rota to override")
        names = [p.get("name") for p in on_call.get("people") or []]
        if person not in names:
            raise ProfileEditError(f"on_call: overrides: person: {person!r} is not in the rota")
        entry = CommentedMap(start=_local_time(start, "start"), end=_local_time(end, "end"),
                             person=person)  # fmt: skip
        if note.strip():
            entry["note"] = note.strip()
        on_call.setdefault("overrides", []).append(entry)

    return apply


def remove_override(index: int) -> Change:
    def apply(business: CommentedMap) -> None:
        overrides = (business.get("on_call") or {}).get("overrides") or []
        _check_index(overrides, index, "on_call: overrides")
        del overrides[index]

    return apply


def _local_time(value: str, field: str) -> str:
    """A datetime-local input ("2026-12-24T08:00"): kept as written, in the business's
    time zone (the profile reads times without a zone that way)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", value.strip()):
        raise ProfileEditError(f"on_call: overrides: {field}: {value!r} is not a date and time")
    return value.strip().replace(" ", "T")


def _check_index(items: Any, index: int, name: str) -> None:
    if not 0 <= index < len(items):
        raise ProfileEditError(f"{name}: there is no entry {index + 1}; reload the page")
