"""The Entity record shared by every extractor, and the business-hours hint."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, TypeAlias

#: Either a function telling whether a local datetime is inside business hours,
#: or an (open, close) pair of local times valid for every day, or None
#: (then DEFAULT_BUSINESS_HOURS is used).
BusinessHours: TypeAlias = Callable[[datetime], bool] | tuple[time, time] | None

DEFAULT_BUSINESS_HOURS: tuple[time, time] = (time(7, 0), time(19, 0))


@dataclass(frozen=True, slots=True)
class Entity:
    """One extracted entity, shaped like an entity in Rasa's parse result.

    ``start``/``end`` are character offsets into the ORIGINAL text, and
    ``text == original[start:end]``. ``additional_info`` holds extra facts as
    sorted (key, value) pairs, e.g. ``(("grain", "time"),)`` for a datetime or
    ``(("amount", "2"), ("unit", "karton"))`` for a quantity.
    """

    entity: str
    value: str
    start: int
    end: int
    text: str
    extractor: str
    additional_info: tuple[tuple[str, str], ...] = ()

    @property
    def info(self) -> dict[str, str]:
        return dict(self.additional_info)

    @property
    def grain(self) -> str | None:
        return self.info.get("grain")

    def to_rasa(self) -> dict[str, Any]:
        """The entity as Rasa's /model/parse would return it."""
        out: dict[str, Any] = {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "extractor": self.extractor,
        }
        if self.additional_info:
            out["additional_info"] = self.info
        return out


def make_entity(
    kind: str,
    value: str,
    original: str,
    start: int,
    end: int,
    extractor: str,
    **info: str,
) -> Entity:
    """Build an Entity whose ``text`` is the original slice (spans are trusted)."""
    return Entity(
        entity=kind,
        value=value,
        start=start,
        end=end,
        text=original[start:end],
        extractor=extractor,
        additional_info=tuple(sorted(info.items())),
    )


def is_open_function(hours: BusinessHours) -> Callable[[datetime], bool]:
    """Turn any accepted business-hours hint into ``is_open(local_dt) -> bool``."""
    if callable(hours):
        return hours
    open_t, close_t = hours if hours is not None else DEFAULT_BUSINESS_HOURS

    def is_open(dt: datetime) -> bool:
        return open_t <= dt.time().replace(tzinfo=None) < close_t

    return is_open


def lower_same_length(text: str) -> str:
    """Lower-case ``text`` character by character, keeping every offset valid.

    (``"İ".lower()`` has two characters; such characters are left as they are.)
    """
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def words(text: str) -> list[str]:
    """A word list written as one string: ``words("a b c") == ["a", "b", "c"]``."""
    return text.split()


_SPACE_RE = re.compile(r"\s+")


def squash_spaces(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()
