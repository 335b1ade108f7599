"""The lab phones' codecs (tests/support/phones.py) without the lab: SDP rewriting of the
sipp scenarios, and each codec's round trip at its sample rate."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.phones import CODECS, SIPP_DIR, as_codec, tone

SCENARIOS_WITH_SDP = ["uac_call.xml", "uas_answer.xml", "uas_answer_dtmf.xml"]


@pytest.mark.parametrize("scenario", SCENARIOS_WITH_SDP)
@pytest.mark.parametrize("name", ["pcma", "g722"])
def test_a_scenario_offers_exactly_the_codec(scenario: str, name: str) -> None:
    codec = as_codec(name)
    text = codec.sdp((SIPP_DIR / scenario).read_text())
    pt = codec.payload_type
    assert "PCMU" not in text and "RTP/AVP 0 " not in text
    offers = text.count("RTP/AVP ")  # every SDP the phone sends (INVITE, 200 OK, re-INVITE)
    assert offers > 0 and text.count(f"RTP/AVP {pt} 101") == offers
    assert text.count(f"a=rtpmap:{pt} {codec.rtpmap}") == offers
    if "rtp_stream" in text:
        assert f'rtp_stream="audio.{codec.asterisk},-1,{pt}"' in text


def test_u_law_leaves_the_scenario_alone_and_unknown_codecs_are_refused() -> None:
    text = (SIPP_DIR / "uac_call.xml").read_text()
    assert as_codec("pcmu").sdp(text) == text
    with pytest.raises(ValueError, match="unknown codec"):
        as_codec("opus")
    with pytest.raises(ValueError, match="no u-law SDP"):
        as_codec("g722").sdp("<scenario/>")


@pytest.mark.parametrize(
    ("name", "rate", "hz"),
    [("pcmu", 8000, 1000.0), ("pcma", 8000, 1000.0), ("g722", 16000, 6000.0)],
)
def test_each_codec_round_trips_20_ms_packets_at_its_rate(name: str, rate: int, hz: float) -> None:
    codec = CODECS[name]
    assert codec.sample_rate == rate and codec.frame_bytes == rate // 50 * 2
    encode, decode = codec.encoder(), codec.decoder()
    pcm = tone(hz, 0.5, -20.0, rate)
    frames = [pcm[i : i + codec.frame_bytes] for i in range(0, len(pcm), codec.frame_bytes)]
    payloads = [encode(f) for f in frames]
    assert {len(p) for p in payloads} == {160}  # 20 ms is 160 bytes in all three
    out = np.frombuffer(b"".join(decode(p) for p in payloads), dtype="<i2").astype(float)
    assert out.size == len(pcm) // 2
    spectrum = np.abs(np.fft.rfft(out[rate // 10 :] * np.hanning(out.size - rate // 10)))
    peak = np.fft.rfftfreq(out.size - rate // 10, 1 / rate)[int(np.argmax(spectrum))]
    assert abs(peak - hz) < 20, peak
