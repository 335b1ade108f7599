"""Channel event logging (CEL): which channels belong to one call.

cdr_csv's Master.csv has no ``linkedid``, so the legs of a call that pass through Local
channels (FreePBX ring groups, queues, follow-me) or a transfer are not tied to the
caller's records by any column. CEL has it on every event: each channel's ``uniqueid``
with the ``linkedid`` of the call it belongs to. Reading CEL therefore gives the map
uniqueid -> linkedid that :mod:`agent.analysis.calls` uses to group records.

Formats: the cel_custom template in ``dialplan/cel_custom.conf.sample`` (no header; the
columns of :data:`CEL_COLUMNS`), or any CSV with a header row that names ``uniqueid``
and ``linkedid`` (e.g. an export of FreePBX's ``asteriskcdrdb.cel`` table).
"""

from __future__ import annotations

import csv
from pathlib import Path

from .cdr import CdrError

CEL_COLUMNS = (
    "eventtype",
    "eventtime",
    "cid_num",
    "cid_name",
    "exten",
    "context",
    "channame",
    "appname",
    "appdata",
    "uniqueid",
    "linkedid",
    "peer",
    "extra",
)


def read_cel_links(path: Path) -> dict[str, str]:
    """uniqueid -> linkedid for every channel that has an event in the file."""
    links: dict[str, str] = {}
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as f:
            reader = csv.reader(f)
            columns: tuple[str, ...] = CEL_COLUMNS
            for line, row in enumerate(reader, start=1):
                if line == 1 and {"uniqueid", "linkedid"} <= {c.strip().lower() for c in row}:
                    columns = tuple(c.strip().lower() for c in row)
                    continue
                if len(row) != len(columns):
                    continue
                values = dict(zip(columns, row, strict=True))
                uniqueid, linkedid = values["uniqueid"].strip(), values["linkedid"].strip()
                if uniqueid and linkedid:
                    links[uniqueid] = linkedid
    except OSError as exc:
        raise CdrError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return links
