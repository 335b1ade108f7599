"""The on-call rota (who is on call now, the shifts, the overrides to add and remove) and
the profile's facts and opening hours. Every change goes through
:mod:`agent.console.profile_edit`, the same check as start-up, and the running agent
takes it for its next call."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from agent.actions.escalation.rota import on_call_now
from agent.config import ConfigError, Settings, load_settings
from agent.profile import WEEKDAYS

from . import profile_edit as edit
from .audit import Audit
from .auth import page
from .profile_edit import ProfileEditError, ProfileFile
from .views import render

log = logging.getLogger(__name__)

DAY_NAMES = dict(zip(WEEKDAYS, ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag",
                                "Samstag", "Sonntag"), strict=True))  # fmt: skip


def _file(request: Request) -> ProfileFile:
    profile: ProfileFile = request.app.state.profile
    return profile


def _settings(request: Request) -> Settings | None:
    try:
        return load_settings(_file(request).path, request.app.state.env)
    except ConfigError:
        return None


async def _rota_page(request: Request, error: str = "", status: int = 200) -> Response:
    settings = _settings(request)
    on_call = settings.business.on_call if settings else None
    now = datetime.now(request.app.state.tz)
    current = on_call_now(on_call, now, request.app.state.tz) if on_call else None
    return render(request, "rota.html", on_call=on_call, current=current, now=now,
                  day_names=DAY_NAMES, editable=_file(request).editable, error=error,
                  status=status)  # fmt: skip


rota = page("rota")(_rota_page)


@page("rota")
async def rota_add(request: Request) -> Response:
    form = await request.form()

    def change() -> edit.Change:
        return edit.add_override(
            str(form.get("start", "")), str(form.get("end", "")),
            str(form.get("person", "")), str(form.get("note", "")),
        )  # fmt: skip

    return await _save(request, change, "rota_override_added", "/rota", _rota_page)


@page("rota")
async def rota_remove(request: Request) -> Response:
    index = int(request.path_params["index"])
    return await _save(request, lambda: edit.remove_override(index), "rota_override_removed",
                       "/rota", _rota_page)  # fmt: skip


async def _profile_page(request: Request, error: str = "", status: int = 200) -> Response:
    settings = _settings(request)
    business = settings.business if settings else None
    hours = {
        day: ", ".join(f"{s.start:%H:%M}-{s.end:%H:%M}" for s in business.opening_hours.spans(day))
        for day in WEEKDAYS
    } if business else {}  # fmt: skip
    return render(request, "profile.html", profile=business, hours=hours,
                  day_names=DAY_NAMES, editable=_file(request).editable, error=error,
                  status=status)  # fmt: skip


profile = page("profile")(_profile_page)


@page("profile")
async def fact_save(request: Request) -> Response:
    form = await request.form()
    index = request.path_params.get("index")

    def change() -> edit.Change:
        return edit.set_fact(
            int(index) if index is not None else None,
            str(form.get("topic", "")), str(form.get("keywords", "")),
            str(form.get("de", "")), str(form.get("en", "")),
        )  # fmt: skip

    return await _save(request, change, "fact_saved", "/profile", _profile_page)


@page("profile")
async def fact_remove(request: Request) -> Response:
    index = int(request.path_params["index"])
    return await _save(request, lambda: edit.remove_fact(index), "fact_removed", "/profile",
                       _profile_page)  # fmt: skip


@page("profile")
async def hours_save(request: Request) -> Response:
    form = await request.form()
    days = {day: str(form.get(day, "")) for day in WEEKDAYS}
    holidays = str(form.get("holidays", ""))
    return await _save(request, lambda: edit.set_hours(days, holidays), "hours_saved",
                       "/profile", _profile_page)  # fmt: skip


Page = Callable[..., Awaitable[Response]]


async def _save(
    request: Request, change: Callable[[], edit.Change], action: str, back: str, again: Page
) -> Response:
    """Make the change (from the form) and apply it to the file; tell the running agent;
    the page again, with the error when the change was refused (status 422)."""
    try:
        _file(request).change(change())
    except ProfileEditError as exc:
        return await again(request, error=str(exc), status=422)
    user = request.state.session.user.username
    audit: Audit = request.app.state.audit
    await audit.record(user, action)
    log.info("profile changed in the console", extra={"change": action})
    request.app.state.on_profile_saved()
    return RedirectResponse(f"{back}?saved=1", status_code=303)
