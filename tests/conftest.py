"""Shared pytest set-up. Fixture modules live in tests/support/ and are registered here."""

pytest_plugins = ["tests.support.postgres", "tests.support.lab", "tests.support.logging_state"]
