"""The report's tests use the action tests' real SMTP server (aiosmtpd)."""

from tests.actions.conftest import smtp_server

__all__ = ["smtp_server"]
