"""``business.listen_in``: parallel operation, the office listens to the assistant's calls.

The guide's test week: "KI nimmt ab, Bürokraft hört mit". An office phone named here
dials the feature code (dialplan context ``rufbereit-listen``, e.g. ``*88``) and hears
the assistant's current call; a key takes the call over (agent/telephony/listen_in.py).

Phones are named by their Asterisk endpoint (``PJSIP/201``), because that is what
Asterisk puts in the listening channel's name and the phone cannot change (its caller
ID it can). A Local channel or a ring group cannot be told apart, so they are refused.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: a phone's own endpoint: technology/name (PJSIP/201, SIP/office, IAX2/anna)
_ENDPOINT = re.compile(r"^([A-Za-z][A-Za-z0-9]*)/([A-Za-z0-9_.+-]+)$")
KEYS = "0123456789*#"


def endpoint_key(phone: str) -> str:
    """The form two endpoints are compared in: the technology in capitals (Asterisk
    names channels ``PJSIP/...``), the endpoint as written."""
    tech, _, name = phone.partition("/")
    return f"{tech.upper()}/{name}"


def phone_of_channel(channel_name: str) -> str | None:
    """The endpoint a channel belongs to: ``PJSIP/201-0000002a`` -> ``PJSIP/201``.
    None for names that are not a phone's channel (Local/..., Snoop/..., garbage)."""
    tech, slash, rest = channel_name.partition("/")
    if not slash or tech.upper() in ("LOCAL", "SNOOP", "WEBSOCKET", "UNICASTRTP", "AUDIOSOCKET"):
        return None
    name, dash, seq = rest.rpartition("-")
    if not dash or not name or not seq or not all(c in "0123456789abcdefABCDEF" for c in seq):
        return None
    phone = f"{tech}/{name}"
    return endpoint_key(phone) if _ENDPOINT.match(phone) else None


class ListenIn(BaseModel):
    """Who in the office may listen to the assistant's calls, and the keys they use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        True, description="false: nobody may listen (the section can stay for later)"
    )
    phones: list[str] = Field(
        min_length=1,
        description="the office phones that may listen, by endpoint, e.g. [PJSIP/201, PJSIP/202]",
    )
    takeover_key: str = Field(
        "1", description="pressed while listening: the caller is put through to this phone"
    )
    next_key: str = Field(
        "*", description="pressed while listening: the next live call (as ChanSpy's *)"
    )

    @field_validator("phones")
    @classmethod
    def _endpoints(cls, phones: list[str]) -> list[str]:
        seen: set[str] = set()
        out: list[str] = []
        for phone in phones:
            m = _ENDPOINT.match(phone.strip())
            if m is None or m.group(1).upper() == "LOCAL":
                raise ValueError(
                    f"{phone!r} is not a phone's own endpoint like PJSIP/201 (a Local "
                    f"channel or ring group cannot be recognised when it dials in)"
                )
            key = endpoint_key(phone.strip())
            if key in seen:
                raise ValueError(f"{phone!r} is named twice")
            seen.add(key)
            out.append(key)
        return out

    @field_validator("takeover_key", "next_key")
    @classmethod
    def _key(cls, key: str) -> str:
        if len(key) != 1 or key not in KEYS:
            raise ValueError(f"{key!r} is not one phone key (0-9, * or #)")
        return key

    @model_validator(mode="after")
    def _different_keys(self) -> ListenIn:
        if self.takeover_key == self.next_key:
            raise ValueError(
                f"takeover_key and next_key are both {self.takeover_key!r}; they must differ"
            )
        return self

    def allows(self, phone: str | None) -> bool:
        """May this endpoint (``phone_of_channel``) listen?"""
        return self.enabled and phone is not None and endpoint_key(phone) in self.phones
