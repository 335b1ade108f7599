"""The console as one Starlette application: its routes, its state (database, sessions,
users, the profile file), the security headers and the error pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.config import Settings
from agent.storage.database import Database, DatabaseUnavailable

from . import pages_calls, pages_login, pages_report, pages_settings, pages_users
from .audit import Audit
from .auth import HOME, current_session
from .profile_edit import ProfileFile
from .sessions import Sessions
from .users import Users
from .views import make_templates, render

STATIC = Path(__file__).parent / "static"
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class SecurityHeaders:
    """No framing, no foreign scripts, no caching of pages with caller data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": POLICY.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"cache-control": b"no-store",
                }
                headers += [(k, v) for k, v in extra.items() if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def home(request: Request) -> Response:
    session = await current_session(request)
    return RedirectResponse(HOME[session.user.role] if session else "/login", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return render(request, "error.html", status=exc.status_code, message=exc.detail)


async def _db_down(request: Request, exc: Exception) -> Response:
    message = ("Die Datenbank ist gerade nicht erreichbar. Anrufe werden weiter angenommen "
               "und aufgezeichnet; bitte versuchen Sie es gleich wieder.")  # fmt: skip
    return render(request, "error.html", status=503, message=message)


def make_console(
    settings: Settings,
    db: Database,
    profile_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    on_profile_saved: Callable[[], object] | None = None,
) -> Starlette:
    """The console on ``db`` for the profile at ``profile_path``; ``on_profile_saved`` is
    called after each change the console made to the file (the running agent's
    :meth:`agent.profile_live.LiveProfile.check_now`)."""
    routes = [
        Route("/", home),
        Route("/login", pages_login.login_form, methods=["GET"]),
        Route("/login", pages_login.login, methods=["POST"]),
        Route("/logout", pages_login.logout, methods=["POST"]),
        Route("/calls", pages_calls.calls),
        Route("/calls/{call_id}", pages_calls.call),
        Route("/work/{kind}", pages_calls.work),
        Route("/work/{kind}/{item_id}/done", pages_calls.work_done, methods=["POST"]),
        Route("/escalations", pages_calls.escalations),
        Route("/audit", pages_calls.audit_log),
        Route("/rota", pages_settings.rota),
        Route("/rota/overrides", pages_settings.rota_add, methods=["POST"]),
        Route("/rota/overrides/{index:int}/delete", pages_settings.rota_remove, methods=["POST"]),
        Route("/profile", pages_settings.profile),
        Route("/profile/facts", pages_settings.fact_save, methods=["POST"]),
        Route("/profile/facts/{index:int}", pages_settings.fact_save, methods=["POST"]),
        Route("/profile/facts/{index:int}/delete", pages_settings.fact_remove, methods=["POST"]),
        Route("/profile/hours", pages_settings.hours_save, methods=["POST"]),
        Route("/users", pages_users.users_page, methods=["GET"]),
        Route("/users", pages_users.user_add, methods=["POST"]),
        Route("/users/{username}/{action}", pages_users.user_change, methods=["POST"]),
        Route("/report", pages_report.report),
        Route("/report/view", pages_report.report_view),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: _http_error, DatabaseUnavailable: _db_down},
    )
    s = app.state
    s.settings, s.console, s.db, s.env = settings, settings.console, db, env
    s.tz, s.business_name = settings.business.tz, settings.business.name
    s.sessions, s.users, s.audit = Sessions(db, settings.console), Users(db), Audit(db)
    s.profile = ProfileFile(profile_path, env)
    s.templates = make_templates()
    s.on_profile_saved = on_profile_saved or (lambda: None)
    return app
