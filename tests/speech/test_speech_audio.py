"""PCM helpers: levels, resampling, G.711 u-law."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agent.speech.audio import (
    dbfs,
    duration_s,
    linear_to_ulaw,
    resample,
    rms,
    samples,
    silence,
    ulaw_to_linear,
)


def sine(freq: float, seconds: float, rate: int = 16000, amplitude: float = 0.5) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * freq * t) * amplitude * 32767).astype("<i2").tobytes()


def test_levels() -> None:
    assert rms(b"") == 0
    assert dbfs(silence(20)) == -math.inf
    assert dbfs(sine(440, 0.1)) == pytest.approx(-9.03, abs=0.1)  # half scale sine: -6 - 3 dB
    full = np.full(320, 32767, dtype="<i2").tobytes()
    assert dbfs(full) == pytest.approx(0, abs=0.01)


def test_silence_and_duration() -> None:
    assert len(silence(20)) == 640
    assert duration_s(silence(1500)) == pytest.approx(1.5)
    assert samples(b"\x01\x00\x02")[0] == 1  # trailing odd byte ignored


def test_resample_keeps_length_and_pitch() -> None:
    pcm = sine(440, 1.0, rate=22050)
    out = resample(pcm, 22050, 16000)
    assert abs(len(out) // 2 - 16000) <= 2
    x = samples(out).astype(float)
    spectrum = np.abs(np.fft.rfft(x))
    peak_hz = np.argmax(spectrum) * 16000 / len(x)
    assert peak_hz == pytest.approx(440, abs=2)
    assert dbfs(out) == pytest.approx(dbfs(pcm), abs=0.3)
    assert resample(pcm, 22050, 22050) == pcm
    with pytest.raises(ValueError):
        resample(pcm, 0, 16000)


def test_ulaw_known_codes() -> None:
    assert ulaw_to_linear(b"\xff\x7f") == b"\x00\x00\x00\x00"  # both zeros
    assert samples(ulaw_to_linear(b"\x80\x00")).tolist() == [32124, -32124]
    assert linear_to_ulaw(np.array([0, 32767, -32768], dtype="<i2").tobytes()) == b"\xff\x80\x00"


def test_ulaw_round_trip_is_close() -> None:
    pcm = sine(300, 0.2, amplitude=0.8)
    back = samples(ulaw_to_linear(linear_to_ulaw(pcm))).astype(float)
    orig = samples(pcm).astype(float)
    snr = 10 * np.log10(np.sum(orig**2) / np.sum((orig - back) ** 2))
    assert snr > 30  # G.711 gives about 38 dB on a loud sine
    # Every code decodes and re-encodes to itself.
    codes = bytes(range(256))
    again = linear_to_ulaw(ulaw_to_linear(codes))
    assert [a for a, b in zip(again, codes, strict=True) if a != b] in ([], [0xFF])  # -0 -> +0
