"""Before and after go-live: the case study's table, for this business.

Reachability, calls and missed calls per day come from the PBX's CDR for both periods,
so they are measured the same way. Bookings, leads, orders and handovers come from
rufbereit's own records (PostgreSQL); before go-live they are normally none. When the
records cannot be read, those rows say why instead of showing a number.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo

from pydantic import BaseModel, SecretStr

from .calls import Call
from .figures import count


class PeriodFigures(BaseModel):
    since: date
    until: date
    days: int
    inbound_calls: int
    reachability: float
    missed: int
    missed_per_day: float
    answered_by_assistant: int
    handed_over_by_assistant: int  # from the CDR
    # from rufbereit's records (None: not read, see Comparison.records_note)
    bookings: int | None = None
    leads: int | None = None
    orders: int | None = None
    messages: int | None = None
    handovers: int | None = None


class Comparison(BaseModel):
    before: PeriodFigures
    after: PeriodFigures
    records_note: str | None = None  # why rufbereit's own figures are missing


def compare(
    calls: Sequence[Call],
    *,
    tz: tzinfo,
    before: tuple[date, date],
    after: tuple[date, date],
    is_open: Callable[[datetime], bool],
    records_url: str | SecretStr | None,
) -> Comparison:
    periods = [_cdr_figures(calls, tz, since, until, is_open) for since, until in (before, after)]
    note: str | None = None
    if records_url is None:
        note = "no database configured"
    else:
        try:
            for p in periods:
                _add_records(p, tz, records_url)
        except Exception as exc:  # the CDR figures stand on their own
            note = f"rufbereit's records could not be read: {type(exc).__name__}: {exc}"
            for p in periods:
                p.bookings = p.leads = p.orders = p.messages = p.handovers = None
    return Comparison(before=periods[0], after=periods[1], records_note=note)


def _cdr_figures(
    calls: Sequence[Call], tz: tzinfo, since: date, until: date, is_open: Callable[[datetime], bool]
) -> PeriodFigures:
    f = count(calls, tz=tz, since=since, until=until, is_open=is_open)
    return PeriodFigures(
        since=since,
        until=until,
        days=f.days,
        inbound_calls=f.inbound_calls,
        reachability=f.reachability,
        missed=f.missed,
        missed_per_day=f.missed_per_day,
        answered_by_assistant=f.answered_by_assistant,
        handed_over_by_assistant=f.handed_over_by_assistant,
    )


def _add_records(p: PeriodFigures, tz: tzinfo, url: str | SecretStr) -> None:
    from agent.storage.reports import period_totals

    start = datetime.combine(p.since, time(), tz)
    end = datetime.combine(p.until + timedelta(days=1), time(), tz)
    totals = asyncio.run(period_totals(url, start, end))
    p.bookings = totals["bookings"]
    p.leads = totals["leads"]
    p.orders = totals["orders"]
    p.messages = totals["messages"]
    p.handovers = totals["handovers"]
