"""Who may see what, and the checks every request passes: a live session, the role, and
for every change the session's CSRF token (a form field, or htmx's ``X-CSRF-Token``)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .sessions import Session, Sessions
from .users import Role

COOKIE = "rufbereit_session"

#: page -> the roles that may use it. The admin runs the system but reads no transcripts;
#: the office works through the calls; the owner sees everything.
ACCESS: dict[str, frozenset[Role]] = {
    "calls": frozenset({"owner", "office"}),
    "work": frozenset({"owner", "office"}),
    "escalations": frozenset({"owner", "office", "admin"}),
    "rota": frozenset({"owner", "office", "admin"}),
    "profile": frozenset({"owner", "admin"}),
    "report": frozenset({"owner"}),
    "audit": frozenset({"owner", "admin"}),
    "users": frozenset({"owner", "admin"}),
}
HOME: dict[Role, str] = {"owner": "/calls", "office": "/calls", "admin": "/rota"}

Handler = Callable[[Request], Awaitable[Response]]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


async def current_session(request: Request) -> Session | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    sessions: Sessions = request.app.state.sessions
    return await sessions.find(token)


def page(name: str) -> Callable[[Handler], Handler]:
    """Only for a logged-in user whose role may use ``name``; changes (POST) need the
    session's CSRF token. The session is ``request.state.session``."""

    def wrap(handler: Handler) -> Handler:
        async def checked(request: Request) -> Response:
            session = await current_session(request)
            if session is None:
                if request.headers.get("HX-Request"):
                    return Response(status_code=401, headers={"HX-Redirect": "/login"})
                here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)
            if session.user.role not in ACCESS[name]:
                raise HTTPException(403, "Diese Seite ist für Ihre Rolle nicht freigegeben.")
            if request.method == "POST":
                await check_csrf(request, session)
            request.state.session = session
            return await handler(request)

        return checked

    return wrap


async def check_csrf(request: Request, session: Session) -> None:
    sent = request.headers.get("X-CSRF-Token")
    if sent is None:
        form = await request.form()
        value: Any = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, session.csrf):
        raise HTTPException(403, "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")


def allowed(session: Session, name: str) -> bool:
    return session.user.role in ACCESS[name]
