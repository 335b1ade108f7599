"""The AudioSocket wire format: 1 byte kind, 2 bytes payload length (big-endian), payload.

Encoders, a streaming decoder that copes with split and coalesced TCP reads,
and the mapping of messages to media events. Bad input raises
:class:`AudioSocketProtocolError`, never anything else.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
from enum import IntEnum

from agent.telephony.media.frames import (
    DtmfDigit,
    MediaError,
)

HEADER = struct.Struct(">BH")
MAX_PAYLOAD = 0xFFFF
READ_SIZE = 16 * 1024


class Kind(IntEnum):
    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    SLIN = 0x10  # 8 kHz
    SLIN12 = 0x11
    SLIN16 = 0x12
    SLIN24 = 0x13
    SLIN32 = 0x14
    SLIN44 = 0x15
    SLIN48 = 0x16
    SLIN96 = 0x17
    SLIN192 = 0x18
    ERROR = 0xFF


AUDIO_RATES = {
    Kind.SLIN: 8000,
    Kind.SLIN12: 12000,
    Kind.SLIN16: 16000,
    Kind.SLIN24: 24000,
    Kind.SLIN32: 32000,
    Kind.SLIN44: 44100,
    Kind.SLIN48: 48000,
    Kind.SLIN96: 96000,
    Kind.SLIN192: 192000,
}


class AudioSocketProtocolError(MediaError):
    """A message that breaks the AudioSocket protocol (the connection may go on)."""


# ------------------------------------------------------------------ codec


@dataclass(frozen=True, slots=True)
class Message:
    """One raw AudioSocket message."""

    kind: int
    payload: bytes = b""


@dataclass(frozen=True, slots=True)
class CallUuid:
    value: uuid.UUID


@dataclass(frozen=True, slots=True)
class AudioData:
    """Audio payload of any even length (transports re-frame it to 20 ms)."""

    pcm: bytes


@dataclass(frozen=True, slots=True)
class Hangup:
    pass


@dataclass(frozen=True, slots=True)
class RemoteError:
    code: bytes


Decoded = CallUuid | AudioData | DtmfDigit | Hangup | RemoteError


def encode(kind: int, payload: bytes = b"") -> bytes:
    if not 0 <= kind <= 0xFF:
        raise ValueError(f"message kind {kind} is not a byte")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    return HEADER.pack(kind, len(payload)) + payload


def encode_audio(pcm: bytes, kind: Kind = Kind.SLIN16) -> bytes:
    if kind not in AUDIO_RATES:
        raise ValueError(f"{kind!r} is not an audio kind")
    if not pcm or len(pcm) % 2:
        raise ValueError(f"audio payload must be non-empty and even, got {len(pcm)} bytes")
    return encode(kind, pcm)


def encode_uuid(value: uuid.UUID) -> bytes:
    return encode(Kind.UUID, value.bytes)


def encode_dtmf(digit: str) -> bytes:
    return encode(Kind.DTMF, DtmfDigit(digit).digit.encode("ascii"))


def encode_hangup() -> bytes:
    return encode(Kind.HANGUP)


def encode_error(code: bytes = b"") -> bytes:
    return encode(Kind.ERROR, code)


class Decoder:
    """Streaming decoder: feed it whatever TCP delivers (split or coalesced)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a message."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Message]:
        self._buf += data
        out: list[Message] = []
        pos = 0
        buf = self._buf
        while len(buf) - pos >= HEADER.size:
            kind, length = HEADER.unpack_from(buf, pos)
            end = pos + HEADER.size + length
            if end > len(buf):
                break
            out.append(Message(kind, bytes(buf[pos + HEADER.size : end])))
            pos = end
        if pos:
            del buf[:pos]
        return out


def interpret(msg: Message, *, audio_kind: Kind = Kind.SLIN16) -> Decoded:
    """Give a raw message its meaning; AudioSocketProtocolError if it is malformed."""
    kind, payload = msg.kind, msg.payload
    if kind == audio_kind:
        if not payload:
            raise AudioSocketProtocolError("empty audio message")
        if len(payload) % 2:
            raise AudioSocketProtocolError(f"odd-length audio message ({len(payload)} bytes)")
        return AudioData(payload)
    if kind == Kind.DTMF:
        if len(payload) != 1:
            raise AudioSocketProtocolError(f"DTMF message with {len(payload)} bytes, expected 1")
        digit = chr(payload[0])
        try:
            return DtmfDigit(digit)
        except ValueError:
            raise AudioSocketProtocolError(f"DTMF message with invalid digit {payload!r}") from None
    if kind == Kind.UUID:
        if len(payload) != 16:
            raise AudioSocketProtocolError(f"UUID message with {len(payload)} bytes, expected 16")
        return CallUuid(uuid.UUID(bytes=payload))
    if kind == Kind.HANGUP:
        return Hangup()
    if kind == Kind.ERROR:
        return RemoteError(payload)
    if kind in AUDIO_RATES:
        raise AudioSocketProtocolError(
            f"audio at {AUDIO_RATES[Kind(kind)]} Hz (kind 0x{kind:02x}); expected kind "
            f"0x{audio_kind:02x}: create the externalMedia channel with format=slin16"
        )
    raise AudioSocketProtocolError(f"unknown message kind 0x{kind:02x} ({len(payload)} bytes)")


def as_uuid(call_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(call_id, uuid.UUID):
        return call_id
    try:
        return uuid.UUID(call_id)
    except ValueError:
        raise MediaError(f"AudioSocket needs a UUID as the call id, got {call_id!r}") from None
