"""Configuration: the example profile loads; bad config names the field and the fix."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from agent.config import ConfigError, example_profile_data, load_settings

BERLIN = ZoneInfo("Europe/Berlin")


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _example() -> dict:
    return example_profile_data()


def test_example_profile_loads() -> None:
    s = load_settings(env={})
    assert s.business.name == "Müller Sanitär GmbH"
    assert s.language == "de"
    assert s.business.handover.office == "PJSIP/office"
    assert s.business.on_call is not None and len(s.business.on_call.people) >= 2
    assert s.ari.password.get_secret_value() == "lab&pass=1"
    assert s.ari.media_ws_base == "ws://127.0.0.1:8088/media"


def test_environment_overrides_file() -> None:
    s = load_settings(
        env={
            "RUFBEREIT_ARI_PASSWORD": "x&y=z",
            "RUFBEREIT_MEDIA_TRANSPORT": "audiosocket",
            "RUFBEREIT_LANGUAGE": "en",
            "RUFBEREIT_DATABASE_URL": "postgresql://u:pw@db:5432/r",
        }
    )
    assert s.ari.password.get_secret_value() == "x&y=z"
    assert s.media.transport == "audiosocket"
    assert s.language == "en"
    assert "pw" not in repr(s.database)  # secrets never in reprs (and so never in logs)


def test_opening_hours_and_holidays() -> None:
    b = load_settings(env={}).business
    assert b.is_open(datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN))  # Monday morning
    assert not b.is_open(datetime(2026, 11, 23, 12, 30, tzinfo=BERLIN))  # lunch break
    assert not b.is_open(datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN))  # Sunday
    assert not b.is_open(datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN))  # holiday


@pytest.mark.parametrize(
    ("mutate", "field", "fix"),
    [
        (lambda d: d["ari"].pop("password"), "ari.password", "RUFBEREIT_ARI_PASSWORD"),
        (lambda d: d["media"].update(transport="rtp"), "media.transport", "websocket"),
        (lambda d: d["business"].update(timezone="Mars/Olympus"), "business.timezone", "IANA"),
        (
            lambda d: d["business"]["opening_hours"].update(mon=["17:00-08:00"]),
            "business.opening_hours.mon",
            "end must be after",
        ),
        (lambda d: d["business"].update(opening_hour={}), "business.opening_hour", "spelling"),
        (
            lambda d: d["business"]["handover"].update(office="the office"),
            "business.handover.office",
            "dial string",
        ),
        (
            lambda d: d["business"]["on_call"]["shifts"][0].update(person="Nobody"),
            "business.on_call",
            "Nobody",
        ),
        (lambda d: d["ari"].update(url="127.0.0.1:8088"), "ari.url", "http"),
        (
            lambda d: d["database"].update(url="mysql://x"),
            "database.url",
            "postgresql://",
        ),
    ],
)
def test_bad_config_names_field_and_fix(tmp_path: Path, mutate, field: str, fix: str) -> None:
    data = _example()
    mutate(data)
    with pytest.raises(ConfigError) as err:
        load_settings(_write(tmp_path, data), env={})
    text = str(err.value)
    assert field in text
    assert fix in text


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="RUFBEREIT_PROFILE"):
        load_settings(tmp_path / "nope.yaml", env={})
    bad = tmp_path / "bad.yaml"
    bad.write_text("business: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(bad, env={})


# ---------------------------------------------------------------- secrets from files


def test_a_secret_can_come_from_a_file(tmp_path: Path) -> None:
    """docker secrets: RUFBEREIT_ARI_PASSWORD_FILE=/run/secrets/...; one trailing newline
    (as `echo` writes it) is not part of the password."""
    secret = tmp_path / "ari_password"
    secret.write_text("s3cret&=x\n", encoding="utf-8")
    settings = load_settings(env={"RUFBEREIT_ARI_PASSWORD_FILE": str(secret)})
    assert settings.ari.password.get_secret_value() == "s3cret&=x"


def test_systemd_credentials_are_read(tmp_path: Path) -> None:
    """LoadCredential=RUFBEREIT_DATABASE_URL:/etc/rufbereit/db-url puts the file into
    $CREDENTIALS_DIRECTORY under the variable's name."""
    (tmp_path / "RUFBEREIT_DATABASE_URL").write_text("postgresql://u:pw@db:5432/r")
    settings = load_settings(env={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert settings.database.url.get_secret_value() == "postgresql://u:pw@db:5432/r"


def test_the_environment_wins_over_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-file")
    env = {"RUFBEREIT_ARI_PASSWORD": "from-env", "RUFBEREIT_ARI_PASSWORD_FILE": str(secret)}
    assert load_settings(env=env).ari.password.get_secret_value() == "from-env"


def test_an_unreadable_secret_file_names_the_variable_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env={"RUFBEREIT_ARI_PASSWORD_FILE": str(tmp_path / "missing")})
    text = str(err.value)
    assert "RUFBEREIT_ARI_PASSWORD" in text and str(tmp_path / "missing") in text
    assert "Fix:" in text
