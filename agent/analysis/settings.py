"""The ``cdr:`` section: where the PBX keeps its call detail records, and what they mean."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class CdrSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csv: Path = Field(
        Path("/var/log/asterisk/cdr-csv/Master.csv"),
        description="cdr_csv's Master.csv (or the cdr_custom file with linkedid)",
    )
    database_url: SecretStr | None = Field(
        None, description="a CDR table instead: postgresql://… (cdr_pgsql) or mysql://… (FreePBX)"
    )
    table: str = Field("cdr", pattern=r"^[A-Za-z0-9_.]+$")
    cel_csv: Path | None = Field(None, description="CEL (cel_custom) file: ties Local legs")
    timezone: str | None = Field(
        None, description="zone of the CDR's times; default the business's (UTC with usegmtime)"
    )
    internal_numbers: str = Field(
        r"^\d{2,5}$", description="regular expression of the business's own extensions"
    )
    go_live: date | None = Field(None, description="the day the assistant started answering")

    @field_validator("internal_numbers")
    @classmethod
    def _pattern(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {v!r} (e.g. Europe/Berlin or UTC)") from exc
        return v
