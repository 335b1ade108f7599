"""Small PCM helpers shared by media and speech (16-bit signed little-endian mono)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import soxr

SAMPLE_RATE = 16000
SAMPLE_WIDTH = 2


def samples(pcm: bytes) -> npt.NDArray[np.int16]:
    """The samples of 16-bit LE PCM (a trailing odd byte is ignored)."""
    return np.frombuffer(pcm, dtype="<i2", count=len(pcm) // SAMPLE_WIDTH)


def duration_s(pcm: bytes, rate: int = SAMPLE_RATE) -> float:
    return len(pcm) // SAMPLE_WIDTH / rate


def silence(ms: float, rate: int = SAMPLE_RATE) -> bytes:
    return bytes(round(rate * ms / 1000) * SAMPLE_WIDTH)


def rms(pcm: bytes) -> float:
    """Root mean square amplitude, 0 .. 32768."""
    x = samples(pcm)
    if x.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def dbfs(pcm: bytes) -> float:
    """RMS level relative to full scale: 0 dBFS is a full-scale square wave,
    silence is -inf."""
    level = rms(pcm)
    return 20 * math.log10(level / 32768) if level > 0 else float("-inf")


def resample(pcm: bytes, from_rate: int, to_rate: int, quality: str = "HQ") -> bytes:
    """Resample 16-bit mono PCM with soxr (one-shot, so nothing is lost at the end)."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError("sample rates must be positive")
    if from_rate == to_rate or len(pcm) < SAMPLE_WIDTH:
        return pcm[: len(pcm) // SAMPLE_WIDTH * SAMPLE_WIDTH]
    out = soxr.resample(samples(pcm), from_rate, to_rate, quality=quality)
    return np.asarray(out, dtype="<i2").tobytes()


# G.711 u-law (ITU-T G.711, as in RTP payload type 0), on 14-bit magnitudes like the
# reference implementation (and Python's former audioop).
_ULAW_BIAS = 0x84
_ULAW_CLIP14 = 8159
_ULAW_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _ulaw_decode_table() -> npt.NDArray[np.int16]:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _ULAW_BIAS) << exponent) - _ULAW_BIAS
    return np.where(u & 0x80, -magnitude, magnitude).astype(np.int16)


_ULAW_TO_LINEAR = _ulaw_decode_table()


def ulaw_to_linear(data: bytes) -> bytes:
    """u-law bytes to 16-bit LE PCM (twice as long)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    return _ULAW_TO_LINEAR[codes].astype("<i2").tobytes()


def linear_to_ulaw(pcm: bytes) -> bytes:
    """16-bit LE PCM to u-law bytes."""
    v = samples(pcm).astype(np.int32) >> 2
    mask = np.where(v < 0, 0x7F, 0xFF)
    v = np.minimum(np.abs(v), _ULAW_CLIP14) + (_ULAW_BIAS >> 2)
    segment = np.searchsorted(_ULAW_SEGMENT_ENDS, v)  # first end >= v
    code = (np.minimum(segment, 7) << 4) | ((v >> (segment + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)
    return ((code ^ mask) & 0xFF).astype(np.uint8).tobytes()
