"""Log-in, sessions, CSRF, lock-out and roles: what keeps the callers' data to the people
who may see it."""

from __future__ import annotations

import httpx
import pytest

from agent.console.passwords import WeakPassword
from agent.console.users import UserError, Users
from tests.console.conftest import PASSWORDS, Console, log_in

pytestmark = pytest.mark.postgres


async def test_pages_need_a_log_in_and_send_back_where_one_was_going(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/calls?day=2026-11-23")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fcalls%3Fday%3D2026-11-23"
    assert (
        'name="next" value="/calls?day=2026-11-23"'
        in (await client.get(r.headers["location"])).text
    )
    r = await client.get("/calls", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["HX-Redirect"] == "/login"
    r = await client.post("/login", data={"username": "buero", "password": PASSWORDS["buero"],
                                          "next": "/escalations"})  # fmt: skip
    assert r.headers["location"] == "/escalations"


async def test_a_log_in_never_redirects_off_the_site(client: httpx.AsyncClient) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        r = await client.post("/login", data={"username": "buero",
                              "password": PASSWORDS["buero"], "next": target})  # fmt: skip
        assert r.headers["location"] == "/calls", target


async def test_a_wrong_password_or_name_says_the_same_and_opens_nothing(
    client: httpx.AsyncClient,
) -> None:
    wrong_pw = await client.post("/login", data={"username": "buero", "password": "nope-nope-1"})
    no_user = await client.post("/login", data={"username": "niemand", "password": "nope-nope-1"})
    assert wrong_pw.status_code == no_user.status_code == 401
    assert "Name oder Passwort stimmt nicht" in wrong_pw.text
    assert "Name oder Passwort stimmt nicht" in no_user.text
    assert "rufbereit_session" not in client.cookies
    assert (await client.get("/calls")).status_code == 303


async def test_five_failures_lock_the_name_out_even_with_the_right_password(
    client: httpx.AsyncClient, console: Console
) -> None:
    for _ in range(5):
        r = await client.post("/login", data={"username": "chefin", "password": "falsch-123456"})
        assert r.status_code == 401
    r = await client.post("/login", data={"username": "chefin", "password": PASSWORDS["chefin"]})
    assert r.status_code == 429
    assert "Zu viele Fehlversuche" in r.text and "15 Minuten" in r.text
    # Another user from the same address is not locked out by that
    assert (await client.post("/login", data={"username": "buero",
            "password": PASSWORDS["buero"]})).status_code == 303  # fmt: skip
    # rufbereit users unlock ends it early
    assert await Users(console.db).unlock("chefin") == 5
    await log_in(client, "chefin")


async def test_changes_need_the_sessions_csrf_token(client: httpx.AsyncClient) -> None:
    csrf = await log_in(client, "chefin")
    no_token = await client.post("/profile/hours", data={"mon": "08:00-12:00"})
    assert no_token.status_code == 403 and "abgelaufen" in no_token.text
    wrong = await client.post("/profile/hours", data={"mon": "08:00-12:00", "csrf": "x" * 32})
    assert wrong.status_code == 403
    # a session's token is no good for another session
    other = httpx.AsyncClient(transport=client._transport, base_url="http://console")
    async with other:
        await log_in(other, "technik")
        r = await other.post("/profile/hours", data={"mon": "08:00-12:00", "csrf": csrf})
        assert r.status_code == 403


async def test_each_role_sees_its_pages_only(client: httpx.AsyncClient) -> None:
    expected = {
        "buero": {"/calls": 200, "/work/leads": 200, "/escalations": 200, "/rota": 200,
                  "/profile": 403, "/report": 403, "/audit": 403},
        "technik": {"/calls": 403, "/work/leads": 403, "/escalations": 200, "/rota": 200,
                    "/profile": 200, "/report": 403, "/audit": 200},
        "chefin": {"/calls": 200, "/work/leads": 200, "/escalations": 200, "/rota": 200,
                   "/profile": 200, "/report": 200, "/audit": 200},
    }  # fmt: skip
    for name, pages in expected.items():
        client.cookies.clear()
        await log_in(client, name)
        got = {path: (await client.get(path)).status_code for path in pages}
        assert got == pages, name
        nav = (await client.get("/rota")).text
        assert ('href="/calls"' in nav) == (pages["/calls"] == 200), name


async def test_log_out_ends_the_session_on_the_server(client: httpx.AsyncClient) -> None:
    csrf = await log_in(client, "buero")
    token = client.cookies["rufbereit_session"]
    r = await client.post("/logout", data={"csrf": csrf})
    assert r.status_code == 303
    client.cookies.set("rufbereit_session", token)  # a copy of the cookie opens nothing
    assert (await client.get("/calls")).status_code == 303


async def test_a_new_password_ends_every_session(
    client: httpx.AsyncClient, console: Console
) -> None:
    await log_in(client, "buero")
    await Users(console.db).set_password("buero", "Ganz-neues-Passwort-7")
    assert (await client.get("/calls")).status_code == 303


async def test_a_disabled_user_is_out_at_once(client: httpx.AsyncClient, console: Console) -> None:
    await log_in(client, "buero")
    await Users(console.db).set_disabled("buero", True)
    assert (await client.get("/calls")).status_code == 303
    r = await client.post("/login", data={"username": "buero", "password": PASSWORDS["buero"]})
    assert r.status_code == 401


async def test_the_database_keeps_no_password_and_no_session_token(
    client: httpx.AsyncClient, console: Console
) -> None:
    await log_in(client, "buero")
    token = client.cookies["rufbereit_session"]
    async with console.db.connection() as conn:
        cur = await conn.execute("SELECT password_hash FROM console_users WHERE username = 'buero'")
        (stored,) = await cur.fetchone() or ("",)
        cur = await conn.execute("SELECT token_hash FROM console_sessions")
        hashes = [r[0] for r in await cur.fetchall()]
    assert stored.startswith("$argon2id$") and PASSWORDS["buero"] not in stored
    assert hashes and token not in hashes


async def test_weak_passwords_and_odd_names_are_refused(console: Console) -> None:
    users = Users(console.db)
    with pytest.raises(WeakPassword, match="at least 10"):
        await users.add("neu", "kurz", "office")
    with pytest.raises(WeakPassword, match="user name"):
        await users.add("mustermann", "xxmustermannxx", "office")
    with pytest.raises(UserError, match="not a role"):
        await users.add("neu", "lang-genug-123", "boss")
    with pytest.raises(UserError, match="already"):
        await users.add("Buero", "lang-genug-123", "office")
    with pytest.raises(UserError, match="2 to 64"):
        await users.add("a b", "lang-genug-123", "office")


async def test_pages_forbid_framing_and_foreign_scripts(client: httpx.AsyncClient) -> None:
    r = await client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
