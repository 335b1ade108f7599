"""The ``report:`` section: who gets the daily and weekly report, and when."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ReportSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: list[str] = Field(default_factory=list, description="recipients (default: business.email)")
    daily_at: str | None = Field(
        "18:30",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="local time the day's report is sent (null: no daily report)",
    )
    weekly_on: Weekday | None = Field(
        "mon", description="the last week's report is sent that morning (null: none)"
    )
    weekly_at: str = Field("07:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
