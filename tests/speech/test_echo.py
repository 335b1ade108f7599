"""The echo gate: our own voice coming back never counts as the caller."""

from __future__ import annotations

import math

import pytest

from agent.speech.echo import EchoGate

FRAME = 640  # 20 ms of slin16


def tone(level_db: float, frames: int) -> bytes:
    amp = 32768 * 10 ** (level_db / 20) * math.sqrt(2)
    n = frames * FRAME // 2
    return b"".join(
        int(amp * math.sin(2 * math.pi * 440 * i / 16000)).to_bytes(2, "little", signed=True)
        for i in range(n)
    )


def test_echo_of_what_we_play_is_held_back_a_louder_caller_is_not() -> None:
    now = [100.0]
    gate = EchoGate(erl_db=15, tail_s=0.5, clock=lambda: now[0])
    assert gate.allows(-60)  # nothing played yet: everything may be the caller
    gate.played(tone(-18, 50))  # one second at -18 dBFS
    now[0] += 0.2
    assert gate.reference_db() == pytest.approx(-18, abs=0.5)
    assert not gate.allows(-38)  # 20 dB down: echo
    assert gate.allows(-25)  # within 15 dB: someone talking over us
    assert gate.blocked == 1


def test_the_reference_follows_the_playout_and_ends_with_it() -> None:
    now = [0.0]
    gate = EchoGate(erl_db=15, tail_s=0.5, clock=lambda: now[0])
    gate.played(tone(-18, 25))  # plays 0.0 .. 0.5 s
    gate.played(tone(-18, 25))  # queued behind it: 0.5 .. 1.0 s
    now[0] = 0.9
    assert not gate.allows(-40)
    now[0] = 1.6  # half a second after the last frame played: no more echo
    assert gate.allows(-40)


def test_a_flush_drops_what_will_not_be_played() -> None:
    now = [0.0]
    gate = EchoGate(clock=lambda: now[0])
    gate.played(tone(-18, 100))  # two seconds queued
    now[0] = 0.1
    gate.stopped()
    now[0] = 0.7  # more than the tail after the flush
    assert gate.reference_db() == -math.inf


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        EchoGate(erl_db=-1)
    with pytest.raises(ValueError):
        EchoGate(tail_s=0)


def _listen(gate: EchoGate, now: list[float], caller_db: float, seconds: float) -> None:
    for _ in range(round(seconds / 0.02)):
        gate.allows(caller_db)
        now[0] += 0.02


def test_a_line_without_echo_opens_the_gate_for_soft_speech() -> None:
    now = [0.0]
    gate = EchoGate(erl_db=15, clock=lambda: now[0])
    gate.played(tone(-15, 150))  # three seconds of the assistant
    assert not gate.allows(-38)  # before it knows the line: the assumed 15 dB
    _listen(gate, now, -math.inf, 1.5)  # the caller's side stays silent meanwhile
    assert gate.learnt_erl_db is not None and gate.learnt_erl_db > 40
    assert gate.allows(-38)  # a soft "Moment" now barges in


def test_a_line_with_strong_echo_makes_the_gate_stricter() -> None:
    now = [0.0]
    gate = EchoGate(erl_db=15, clock=lambda: now[0])
    gate.played(tone(-15, 150))
    assert gate.allows(-25)  # 10 dB down: would pass the assumed 15 dB
    _listen(gate, now, -25, 1.5)  # ... but it is what always comes back: echo
    assert gate.learnt_erl_db == pytest.approx(10, abs=1)
    assert not gate.allows(-25)  # the echo is held back now
    assert gate.allows(-12)  # someone talking over it still gets through


def test_pauses_in_what_we_play_teach_nothing() -> None:
    """The silence after a sentence is no reference: silence coming back is no echo."""
    now = [0.0]
    gate = EchoGate(clock=lambda: now[0])
    gate.played(bytes(640 * 100))  # two seconds of digital silence
    _listen(gate, now, -math.inf, 2.0)
    assert gate.learnt_erl_db is None and gate.reference_db() == -math.inf
