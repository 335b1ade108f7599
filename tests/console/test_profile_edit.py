"""Facts, opening hours and the rota's overrides changed in the console: written to the
profile file with the start-up check (the admin's comments kept), refused with the field
and the fix when wrong, and what the next call gets."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from datetime import datetime, timedelta

import httpx
import pytest

from agent.actions.escalation.rota import call_order
from agent.actions.escalation.wiring import escalation_config
from agent.config import example_profile_path
from agent.console.profile_edit import ProfileEditError, ProfileFile, set_hours
from agent.conversations.replay import replay
from agent.conversations.script import Expect, ScriptedCall
from agent.dialogue.simulate import load_backend
from agent.profile import BusinessProfile
from agent.profile_live import LiveProfile
from tests.console.conftest import Console, log_in

pytestmark = pytest.mark.postgres

QUESTION = ScriptedCall(
    id="tuerkisch",
    say=["Spricht bei Ihnen jemand Türkisch?", "Danke, tschüss"],
    expect=Expect(end="hangup"),
)
FACT = {
    "topic": "languages",
    "keywords": "türkisch, sprachen",
    "de": "Ja, unser Monteur Emre spricht Türkisch.",
    "en": "Yes, our fitter Emre speaks Turkish.",
}


async def _heard(console: Console, profile: BusinessProfile) -> str:
    nlu = await load_backend("embedded", console.settings)
    return (await replay(QUESTION, profile, nlu, "de")).assistant_text()


@pytest.mark.slow
async def test_a_fact_added_in_the_console_is_what_the_next_call_hears(
    client: httpx.AsyncClient, console: Console
) -> None:
    live = LiveProfile(console.settings.business, console.profile, env={})
    assert "Emre" not in await _heard(console, live.current)
    csrf = await log_in(client, "chefin")
    r = await client.post("/profile/facts", data={**FACT, "csrf": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/profile?saved=1"
    assert console.saved == [1]  # the running agent was told
    text = console.profile.read_text("utf-8")
    assert text.startswith("# Müller Sanitär: the admin's comment")
    assert "Emre spricht Türkisch" in text
    assert console.profile.with_name("profile.yaml.previous").exists()
    assert live.check_now() == ["facts"]
    assert "Emre spricht Türkisch" in await _heard(console, live.current)
    page = (await client.get("/profile?saved=1")).text
    assert "Gespeichert" in page and "Emre spricht Türkisch" in page
    # changed, then removed again
    index = [f.topic for f in live.current.facts].index("languages")
    r = await client.post(f"/profile/facts/{index}/delete", data={"csrf": csrf})
    assert r.status_code == 303 and live.check_now() == ["facts"]
    assert "Emre" not in await _heard(console, live.current)


async def test_a_change_that_does_not_pass_is_refused_and_the_file_stays(
    client: httpx.AsyncClient, console: Console
) -> None:
    before = console.profile.read_bytes()
    csrf = await log_in(client, "chefin")
    r = await client.post("/profile/hours", data={"mon": "25:00-26:00", "csrf": csrf})
    assert r.status_code == 422 and "opening_hours: mon" in r.text
    r = await client.post("/profile/hours", data={"mon": "08:00-12:00", "holidays": "24.12.",
                                                  "csrf": csrf})  # fmt: skip
    assert r.status_code == 422 and "is not a date like 2026-12-24" in r.text
    r = await client.post("/profile/facts", data={**FACT, "topic": "Türkisch!", "csrf": csrf})
    assert r.status_code == 422 and "facts: topic" in r.text
    wrong = {"start": "2026-12-24T08:00", "end": "2026-12-23T08:00", "person": "Josef Müller"}
    r = await client.post("/rota/overrides", data={**wrong, "csrf": csrf})
    assert r.status_code == 422 and "must end after its start" in r.text
    assert "profile.yaml" in r.text and ".profile.yaml.console" not in r.text
    nobody = {**wrong, "end": "2026-12-25T08:00", "person": "Niemand", "csrf": csrf}
    r = await client.post("/rota/overrides", data=nobody)
    assert r.status_code == 422 and "'Niemand' is not in the rota" in html.unescape(r.text)
    assert console.profile.read_bytes() == before and console.saved == []
    assert not list(console.profile.parent.glob(".*.console"))


async def test_opening_hours_and_holidays_reach_the_running_agent(
    client: httpx.AsyncClient, console: Console
) -> None:
    live = LiveProfile(console.settings.business, console.profile, env={})
    seen: list[BusinessProfile] = []
    live.subscribe(seen.append)
    saturday = datetime(2026, 12, 12, 10, 0, tzinfo=live.current.tz)
    assert not live.current.is_open(saturday)
    csrf = await log_in(client, "chefin")
    form = {"mon": "07:30-12:00, 13:00-17:00", "tue": "07:30-12:00, 13:00-17:00",
            "wed": "07:30-12:00", "thu": "07:30-12:00, 13:00-17:00", "fri": "07:30-13:00",
            "sat": "09:00-12:00", "sun": "", "holidays": "2026-12-24\n2026-12-31",
            "csrf": csrf}  # fmt: skip
    assert (await client.post("/profile/hours", data=form)).status_code == 303
    assert set(live.check_now()) == {"opening_hours", "holidays"}
    assert seen and seen[-1] is live.current
    assert live.current.is_open(saturday)
    assert not live.current.is_open(datetime(2026, 12, 24, 10, 0, tzinfo=live.current.tz))
    assert not live.current.is_open(datetime(2026, 12, 9, 14, 0, tzinfo=live.current.tz))  # wed pm
    page = (await client.get("/profile")).text
    assert 'value="09:00-12:00"' in page and "2026-12-31" in page


async def test_an_override_in_the_console_decides_whom_the_emergency_calls_first(
    client: httpx.AsyncClient, console: Console
) -> None:
    live = LiveProfile(console.settings.business, console.profile, env={})
    tz = live.current.tz
    now = datetime.now(tz).replace(second=0, microsecond=0)
    first = call_order(live.current.on_call, now, tz)[0].name  # type: ignore[arg-type]
    stand_in = next(p.name for p in live.current.on_call.people if p.name != first)  # type: ignore[union-attr]
    csrf = await log_in(client, "buero")
    r = await client.post("/rota/overrides", data={
        "start": f"{now - timedelta(hours=1):%Y-%m-%dT%H:%M}",
        "end": f"{now + timedelta(hours=3):%Y-%m-%dT%H:%M}",
        "person": stand_in, "note": "Urlaub", "csrf": csrf})  # fmt: skip
    assert r.status_code == 303
    assert live.check_now() == ["on_call"]
    config = escalation_config(live.current, caller_sms=False)
    assert config is not None and call_order(config.on_call, now, tz)[0].name == stand_in
    page = (await client.get("/rota")).text
    assert re.search(rf'class="big">{re.escape(stand_in)}', page) and "Urlaub" in page
    r = await client.post("/rota/overrides/0/delete", data={"csrf": csrf})
    assert r.status_code == 303 and live.check_now() == ["on_call"]
    assert call_order(live.current.on_call, now, tz)[0].name == first  # type: ignore[arg-type]


def test_the_bundled_example_is_not_edited() -> None:
    example = ProfileFile(example_profile_path())
    assert not example.editable
    with pytest.raises(ProfileEditError, match="copy it, set RUFBEREIT_PROFILE"):
        example.change(set_hours({}, ""))


async def test_the_agent_takes_a_file_the_admin_edited_and_keeps_the_last_good_one(
    console: Console, caplog: pytest.LogCaptureFixture
) -> None:
    live = LiveProfile(console.settings.business, console.profile, env={})
    live.start(0.05)
    try:
        text = console.profile.read_text("utf-8")
        console.profile.write_text(text.replace("- topic: parking", "- topic: parken"), "utf-8")
        for _ in range(100):
            if any(f.topic == "parken" for f in live.current.facts):
                break
            await asyncio.sleep(0.05)
        assert any(f.topic == "parken" for f in live.current.facts)
        with caplog.at_level(logging.WARNING, logger="agent.profile_live"):
            console.profile.write_text(text.replace("timezone: Europe/Berlin",
                                                    "timezone: Mars/Olympus"), "utf-8")  # fmt: skip
            for _ in range(100):
                if "does not pass" in caplog.text:
                    break
                await asyncio.sleep(0.05)
        (warning,) = [r for r in caplog.records if "does not pass" in r.getMessage()]
        assert "Mars/Olympus" in warning.error  # type: ignore[attr-defined]
        assert any(f.topic == "parken" for f in live.current.facts)  # the last good one
    finally:
        await live.close()
