"""The figures an owner reads: missed in and after opening hours, callers who never got
through, when calls are missed; and the gain, each step with its assumption."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent.analysis.calls import rebuild_calls
from agent.analysis.cdr import CdrRecord
from agent.analysis.figures import count
from agent.analysis.gain import expected_gain
from agent.config import load_settings
from agent.profile import Economics

BERLIN = ZoneInfo("Europe/Berlin")


def call(uid: str, caller: str, at: datetime, *, answered: bool) -> CdrRecord:
    talk = 60 if answered else 0
    return CdrRecord(
        src=caller,
        dst="0891234567",
        dcontext="from-trunk",
        channel=f"PJSIP/trunk-{uid}",
        dstchannel=f"PJSIP/101-{uid}",
        lastapp="Dial",
        lastdata="PJSIP/101,20",
        start=at,
        answer=at + timedelta(seconds=5) if answered else None,
        end=at + timedelta(seconds=(5 + talk) if answered else 20),
        duration=(5 + talk) if answered else 20,
        billsec=talk,
        disposition="ANSWERED" if answered else "NO ANSWER",
        uniqueid=uid,
    )


def test_missed_calls_in_and_after_opening_hours_and_who_never_got_through() -> None:
    profile = load_settings(None).business  # Mon-Thu 7:30-12, 13-17; Fri 7:30-13
    monday = datetime(2026, 6, 1, tzinfo=BERLIN)
    records = [
        call("1", "0171111", monday.replace(hour=9), answered=True),
        call("2", "0172222", monday.replace(hour=10), answered=False),
        call("3", "0172222", monday.replace(hour=10, minute=30), answered=False),  # repeat
        call("4", "0173333", monday.replace(hour=12, minute=30), answered=False),  # lunch: closed
        call("5", "0174444", monday.replace(hour=19), answered=False),
        call("6", "0171111", (monday + timedelta(days=2)).replace(hour=20), answered=False),
    ]
    f = count(
        rebuild_calls(records),
        tz=BERLIN,
        since=date(2026, 6, 1),
        until=date(2026, 6, 7),
        is_open=profile.is_open,
    )
    assert (f.inbound_calls, f.answered_by_person, f.missed) == (6, 1, 5)
    assert (f.inbound_in_opening_hours, f.missed_in_opening_hours) == (3, 2)
    assert (f.inbound_after_hours, f.missed_after_hours) == (3, 3)
    assert f.missed_share == pytest.approx(5 / 6, abs=1e-4)
    assert f.repeated_calls == 1
    assert f.callers == 4
    assert f.callers_never_reached == 3  # 0171111 got through once
    assert f.missed_by_reason == {"no_answer": 5}
    assert [(d.day.isoformat(), d.inbound, d.missed) for d in f.per_day[:3]] == [
        ("2026-06-01", 5, 4),
        ("2026-06-02", 0, 0),
        ("2026-06-03", 1, 1),
    ]
    assert f.days == 7 and f.missed_per_day == round(5 / 7, 2)
    busiest = f.busiest_missed_hours[0]
    assert (busiest.weekday, busiest.hour, busiest.missed) == (0, 10, 2)


def test_a_call_is_counted_on_its_local_day() -> None:
    late = datetime(2026, 6, 1, 23, 30, tzinfo=BERLIN)  # 21:30 UTC
    calls = rebuild_calls([call("1", "0171111", late, answered=False)])
    first = count(
        calls, tz=BERLIN, since=date(2026, 6, 1), until=date(2026, 6, 1), is_open=lambda _: False
    )
    second = count(
        calls, tz=BERLIN, since=date(2026, 6, 2), until=date(2026, 6, 2), is_open=lambda _: False
    )
    assert (first.inbound_calls, second.inbound_calls) == (1, 0)


def test_the_gain_follows_the_guides_formula_step_by_step() -> None:
    owner = Economics(
        average_order_value=850, close_rate=0.35, new_customer_share=0.4, assistant_monthly_cost=149
    )
    g = expected_gain(missed=300, days=91, assumptions=owner)  # 3 months, 300 missed
    per_month = 300 / 91 * 365.25 / 12
    assert g.missed_per_month == pytest.approx(per_month, abs=0.05)
    assert g.new_customer_calls_per_month == pytest.approx(per_month * 0.4, abs=0.05)
    assert g.jobs_lost_per_month == pytest.approx(per_month * 0.4 * 0.35, abs=0.05)
    assert g.revenue_lost_per_month == pytest.approx(per_month * 0.4 * 0.35 * 850, abs=0.01)
    assert g.net_gain_per_month == pytest.approx(g.revenue_lost_per_month - 149, abs=0.01)
    assert g.net_gain_per_year == pytest.approx(g.net_gain_per_month * 12, abs=0.1)
    assert g.assumptions == owner  # shown with the figures
