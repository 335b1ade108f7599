"""Shared by the voice tests: a caller's voice (Piper, 8 kHz, as a phone sends it)."""

from __future__ import annotations

import pytest

from tests.support.lab_line import CallerVoice, piper_caller_voice


@pytest.fixture(scope="session")
def caller_voice() -> CallerVoice:
    return piper_caller_voice()
