"""The daily or weekly report, the same one the owner gets by e-mail, for any day."""

from __future__ import annotations

import base64
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from agent.report.service import make_report

from .auth import page
from .views import parse_day, render

# The report is a finished HTML document with its own inline styles; it is shown in a
# frame of its own with a policy that allows them (the console's pages allow none).
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)


@page("report")
async def report(request: Request) -> Response:
    day = parse_day(request.query_params.get("day"), request.app.state.tz)
    weekly = request.query_params.get("weekly") == "1"
    return render(request, "report.html", day=day, weekly=weekly)


@page("report")
async def report_view(request: Request) -> Response:
    day = parse_day(request.query_params.get("day"), request.app.state.tz)
    weekly = request.query_params.get("weekly") == "1"
    since = day - timedelta(days=6) if weekly else day
    made = await make_report(request.app.state.settings, request.app.state.db, since, day,
                             weekly=weekly)  # fmt: skip
    chart = "data:image/png;base64," + base64.b64encode(made.chart_png).decode()
    html = made.rendered.html.replace(f"cid:{made.chart_cid}", chart)
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_POLICY})
