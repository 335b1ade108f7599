"""Shared by the voice tests: a caller's voice (Piper, 8 kHz, as a phone sends it)."""

from __future__ import annotations

import pytest

from tests.actions.conftest import smtp_server  # a real SMTP server (aiosmtpd) for reports
from tests.support.lab_line import CallerVoice, piper_caller_voice

__all__ = ["smtp_server"]


@pytest.fixture(scope="session")
def caller_voice() -> CallerVoice:
    return piper_caller_voice()
