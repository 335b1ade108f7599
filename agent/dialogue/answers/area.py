"""Does the business come to X? Yes for a place or postcode of the profile's area; for
another place, "not sure" and a call back (never an invented no)."""

from __future__ import annotations

import re

from agent.understanding.meaning import fold, tokens

from ..context import FlowContext
from ..utterance import Utterance
from ..values import digits
from .result import Answer, asking

_POSTCODE = re.compile(r"\b(\d{5})\b")
_PLACE_AFTER = re.compile(
    r"\b(?:nach|bis nach|bis|in|raus nach|to|out to|as far as)\s+([^\W\d_][\wäöüß-]{2,})",
    re.IGNORECASE,
)
_NOT_PLACES = frozenset(
    "der die das den dem ihr euch sie uns mir mich der ihre eure the you your my me us this "
    "that there auch noch mal so etwa ungefähr hier da dort".split()
)


def _place_in_area(ctx: FlowContext, u: Utterance) -> str | None:
    toks = tokens(u.standard)
    text = " ".join(toks)
    for place in ctx.profile.area.places:
        p = fold(place)
        if f" {p} " in f" {text} " or (" " not in p and p.replace("-", "") in toks):
            return place
        joined = {"".join(toks[i : i + 2]) for i in range(len(toks) - 1)}
        if p.replace(" ", "").replace("-", "") in joined:  # "unter schleißheim"
            return place
    return None


def _postcode(u: Utterance) -> str | None:
    said = re.sub(r"(?<=\d) (?=\d)", "", digits(u.norm, u.language))
    m = _POSTCODE.search(said)
    return m.group(1) if m else None


def asks_about_area(ctx: FlowContext, u: Utterance) -> bool:
    if not asking(u):
        return False
    return u.has("area") or (
        _place_in_area(ctx, u) is not None and not u.has("services") and not u.has("hours")
    )


def about_area(ctx: FlowContext, u: Utterance, _type: str | None) -> Answer | None:
    if not asks_about_area(ctx, u):
        return None
    area = ctx.profile.area
    described = ctx.profile.area_served or ""
    place = _place_in_area(ctx, u)
    if place is not None:
        return Answer((ctx.say("area_yes", place=place),), "area")
    code = _postcode(u)
    if code is not None:
        if any(code.startswith(p) for p in area.postcodes):
            return Answer((ctx.say("area_yes", place=code),), "area")
        return Answer((ctx.say("area_unsure", place=code, area=described),), "area", unsure=True)
    found = [m.group(1) for m in _PLACE_AFTER.finditer(u.standard)
             if m.group(1).lower() not in _NOT_PLACES]  # fmt: skip
    if not found:
        if not u.has("area"):
            return None
        return Answer((ctx.say("area_general", area=described),), "area")
    place = found[-1][:1].upper() + found[-1][1:]
    return Answer((ctx.say("area_unsure", place=place, area=described),), "area", unsure=True)
