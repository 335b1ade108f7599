"""Log-in and log-out. A failed log-in says only that it failed (not whether the name
exists); a locked-out name or address is told for how long."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .audit import Audit
from .auth import COOKIE, HOME, check_csrf, client_address, current_session
from .passwords import hash_password, needs_rehash, verify
from .sessions import Sessions
from .users import Users
from .views import render

log = logging.getLogger(__name__)


def _next(value: object) -> str:
    """Only a path on this site (no open redirect)."""
    text = value if isinstance(value, str) else ""
    parts = urlsplit(text)
    ok = text.startswith("/") and not text.startswith("//") and not parts.netloc
    return text if ok and not parts.scheme else ""


async def login_form(request: Request) -> Response:
    if (session := await current_session(request)) is not None:
        return RedirectResponse(HOME[session.user.role], status_code=303)
    return render(request, "login.html", next=_next(request.query_params.get("next")), error="")


async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    target = _next(form.get("next"))
    sessions: Sessions = request.app.state.sessions
    users: Users = request.app.state.users
    address = client_address(request)
    if (locked := await sessions.locked_for(username, address)) is not None:
        minutes = max(1, round(locked.total_seconds() / 60))
        log.warning("console log-in refused: locked out", extra={"address": address})
        error = f"Zu viele Fehlversuche. Bitte versuchen Sie es in {minutes} Minuten wieder."
        return render(request, "login.html", next=target, error=error, status=429)
    found = await users.find(username) if username else None
    ok = verify(found[1] if found else None, password)  # as long without such a user
    if found is None or not ok or found[0].disabled:
        await sessions.note_login(username, address, False)
        log.warning("console log-in failed", extra={"address": address})
        error = "Anmeldung fehlgeschlagen: Name oder Passwort stimmt nicht."
        return render(request, "login.html", next=target, error=error, status=401)
    user, stored = found
    await sessions.note_login(username, address, True)
    if needs_rehash(stored):
        await users.set_hash(user.username, hash_password(password))
    token, _ = await sessions.start(user, address)
    audit: Audit = request.app.state.audit
    await audit.record(user.username, "login")
    log.info("console log-in", extra={"role": user.role})
    response = RedirectResponse(target or HOME[user.role], status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=request.app.state.console.session_max_h * 3600,
        httponly=True,
        samesite="strict",
        secure=request.app.state.console.secure_cookies,
        path="/",
    )
    return response


async def logout(request: Request) -> Response:
    session = await current_session(request)
    if session is not None:
        await check_csrf(request, session)
        token = request.cookies.get(COOKIE, "")
        await request.app.state.sessions.end(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
