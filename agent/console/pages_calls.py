"""The calls (a day's list, one call's transcript and timeline, live while it runs), the
work lists with "done", the escalations with every attempt, and the access log."""

from __future__ import annotations

import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from agent.storage.database import Database

from . import queries
from .audit import Audit
from .auth import page
from .views import parse_day, render

WORK_TITLES = {
    "leads": "Anfragen",
    "orders": "Bestellungen",
    "appointments": "Termine",
    "messages": "Nachrichten & Rückrufe",
    "privacy": "Datenschutz-Anfragen",
}


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@page("calls")
async def calls(request: Request) -> Response:
    day = parse_day(request.query_params.get("day"), request.app.state.tz)
    async with _db(request).connection() as conn:
        lines = await queries.calls_of_day(conn, day, request.app.state.tz)
    template = "calls_rows.html" if request.headers.get("HX-Request") else "calls.html"
    return render(request, template, day=day, calls=lines)


@page("calls")
async def call(request: Request) -> Response:
    call_id = _uuid(request.path_params["call_id"])
    async with _db(request).connection() as conn:
        detail = await queries.call_detail(conn, call_id)
    if detail is None:
        raise HTTPException(404, "Diesen Anruf gibt es nicht (mehr).")
    partial = bool(request.headers.get("HX-Request"))
    if not partial:  # each opening of a transcript is on record; its live refresh is not
        audit: Audit = request.app.state.audit
        await audit.record(request.state.session.user.username, "transcript_viewed",
                           call_id=call_id)  # fmt: skip
    if not partial:
        return render(request, "call.html", detail=detail)
    # 286 tells htmx to stop refreshing: the call is over
    ended = detail.call["ended_at"] is not None
    return render(request, "call_timeline.html", status=286 if ended else 200, detail=detail)


@page("work")
async def work(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind not in queries.WORK:
        raise HTTPException(404, "Diese Liste gibt es nicht.")
    show_all = request.query_params.get("all") == "1"
    async with _db(request).connection() as conn:
        items = await queries.work_items(conn, kind, only_open=not show_all)
        counts = await queries.open_counts(conn)
    return render(request, "work.html", kind=kind, titles=WORK_TITLES, items=items,
                  counts=counts, show_all=show_all)  # fmt: skip


@page("work")
async def work_done(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind not in queries.WORK:
        raise HTTPException(404, "Diese Liste gibt es nicht.")
    item_id = _uuid(request.path_params["item_id"])
    user = request.state.session.user.username
    async with _db(request).connection() as conn:
        done = await queries.mark_done(conn, kind, item_id, user)
    if done:
        audit: Audit = request.app.state.audit
        await audit.record(user, f"{kind}_done", subject=str(item_id))
    if request.headers.get("HX-Request"):
        return Response("", headers={"HX-Trigger": "work-changed"})
    return RedirectResponse(f"/work/{kind}", status_code=303)


@page("escalations")
async def escalations(request: Request) -> Response:
    async with _db(request).connection() as conn:
        lines = await queries.escalations(conn)
    kinds = {e.kind: e.label.get("de") for e in request.app.state.settings.business.emergencies}
    return render(request, "escalations.html", escalations=lines, kinds=kinds)


@page("audit")
async def audit_log(request: Request) -> Response:
    audit: Audit = request.app.state.audit
    return render(request, "audit.html", entries=await audit.recent())


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise HTTPException(404, "Diese Adresse gibt es nicht.") from None
