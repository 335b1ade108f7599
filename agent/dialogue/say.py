"""Small things said in replies: lists, phone numbers, amounts of money."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from agent.profile import Language

_CONJ = {("de", "and"): "und", ("de", "or"): "oder", ("en", "and"): "and", ("en", "or"): "or"}


def say_list(
    items: Sequence[str],
    language: Language,
    conj: Literal["and", "or"] = "and",
    *,
    comma_before_last: bool = False,
) -> str:
    """'A, B und C' / 'A, B or C'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    word = _CONJ[(language, conj)]
    comma = "," if comma_before_last else ""
    return f"{', '.join(items[:-1])}{comma} {word} {items[-1]}"


def _split(digits: str) -> list[str]:
    """Long digit runs in threes, the last group up to four: '9876543' -> 987, 6543."""
    groups = []
    while len(digits) > 4:
        groups.append(digits[:3])
        digits = digits[3:]
    return [*groups, digits]


def say_phone(number: str) -> str:
    """Digits one by one, grouped: '0171 2345678' -> '0 1 7 1, 2 3 4, 5 6 7 8'.

    German numbers are said nationally (+49 -> 0); a number without groups is split after
    four digits; long groups are split in threes.
    """
    text = number.strip()
    if text.startswith("+49"):
        text = "0" + text[3:].lstrip(" -/")
    plus = text.startswith("+")
    groups = [g for g in (re.sub(r"\D", "", g) for g in re.split(r"[\s/-]+", text)) if g]
    if len(groups) == 1 and len(groups[0]) > 6:
        groups = [groups[0][:4], groups[0][4:]]
    spoken = ", ".join(" ".join(part) for g in groups for part in _split(g))
    return ("+ " + spoken) if plus else spoken


def say_money(amount: Decimal, language: Language) -> str:
    """'23 Euro 80' / '23.80 euros'; whole amounts without cents."""
    cents = int((amount * 100).to_integral_value()) % 100
    euros = int(amount)
    if language == "de":
        return f"{euros} Euro" + (f" {cents:02d}" if cents else "")
    return f"{euros} euros" if not cents else f"{euros}.{cents:02d} euros"
