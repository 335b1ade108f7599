"""The 20 ms pacer (absolute deadlines, no drift) and cutting PCM into frames."""

from __future__ import annotations

import itertools
import statistics
import time

import pytest

from agent.telephony.media import FRAME_BYTES, Pacer, pad_to_frames, split_frames
from agent.telephony.media.pacing import FrameAssembler, check_pcm, frame_count


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_deadlines_are_absolute_so_overshoot_does_not_drift() -> None:
    clock = FakeClock()
    pacer = Pacer(0.02, clock=clock)
    assert pacer.delay() == 0  # first tick at once
    t0 = clock.now
    for n in range(1, 200):
        pause = pacer.delay()
        # Every sleep overshoots by 3 ms; the next pause is shortened to make up.
        clock.now += pause + 0.003
        assert clock.now - (t0 + 0.02 * n) == pytest.approx(0.003, abs=1e-9)
    assert pacer.stats.reanchors == 0


def test_small_lateness_is_caught_up_without_reanchoring() -> None:
    clock = FakeClock()
    pacer = Pacer(0.02, clock=clock)
    pacer.delay()
    clock.now += 0.045  # 25 ms late for the next tick (allowed: < 60 ms)
    assert pacer.delay() == 0
    assert pacer.delay() == 0  # the tick after is also due: catch up
    assert pacer.delay() == pytest.approx(0.015)
    assert pacer.stats.reanchors == 0
    assert pacer.stats.max_late_s == pytest.approx(0.025)


def test_idle_or_stall_reanchors_instead_of_bursting() -> None:
    clock = FakeClock()
    pacer = Pacer(0.02, clock=clock)
    pacer.delay()
    clock.now += 1.0  # idle between two prompts
    assert pacer.delay() == 0
    assert pacer.delay() == pytest.approx(0.02)  # no burst of 50 missed frames
    assert pacer.stats.reanchors == 1


def test_reset_starts_a_new_timeline() -> None:
    clock = FakeClock()
    pacer = Pacer(0.02, clock=clock)
    pacer.delay()
    pacer.reset()
    assert pacer.delay() == 0


async def test_real_clock_ticks_at_20_ms() -> None:
    pacer = Pacer()
    stamps = []
    for _ in range(50):
        await pacer.wait()
        stamps.append(time.monotonic())
    total = stamps[-1] - stamps[0]
    assert 0.85 < total / (49 * 0.02) < 1.3
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert 0.015 < statistics.median(gaps) < 0.025


def test_split_pads_the_last_frame_with_silence() -> None:
    pcm = b"\x01\x02" * 500  # 1000 bytes
    frames = list(split_frames(pcm))
    assert [len(f) for f in frames] == [FRAME_BYTES, FRAME_BYTES]
    assert b"".join(frames)[:1000] == pcm
    assert frames[1][360:] == bytes(FRAME_BYTES - 360)
    assert list(split_frames(b"")) == []
    assert len(pad_to_frames(bytes(FRAME_BYTES))) == FRAME_BYTES
    assert frame_count(1000) == 2
    assert frame_count(0) == 0


def test_odd_pcm_is_rejected() -> None:
    with pytest.raises(ValueError):
        check_pcm(b"\x00\x01\x02")
    check_pcm(b"\x00\x01")


def test_assembler_reframes_any_sizes() -> None:
    asm = FrameAssembler()
    data = bytes(range(256)) * 10  # 2560 bytes = 4 frames
    out: list[bytes] = []
    for size in (1, 639, 1, 1000, 300, 619):
        chunk, data = data[:size], data[size:]
        out += asm.feed(chunk)
    assert [len(f) for f in out] == [FRAME_BYTES] * 4
    assert b"".join(out) == (bytes(range(256)) * 10)[:2560]
    assert asm.pending == 0
    asm.feed(b"\x00" * 10)
    assert asm.pending == 10
    asm.clear()
    assert asm.pending == 0
