"""The lab Asterisk and the product dialplan (dialplan/), without the agent.

What an admin relies on before the agent ever runs: ARI answers with the configured
user, the dialplan they installed is the one in the repository, and a caller is never
lost — with no agent connected, a call to the assistant rings the office.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.lab import (
    ARI_PASSWORD,
    ARI_URL,
    ARI_USER,
    REPO,
    ari_client,
    asterisk_channels,
    asterisk_cli,
    stasis_app_registered,
)
from tests.support.phones import RtpEndpoint, place_call, run_uas, tone

pytestmark = pytest.mark.integration

DIALPLAN = REPO / "dialplan" / "extensions_rufbereit.conf"
OFFICE_TONE_DBFS = -20.0  # the office phone plays a 440 Hz tone at this level


async def test_ari_answers_with_the_lab_credentials(lab: None) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        ok = await client.get(f"{ARI_URL}/asterisk/info", auth=(ARI_USER, ARI_PASSWORD))
        wrong = await client.get(f"{ARI_URL}/asterisk/info", auth=(ARI_USER, "lab"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["system"]["version"].startswith("22."), ok.json()["system"]
    assert wrong.status_code == 401


async def test_without_agent_the_call_reaches_the_office(lab: None, ari_cleanup: None) -> None:
    assert not await stasis_app_registered(), (
        "an agent is connected as ARI app 'rufbereit'; this test needs it NOT running"
    )
    caller = f"+49891{random.randrange(10**6):06d}"  # tells our channels from other runs'
    async with run_uas("office") as office:
        result = await place_call("800", hold_s=3, caller_number=caller, timeout=45)
        await office.wait_for("ended", 1, within=5)
    assert result.ok, result.error_text
    assert office.calls == 1, f"office got {office.calls} calls; sipp errors: {office.errors}"
    assert office.answered == 1
    assert result.remote_hangup is False, "the caller hung up after holding, not Asterisk"

    first = result.first_audio_at(threshold_dbfs=-45)
    assert first is not None, f"caller heard nothing (level {result.rms_dbfs():.1f} dBFS)"
    assert first - result.started_at < 5, "office audio came too late"
    level = result.rms_dbfs(since=first)
    assert abs(level - OFFICE_TONE_DBFS) < 3, f"office tone arrived at {level:.1f} dBFS"
    assert all(p.payload_type == 0 for p in result.audio_packets), "expected u-law (PT 0)"
    assert 2.5 < len(result.audio_packets) * 0.020 < 4.5  # ~3 s of 20 ms packets

    # Both legs are torn down right after the BYE. (Only this call's channels count:
    # other test runs may share the lab.)
    left: list[str] = []
    for _ in range(50):
        left = [c["name"] for c in await asterisk_channels() if _of_call(c, caller)]
        if not left:
            break
        await asyncio.sleep(0.1)
    assert not left, f"channels left behind: {left}"


def _of_call(channel: dict[str, Any], caller_number: str) -> bool:
    return caller_number in (channel["caller"]["number"], channel["connected"]["number"])


async def test_busy_office_does_not_leave_the_caller_hanging(lab: None, ari_cleanup: None) -> None:
    """No agent, office busy, no mailbox: the dialplan hangs up instead of dead air."""
    assert not await stasis_app_registered()
    async with run_uas("office", "busy") as office:
        result = await place_call("800", hold_s=3, timeout=30)
    assert office.calls == 1
    assert not result.ok, "the call cannot be answered when the office is busy"
    assert not result.timed_out, "Asterisk must end the call, not let it ring"
    assert "486" in result.error_text or "Busy" in result.error_text, result.error_text


async def test_caller_can_talk_into_the_call(lab: None, ari_cleanup: None) -> None:
    """The lab caller's RTP sender reaches Asterisk: the echo test (600) sends it back."""

    async def talk(rtp: RtpEndpoint) -> None:
        await rtp.wait_for_peer(5)
        await rtp.send_pcm(tone(1000, 1.0, -12.0))

    result = await place_call("600", hold_s=2.5, timeout=20, during=talk)
    assert result.ok, result.error_text
    first = result.first_audio_at(threshold_dbfs=-30)
    assert first is not None, "nothing came back from the echo test"
    level = result.rms_dbfs(since=first)
    assert abs(level - -12.0) < 3, f"echo came back at {level:.1f} dBFS"


async def test_busy_office_with_mailbox_goes_to_voicemail(lab: None, ari_cleanup: None) -> None:
    """RUFBEREIT_FALLBACK_MAILBOX set: nobody takes the call, voicemail answers it."""
    assert not await stasis_app_registered()
    async with ari_client() as ari:
        r = await ari.post(
            "/asterisk/variable",
            params={"variable": "RUFBEREIT_FALLBACK_MAILBOX", "value": "100@default"},
        )
        assert r.status_code == 204, r.text
        try:
            async with run_uas("office", "busy") as office:
                result = await place_call("800", hold_s=4, timeout=30)
        finally:
            await ari.post(
                "/asterisk/variable", params={"variable": "RUFBEREIT_FALLBACK_MAILBOX", "value": ""}
            )
    assert office.calls == 1
    assert result.ok, result.error_text
    assert result.first_audio_at(threshold_dbfs=-40) is not None, "no voicemail greeting heard"


def _dialplan_priorities(path: Path) -> dict[int, str]:
    """{line number: application with arguments} for every priority in the file."""
    found: dict[int, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        m = re.match(r"\s*(exten\s*=>\s*[^,]+,|same\s*=>\s*)([^,]+),(.*)$", line)
        if m and not line.lstrip().startswith(";"):
            found[number] = m.group(3).strip()
    return found


def test_product_dialplan_is_loaded_verbatim(lab: None) -> None:
    lab_dir = Path(os.environ.get("RUFBEREIT_LAB_DIR", "/var/tmp/rufbereit-lab"))
    installed = lab_dir / "asterisk-root" / "etc" / "asterisk" / DIALPLAN.name
    assert installed.read_bytes() == DIALPLAN.read_bytes(), "lab runs a different dialplan"

    expected = _dialplan_priorities(DIALPLAN)
    assert len(expected) > 10
    shown: dict[int, str] = {}
    for context in ("rufbereit-inbound", "rufbereit", "rufbereit-listen", "rufbereit-fallback"):
        out = asterisk_cli(f"dialplan show {context}")
        assert f"Context '{context}' created by 'pbx_config'" in out, out
        for line in out.splitlines():
            m = re.search(r"\d+\.\s+(.*?)\s+\[" + re.escape(DIALPLAN.name) + r":(\d+)\]", line)
            if m:
                shown[int(m.group(2))] = m.group(1)
    assert shown == expected
