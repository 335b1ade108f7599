"""On-call phones for the escalation tests: sipp UAS that answer and press a key."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from tests.support.phones import SIPP_DIR, Codec, SippPhone

DTMF_SCENARIO = SIPP_DIR / "uas_answer_dtmf.xml"


def dtmf_scenario(digit: str, delay_ms: int) -> Path:
    """A copy of uas_answer_dtmf.xml that presses ``digit`` ``delay_ms`` after answering."""
    text = DTMF_SCENARIO.read_text().replace("DELAY_MS", str(delay_ms))
    text = text.replace("Signal=DIGIT", f"Signal={digit}")
    folder = Path(tempfile.mkdtemp(prefix="rufbereit-dtmf-"))
    path = folder / f"uas_answer_dtmf_{digit}.xml"
    path.write_text(text)
    return path


@contextlib.asynccontextmanager
async def pressing_phone(
    phone: str,
    digit: str,
    *,
    delay_ms: int = 1500,
    hangup_after_s: float | None = 30.0,
    codec: str | Codec = "pcmu",
) -> AsyncIterator[SippPhone]:
    """A phone that answers every call (in ``codec``) and presses ``digit`` after
    ``delay_ms``."""
    scenario = dtmf_scenario(digit, delay_ms)
    async with SippPhone(phone, str(scenario), hangup_after_s=hangup_after_s, codec=codec) as p:
        yield p
