"""The demo's business profile: the example business, closed today (a holiday, so the
emergency call is one after hours whatever the time) with Thomas Huber (the lab phone
PJSIP/oncall1) on call now, and German voice (Whisper base, smart-turn when installed).

`python -m lab.demo_profile OUT.yaml` writes it; lab/demo.sh starts the demo agent with it.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from agent.config import example_profile_data


def demo_profile(now: datetime) -> dict[str, Any]:
    data: dict[str, Any] = example_profile_data()
    business = data["business"]
    tz = ZoneInfo(business.get("timezone", "Europe/Berlin"))
    local = now.astimezone(tz)
    business["holidays"] = sorted({*business.get("holidays", []), local.date()})
    on_call = business["on_call"]
    on_call["overrides"] = [
        {
            "start": (local - timedelta(hours=1)).replace(microsecond=0),
            "end": (local + timedelta(hours=6)).replace(microsecond=0),
            "person": "Thomas Huber",
            "note": "make demo",
        }
    ]
    on_call["ring_timeout_s"] = 20
    on_call["caller_hold_s"] = 90
    data["stt"] = {"backend": "whisper", "language": "de"}
    return data


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path("/dev/stdout")
    text = yaml.safe_dump(demo_profile(datetime.now().astimezone()), allow_unicode=True)
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
