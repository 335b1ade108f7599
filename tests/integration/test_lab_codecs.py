"""The lab phones speak u-law, A-law and G.722, and Asterisk really uses that codec.

German lines use A-law; HD phones G.722 (wideband: 16 kHz audio, so a 5-6 kHz tone gets
through, which no 8 kHz codec can carry). Each phone offers (or answers with) exactly one
codec; the caller's and the office's channels must then be in that format
(``CHANNEL(audionativeformat)`` via ARI), and the audio must arrive in it. No agent runs:
extension 600 echoes, 200 rings the office phone (lab/asterisk/extensions.conf).
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from tests.support.lab import ari_client, asterisk_channels
from tests.support.phones import CODECS, RtpEndpoint, as_codec, place_call, run_uas, tone

pytestmark = pytest.mark.integration

ECHO = "600"
OFFICE = "200"


def _dominant_hz(pcm: bytes, rate: int) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / rate)[int(np.argmax(spectrum))])


async def _formats(before: set[str]) -> dict[str, str]:
    """Channel name prefix (PJSIP/caller, PJSIP/office) -> its native audio format, for the
    channels that appeared since ``before`` (the lab may have other calls)."""
    out: dict[str, str] = {}
    async with ari_client() as ari:
        for ch in await asterisk_channels():
            if ch["id"] in before:
                continue
            r = await ari.get(
                f"/channels/{ch['id']}/variable", params={"variable": "CHANNEL(audionativeformat)"}
            )
            if r.status_code == 200:
                out[ch["name"].rsplit("-", 1)[0]] = str(r.json()["value"]).strip("()")
    return out


@pytest.mark.parametrize("name", list(CODECS))
async def test_the_caller_phone_offers_one_codec_and_asterisk_takes_it(
    lab: None, ari_cleanup: None, name: str
) -> None:
    """The caller sends a tone in its codec to the echo: the channel is in that codec and
    the tone comes back as sent (6 kHz through G.722: wideband end to end)."""
    codec = as_codec(name)
    freq = 6000.0 if codec.sample_rate == 16000 else 1000.0
    before = {c["id"] for c in await asterisk_channels()}
    seen: dict[str, Any] = {}

    async def talk(rtp: RtpEndpoint) -> None:
        await rtp.wait_for_peer(10)
        await rtp.send_pcm(tone(freq, 1.5, -20.0, codec.sample_rate))
        seen["formats"] = await asyncio.wait_for(_formats(before), 10)
        seen["sent"] = True

    result = await place_call(ECHO, hold_s=3, timeout=20, during=talk, codec=codec)
    assert result.ok, result.error_text
    assert seen.get("sent"), "the caller could not talk"
    assert seen["formats"].get("PJSIP/caller") == codec.asterisk, seen["formats"]
    audio = result.audio_packets
    assert audio, "nothing came back"
    assert {p.payload_type for p in audio} == {codec.payload_type}, {p.payload_type for p in audio}
    assert {p.rate for p in audio} == {codec.sample_rate}
    assert result.sample_rate == codec.sample_rate
    # the middle of the echoed tone (Echo() returns our frames unchanged)
    loud = [p.pcm for p in audio if np.abs(np.frombuffer(p.pcm, "<i2")).max() > 1000]
    assert len(loud) > 40, f"only {len(loud)} loud packets came back"
    heard = b"".join(loud[10:-10])
    assert abs(_dominant_hz(heard, codec.sample_rate) - freq) < 30, _dominant_hz(
        heard, codec.sample_rate
    )


@pytest.mark.parametrize(
    ("caller", "office", "office_hz", "heard_hz"),
    [
        ("pcma", "pcma", 1000.0, 1000.0),
        ("g722", "g722", 5000.0, 5000.0),  # wideband both ways: 5 kHz gets through
        ("g722", "pcmu", 440.0, 440.0),  # transcoded u-law -> G.722
        ("pcma", "g722", 1000.0, 1000.0),  # transcoded G.722 -> A-law
    ],
)
async def test_the_office_phone_answers_in_its_codec(
    lab: None, ari_cleanup: None, caller: str, office: str, office_hz: float, heard_hz: float
) -> None:
    """The office (a sipp UAS) answers in its codec and plays a tone; Asterisk negotiates
    each leg's codec and the caller hears the tone (transcoded where the codecs differ)."""
    caller_codec, office_codec = as_codec(caller), as_codec(office)
    before = {c["id"] for c in await asterisk_channels()}
    seen: dict[str, Any] = {}

    async def listen(rtp: RtpEndpoint) -> None:
        await rtp.wait_for_peer(10)
        await asyncio.sleep(1.5)
        seen["formats"] = await asyncio.wait_for(_formats(before), 10)

    audio = tone(office_hz, 1.0, -20.0, office_codec.sample_rate)
    async with run_uas("office", audio=audio, codec=office_codec) as phone:
        result = await place_call(OFFICE, hold_s=3, timeout=20, during=listen, codec=caller_codec)
        await asyncio.wait_for(phone.wait_for("ended", 1, within=5), 6)
        errors = phone.errors
    assert result.ok, result.error_text
    assert not errors, errors
    formats = seen.get("formats", {})
    assert formats.get("PJSIP/caller") == caller_codec.asterisk, formats
    assert formats.get("PJSIP/office") == office_codec.asterisk, formats
    packets = result.audio_packets
    assert {p.payload_type for p in packets} == {caller_codec.payload_type}
    heard = b"".join(p.pcm for p in packets[-60:-10])  # the tone, well after the answer
    assert heard, "the caller heard nothing from the office"
    assert abs(_dominant_hz(heard, caller_codec.sample_rate) - heard_hz) < 30, _dominant_hz(
        heard, caller_codec.sample_rate
    )
