"""AudioSocket wire format: 1 byte kind, uint16 big-endian length, payload."""

from __future__ import annotations

import uuid

import pytest

from agent.telephony.media import FRAME_BYTES, AudioSocketProtocolError, DtmfDigit
from agent.telephony.media.audiosocket_codec import (
    AudioData,
    CallUuid,
    Decoder,
    Hangup,
    Kind,
    Message,
    RemoteError,
    as_uuid,
    encode,
    encode_audio,
    encode_dtmf,
    encode_error,
    encode_hangup,
    encode_uuid,
    interpret,
)
from agent.telephony.media.frames import MediaError

CALL = uuid.UUID("4b3c1f2e-9d8a-4e6b-8c7d-0a1b2c3d4e5f")
PCM = bytes(range(256)) * 2 + bytes(128)  # 640 bytes


def test_header_layout() -> None:
    assert encode_hangup() == b"\x00\x00\x00"
    assert encode_uuid(CALL) == b"\x01\x00\x10" + CALL.bytes
    assert encode_dtmf("#") == b"\x03\x00\x01#"
    assert encode_audio(PCM)[:3] == b"\x12\x02\x80"  # kind 0x12, length 640 big-endian
    assert encode_audio(PCM, Kind.SLIN)[:1] == b"\x10"
    assert encode_error(b"\x02") == b"\xff\x00\x01\x02"


def test_encode_rejects_what_asterisk_would_choke_on() -> None:
    with pytest.raises(ValueError):
        encode_audio(b"")
    with pytest.raises(ValueError):
        encode_audio(b"\x00\x01\x02")
    with pytest.raises(ValueError):
        encode(Kind.SLIN16, bytes(70000))
    with pytest.raises(ValueError):
        encode_dtmf("x")


def test_round_trip_every_kind() -> None:
    wire = (
        encode_uuid(CALL)
        + encode_audio(PCM)
        + encode_dtmf("7")
        + encode_error(b"\x04")
        + encode_hangup()
    )
    decoded = [interpret(m) for m in Decoder().feed(wire)]
    assert decoded == [
        CallUuid(CALL),
        AudioData(PCM),
        DtmfDigit("7"),
        RemoteError(b"\x04"),
        Hangup(),
    ]


def test_split_reads_byte_by_byte() -> None:
    wire = encode_uuid(CALL) + encode_audio(PCM) + encode_dtmf("1")
    dec = Decoder()
    out: list[Message] = []
    for i in range(len(wire)):
        out += dec.feed(wire[i : i + 1])
        if i < 2:
            assert dec.pending == i + 1
    assert [m.kind for m in out] == [Kind.UUID, Kind.SLIN16, Kind.DTMF]
    assert out[1].payload == PCM
    assert dec.pending == 0


def test_coalesced_and_unaligned_reads() -> None:
    frames = [encode_audio(bytes([n]) * FRAME_BYTES) for n in range(20)]
    wire = b"".join(frames)
    dec = Decoder()
    out: list[Message] = []
    for start in range(0, len(wire), 1000):  # chunks cut across headers and payloads
        out += dec.feed(wire[start : start + 1000])
    assert [m.payload[0] for m in out] == list(range(20))
    assert dec.pending == 0


def test_header_only_waits_for_payload() -> None:
    dec = Decoder()
    assert dec.feed(b"\x12\x02\x80") == []
    assert dec.pending == 3
    assert dec.feed(PCM[:100]) == []
    assert dec.feed(PCM[100:]) == [Message(Kind.SLIN16, PCM)]


@pytest.mark.parametrize(
    ("msg", "words"),
    [
        (Message(Kind.SLIN16, b""), "empty"),
        (Message(Kind.SLIN16, b"\x00\x01\x02"), "odd-length"),
        (Message(Kind.SLIN, PCM[:320]), "8000 Hz"),
        (Message(Kind.DTMF, b""), "DTMF"),
        (Message(Kind.DTMF, b"12"), "DTMF"),
        (Message(Kind.DTMF, b"x"), "invalid digit"),
        (Message(Kind.UUID, b"\x00" * 5), "UUID"),
        (Message(0x42, b"zz"), "unknown message kind 0x42"),
    ],
)
def test_bad_messages_give_a_typed_error(msg: Message, words: str) -> None:
    with pytest.raises(AudioSocketProtocolError, match=words):
        interpret(msg)


def test_protocol_error_is_a_media_error() -> None:
    assert issubclass(AudioSocketProtocolError, MediaError)


def test_call_ids() -> None:
    assert as_uuid(str(CALL)) == CALL
    assert as_uuid(CALL) is CALL
    with pytest.raises(MediaError):
        as_uuid("not-a-uuid")
