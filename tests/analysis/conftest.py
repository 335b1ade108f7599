"""The analyse command runs in-process here: logging is left as it was found."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _logging(restore_logging: None) -> None:
    """(tests/support/logging_state.py)"""
