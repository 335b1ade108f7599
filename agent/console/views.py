"""Rendering the console's pages: one Jinja2 environment, the context every page gets
(the user, the CSRF token, the navigation), and the numbers and times in German."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from .auth import ACCESS
from .sessions import Session

NAV = [
    ("calls", "/calls", "Anrufe"),
    ("work", "/work/leads", "Zu erledigen"),
    ("escalations", "/escalations", "Notfälle"),
    ("rota", "/rota", "Bereitschaft"),
    ("profile", "/profile", "Auskünfte & Zeiten"),
    ("report", "/report", "Bericht"),
    ("audit", "/audit", "Protokoll"),
    ("users", "/users", "Zugänge"),
]
OUTCOMES = {
    "completed": "erledigt",
    "handover": "übergeben",
    "callback": "Rückruf vereinbart",
    "caller_hangup": "aufgelegt",
    "fallback": "an Menschen",
    "failed": "Fehler",
    "taken_over": "übernommen",
}
ACTIONS = {
    "BookAppointment": "Termin",
    "RescheduleAppointment": "Termin verlegt",
    "CancelAppointment": "Termin abgesagt",
    "Save": "Eintrag",
    "lead": "Anfrage",
    "order": "Bestellung",
    "message": "Nachricht",
    "callback": "Rückruf",
    "privacy": "Datenschutz",
    "emergency": "Notfall",
    "StartEscalation": "Notfall",
    "Handover": "Übergabe",
}


def make_templates() -> Jinja2Templates:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("agent.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["seconds"] = seconds
    env.filters["outcome"] = lambda v: OUTCOMES.get(v or "", v or "läuft")
    env.filters["action"] = lambda v: ACTIONS.get(v, v)
    return Jinja2Templates(env=env)


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    total = round(value)
    return f"{total // 60}:{total % 60:02d}"


def local(moment: datetime | None, tz: ZoneInfo, fmt: str = "%H:%M") -> str:
    return moment.astimezone(tz).strftime(fmt) if moment else "–"


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    session: Session | None = getattr(request.state, "session", None)
    tz: ZoneInfo = request.app.state.tz
    nav = [
        (href, label, request.url.path.startswith(href.rsplit("/", 1)[0] or href))
        for name, href, label in NAV
        if session is not None and session.user.role in ACCESS[name]
    ]
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        template,
        {
            "session": session,
            "csrf": session.csrf if session else "",
            "nav": nav,
            "business": request.app.state.business_name,  # the name; pages use other keys
            "tz": tz,
            "local": lambda m, fmt="%H:%M": local(m, tz, fmt),
            "today": datetime.now(tz).date(),
            **context,
        },
        status_code=status,
    )


def parse_day(value: str | None, tz: ZoneInfo) -> date:
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return datetime.now(tz).date()
