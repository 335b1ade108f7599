"""The console's pages on a scripted day of calls: the day's calls, a transcript (and the
record that someone read it), the work lists with "done", the escalations with every
attempt, and the report."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date

import httpx
import pytest

from agent.console.app import make_console
from agent.report.figures import count_period
from agent.storage.database import Database
from tests.console.conftest import Console, log_in
from tests.support.scripted_day import DAY, acknowledge_emergencies, play_the_day

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def day(console: Console) -> Console:
    await play_the_day(console.db, console.settings, transcripts=True)
    await acknowledge_emergencies(console.db)
    return console


async def _one(db: Database, sql: str) -> object:
    async with db.connection() as conn:
        cur = await conn.execute(sql)  # type: ignore[arg-type]
        row = await cur.fetchone()
    assert row is not None
    return row[0]


async def test_the_days_calls_and_one_transcript_whose_reading_is_on_record(
    client: httpx.AsyncClient, day: Console
) -> None:
    await log_in(client, "buero")
    page = (await client.get(f"/calls?day={DAY}")).text
    ids = re.findall(r'href="/calls/([0-9a-f-]{36})"', page)
    assert len(ids) == 24
    assert "Termin" in page and "übergeben" in page and "Notfall" in page
    call_id = await _one(day.db, "SELECT call_id FROM leads ORDER BY created_at LIMIT 1")
    detail = await client.get(f"/calls/{call_id}")
    assert detail.status_code == 200
    said = await _one(
        day.db,
        f"SELECT data->>'text' FROM call_events WHERE call_id = '{call_id}' "
        "AND kind = 'caller_said' ORDER BY at LIMIT 1",
    )
    assert str(said) in detail.text.replace("&#39;", "'").replace("&#34;", '"')
    assert "Anrufer" in detail.text and "Assistenz" in detail.text
    # the live refresh of an ended call stops (286) and is not a second reading
    partial = await client.get(f"/calls/{call_id}", headers={"HX-Request": "true"})
    assert partial.status_code == 286
    async with day.db.connection() as conn:
        cur = await conn.execute("SELECT username, action, call_id FROM console_audit "
                                 "WHERE action = 'transcript_viewed'")  # fmt: skip
        rows = await cur.fetchall()
    assert rows == [("buero", "transcript_viewed", call_id)]
    await client.post("/logout", data={"csrf": re.findall(r'name="csrf" value="([^"]+)"',
                                                          detail.text)[0]})  # fmt: skip
    await log_in(client, "chefin")
    audit = (await client.get("/audit")).text
    assert "Gesprächsverlauf angesehen" in audit and f"/calls/{call_id}" in audit


async def test_work_is_marked_done_by_whom_and_leaves_the_open_list(
    client: httpx.AsyncClient, day: Console
) -> None:
    csrf = await log_in(client, "buero")
    page = (await client.get("/work/messages")).text
    open_ids = re.findall(r'id="item-([0-9a-f-]{36})"', page)
    callbacks = int(
        str(await _one(day.db, "SELECT count(*) FROM messages WHERE kind = 'callback'"))
    )
    assert len(open_ids) >= 1 and callbacks >= 1
    callback = await _one(day.db, "SELECT id FROM messages WHERE kind = 'callback' LIMIT 1")
    r = await client.post(f"/work/messages/{callback}/done", data={"csrf": csrf},
                          headers={"HX-Request": "true"})  # fmt: skip
    assert r.status_code == 200 and r.headers["HX-Trigger"] == "work-changed"
    page = (await client.get("/work/messages")).text
    assert str(callback) not in page
    everything = (await client.get("/work/messages?all=1")).text
    assert "erledigt von buero" in everything
    # the report's open call-backs count it too
    b = day.settings.business
    the_day = date.fromisoformat(DAY)
    async with day.db.connection() as conn:
        figures = await count_period(conn, the_day, the_day, tz=b.tz, is_open=b.is_open,
                                     economics=b.economics)  # fmt: skip
    assert figures.callbacks_open == callbacks - 1
    tables = {"leads": "leads", "orders": "orders", "appointments": "appointments",
              "privacy": "privacy_requests"}  # fmt: skip
    for kind, table in tables.items():
        item = await _one(day.db, f"SELECT id FROM {table} LIMIT 1")
        r = await client.post(f"/work/{kind}/{item}/done", data={"csrf": csrf})
        assert r.status_code == 303, kind
        assert str(item) not in (await client.get(f"/work/{kind}")).text, kind
        done_by = await _one(day.db, f"SELECT done_by FROM {table} WHERE id = '{item}'")
        assert done_by == "buero", kind
    # an unknown list or item is a clear 404, not an error
    assert (await client.get("/work/nothing")).status_code == 404
    assert (
        await client.post(f"/work/leads/{uuid.uuid4()}/done", data={"csrf": csrf})
    ).status_code == 303


async def test_escalations_show_every_attempt(client: httpx.AsyncClient, day: Console) -> None:
    await log_in(client, "technik")
    page = (await client.get("/escalations")).text
    assert page.count("Thomas Huber") >= 1 and "bestätigt" in page


async def test_the_report_page_shows_the_days_report_with_its_chart(
    client: httpx.AsyncClient, day: Console
) -> None:
    await log_in(client, "chefin")
    page = await client.get(f"/report?day={DAY}")
    assert f'src="/report/view?day={DAY}"' in page.text
    view = await client.get(f"/report/view?day={DAY}")
    assert "Anrufe angenommen" in view.text and "data:image/png;base64," in view.text
    assert "frame-ancestors 'self'" in view.headers["content-security-policy"]


async def test_with_the_database_down_the_console_says_so(console: Console) -> None:
    down = Database("postgresql://postgres@127.0.0.1:9/none", connect_timeout=0.5,
                    acquire_timeout=1.0)  # fmt: skip
    app = make_console(console.settings, down, console.profile, env={})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console") as c:
        r = await c.post("/login", data={"username": "buero", "password": "egal-egal-1"})
    assert r.status_code == 503 and "Datenbank ist gerade nicht erreichbar" in r.text
    await down.close()


async def test_a_call_the_office_listened_to_and_took_over_says_who(
    client: httpx.AsyncClient, console: Console
) -> None:
    from datetime import UTC, datetime

    from agent.storage.call_records import CallEnded, CallEvent, CallStarted, apply

    call_id, at = uuid.uuid4(), datetime.now(UTC)
    office = {"phone": "PJSIP/201", "name": "Frau Berger"}
    async with console.db.connection() as conn:
        await apply(conn, CallStarted(call_id, "c1", "+498912", "089", at, "de", "websocket"))
        await apply(conn, CallEvent(call_id, "listen_started", office, at))
        await apply(
            conn, CallEvent(call_id, "listen_ended", {**office, "reason": "taken_over"}, at)
        )
        await apply(conn, CallEvent(call_id, "taken_over", office, at))
        await apply(conn, CallEnded(call_id, at, "taken_over"))
    await log_in(client, "chefin")
    page = html.unescape((await client.get(f"/calls/{call_id}")).text)
    assert "Frau Berger hört mit" in page and "Übernommen von Frau Berger" in page
    assert "übernommen" in (await client.get("/calls")).text
