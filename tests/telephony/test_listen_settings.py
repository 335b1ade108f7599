"""business.listen_in: who may listen and with which keys; a mistake names the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.config import ConfigError, example_profile_data, load_settings
from agent.telephony.listen_settings import ListenIn, phone_of_channel


def _load(tmp_path: Path, listen_in: Any) -> ListenIn | None:
    data = example_profile_data()
    data["business"]["listen_in"] = listen_in
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_settings(path, env={}).business.listen_in


def test_the_example_profile_has_it_off_and_a_section_turns_it_on(tmp_path: Path) -> None:
    assert load_settings(env={}).business.listen_in is None
    section = _load(tmp_path, {"phones": ["pjsip/201", "PJSIP/202"]})
    assert section is not None
    assert section.phones == ["PJSIP/201", "PJSIP/202"]  # compared as Asterisk names them
    assert (section.takeover_key, section.next_key, section.enabled) == ("1", "*", True)
    assert section.allows("PJSIP/202") and not section.allows("PJSIP/203")
    assert not section.allows(None)
    off = section.model_copy(update={"enabled": False})
    assert not off.allows("PJSIP/201")


@pytest.mark.parametrize(
    ("listen_in", "field", "words"),
    [
        ({"phones": ["Local/201@from-internal"]}, "business.listen_in.phones", "own endpoint"),
        ({"phones": ["201"]}, "business.listen_in.phones", "PJSIP/201"),
        ({"phones": ["PJSIP/201", "pjsip/201"]}, "business.listen_in.phones", "named twice"),
        ({"phones": []}, "business.listen_in.phones", "at least 1"),
        ({}, "business.listen_in.phones", "Field required"),
        ({"phones": ["PJSIP/201"], "takeover_key": "11"}, "business.listen_in.takeover_key",
         "one phone key"),
        ({"phones": ["PJSIP/201"], "next_key": "A"}, "business.listen_in.next_key", "0-9"),
        ({"phones": ["PJSIP/201"], "next_key": "1"}, "business.listen_in", "must differ"),
        ({"phones": ["PJSIP/201"], "takeover": "1"}, "business.listen_in.takeover",
         "Extra inputs"),
    ],
)  # fmt: skip
def test_a_mistake_names_the_field(tmp_path: Path, listen_in: Any, field: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, listen_in)
    text = str(err.value)
    assert f"{field}:" in text or f"{field}." in text, text
    assert words in text, text


@pytest.mark.parametrize(
    ("name", "phone"),
    [
        ("PJSIP/201-0000002a", "PJSIP/201"),
        ("PJSIP/anna-office-000000ff", "PJSIP/anna-office"),
        ("SIP/office-00000001", "SIP/office"),
        ("Local/201@from-internal-0000001a;2", None),
        ("Snoop/1234-00000001", None),
        ("PJSIP/201", None),
        ("PJSIP/-00000001", None),
        ("garbage", None),
        ("", None),
    ],
)
def test_the_phone_of_a_channel(name: str, phone: str | None) -> None:
    assert phone_of_channel(name) == phone
