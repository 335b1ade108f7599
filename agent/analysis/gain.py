"""The expected gain: what the missed calls cost, priced with the owner's own numbers.

The guide's formula, per month::

    missed calls a month x share of new customers x close rate x average order value
      = revenue lost a month, which an assistant that answers them can win back
    minus the assistant's monthly cost = the net gain a month

Every figure carries the assumption it rests on, so the owner can check each step.
"""

from __future__ import annotations

from pydantic import BaseModel

from agent.profile import Economics

DAYS_PER_MONTH = 365.25 / 12


class Gain(BaseModel):
    """The formula's steps, a month each, with the assumptions they rest on."""

    assumptions: Economics
    measured_missed: int
    measured_days: int
    missed_per_month: float  # measured
    new_customer_calls_per_month: float  # x new_customer_share
    jobs_lost_per_month: float  # x close_rate
    revenue_lost_per_month: float  # x average_order_value
    net_gain_per_month: float  # - assistant_monthly_cost
    net_gain_per_year: float
    return_on_cost: float | None  # revenue / cost; None when the cost is 0


def expected_gain(missed: int, days: int, assumptions: Economics) -> Gain:
    per_month = missed / max(days, 1) * DAYS_PER_MONTH
    new = per_month * assumptions.new_customer_share
    jobs = new * assumptions.close_rate
    revenue = jobs * assumptions.average_order_value
    net = revenue - assumptions.assistant_monthly_cost
    cost = assumptions.assistant_monthly_cost
    return Gain(
        assumptions=assumptions,
        measured_missed=missed,
        measured_days=days,
        missed_per_month=round(per_month, 1),
        new_customer_calls_per_month=round(new, 1),
        jobs_lost_per_month=round(jobs, 1),
        revenue_lost_per_month=round(revenue, 2),
        net_gain_per_month=round(net, 2),
        net_gain_per_year=round(net * 12, 2),
        return_on_cost=round(revenue / cost, 1) if cost else None,
    )
