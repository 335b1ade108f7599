"""Log-ins managed in the console by the owner or the admin: a new one, a new password,
disabled and enabled, a lock-out ended; one's own log-in is not locked out by mistake."""

from __future__ import annotations

import html

import httpx
import pytest

from tests.console.conftest import Console, log_in

pytestmark = pytest.mark.postgres


async def _second(console: Console) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=console.app, client=("192.0.2.20", 40001))
    return httpx.AsyncClient(transport=transport, base_url="http://console")


async def test_the_admin_adds_a_log_in_that_works_at_once(
    client: httpx.AsyncClient, console: Console
) -> None:
    csrf = await log_in(client, "technik")
    form = {"username": "azubi", "role": "office", "password": "Lehrjahr-2026", "csrf": csrf}
    r = await client.post("/users", data=form)
    assert r.status_code == 303
    page = (await client.get("/users")).text
    assert 'id="user-azubi"' in page and "Büro" in page
    async with await _second(console) as other:
        await log_in(other, "azubi", "Lehrjahr-2026")
        assert (await other.get("/calls")).status_code == 200
        assert (await other.get("/users")).status_code == 403  # the office manages no log-ins
    assert "Zugang angelegt" in (await client.get("/audit")).text


async def test_disabling_or_a_new_password_ends_the_users_sessions(
    client: httpx.AsyncClient, console: Console
) -> None:
    csrf = await log_in(client, "chefin")
    async with await _second(console) as office:
        await log_in(office, "buero")
        r = await client.post("/users/buero/disable", data={"csrf": csrf})
        assert r.status_code == 303
        assert (await office.get("/calls")).status_code == 303  # out
        await client.post("/users/buero/enable", data={"csrf": csrf})
        await log_in(office, "buero")
        r = await client.post("/users/buero/passwd", data={"password": "Neu-und-lang-1",
                                                            "csrf": csrf})  # fmt: skip
        assert r.status_code == 303
        assert (await office.get("/calls")).status_code == 303
        await log_in(office, "buero", "Neu-und-lang-1")


async def test_a_lock_out_is_ended_in_the_console(
    client: httpx.AsyncClient, console: Console
) -> None:
    async with await _second(console) as office:
        for _ in range(5):
            await office.post("/login", data={"username": "buero", "password": "falsch-falsch"})
        assert (await office.post("/login", data={"username": "buero",
                "password": "Termine&Kaffee9"})).status_code == 429  # fmt: skip
        csrf = await log_in(client, "technik")
        assert (await client.post("/users/buero/unlock", data={"csrf": csrf})).status_code == 303
        await log_in(office, "buero")


async def test_refusals_say_why_and_change_nothing(client: httpx.AsyncClient) -> None:
    csrf = await log_in(client, "chefin")
    weak = {"username": "neu", "role": "office", "password": "kurz", "csrf": csrf}
    r = await client.post("/users", data=weak)
    assert r.status_code == 422 and "at least 10 characters" in r.text
    r = await client.post("/users/chefin/disable", data={"csrf": csrf})
    assert r.status_code == 422 and "your own log-in" in html.unescape(r.text)
    r = await client.post("/users/niemand/disable", data={"csrf": csrf})
    assert r.status_code == 422 and "no user 'niemand'" in html.unescape(r.text)
    r = await client.post("/users/buero/delete-everything", data={"csrf": csrf})
    assert r.status_code == 422
    assert (await client.post("/users/buero/disable", data={})).status_code == 403  # no token
    page = (await client.get("/users")).text
    assert 'id="user-neu"' not in page and "gesperrt" not in page
