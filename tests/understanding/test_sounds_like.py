"""Words a recogniser misheard still count, by sound; a slip never raises an emergency."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.config import load_settings
from agent.profile import BusinessProfile
from agent.understanding.emergencies import detect
from agent.understanding.meaning import fold, lexicon_for
from agent.understanding.sounds_like import sounds_like

CORPUS = Path(__file__).resolve().parents[1] / "conversations"


@pytest.fixture(scope="module")
def profile() -> BusinessProfile:
    return load_settings(env={}).business


@pytest.mark.parametrize(
    ("heard", "known"),
    [
        ("fentile", "ventile"),  # f and v sound the same
        ("heizungspartum", "heizungswartung"),  # Whisper base on espeak-ng
        ("spulkasten", "spuelkasten"),
        ("badsanirung", "badsanierung"),
        ("silicon", "silikon"),
    ],
)
def test_a_slip_sounds_like_the_word(heard: str, known: str) -> None:
    assert sounds_like(heard, known)


@pytest.mark.parametrize(
    ("heard", "known"),
    [
        ("glas", "gas"),  # short words never match by sound
        ("feiertage", "vorratig"),  # the same Kölner code, other letters
        ("leitung", "leistung"),
        ("richtung", "dichtung"),  # another first sound
        ("warnung", "wartung"),
        ("masse", "wasser"),
    ],
)
def test_other_words_do_not(heard: str, known: str) -> None:
    assert not sounds_like(heard, known)


def test_a_misheard_word_is_found_and_marked() -> None:
    reading = lexicon_for("de").read("bei uns gibts eine überschwämmung")
    assert reading.has("flood")
    assert not reading.exact().has("flood")  # found by sound only


def test_sound_alone_never_raises_an_emergency(profile: BusinessProfile) -> None:
    lexicon = lexicon_for("de")
    # every word of the signal misheard: no emergency
    text = "bei uns gibts eine überschwämmung"
    found = detect(profile, lexicon.read(text), text, lexicon)
    assert found is None or not found.real
    # one word heard right, one misheard: the caller is not lost
    text = "die heizunk ist ausgefallen"
    found = detect(profile, lexicon.read(text), text, lexicon)
    assert found is not None and found.kind.kind == "heizungsausfall"


def _benign_lines() -> list[str]:
    """Every German caller line of the corpus's calls that must not escalate."""
    lines = []
    for path in sorted((CORPUS / "de").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for call in data["calls"]:
            if (
                call["expect"].get("escalations")
                or call["expect"].get("handover", {}).get("reason") == "emergency"
            ):
                continue
            lines += [s for s in call["say"] if isinstance(s, str) and not s.startswith("/")]
    return lines


def _slip(word: str) -> str:
    """A recogniser-like slip: one inner letter replaced by one that sounds close."""
    swaps = {"w": "p", "v": "f", "t": "d", "g": "k", "b": "p", "s": "z", "e": "ä", "i": "ie"}
    for i in range(len(word) - 2, 0, -1):
        if word[i] in swaps:
            return word[:i] + swaps[word[i]] + word[i + 1 :]
    return word


def test_slips_in_harmless_calls_raise_no_emergency(profile: BusinessProfile) -> None:
    lexicon = lexicon_for("de")
    lines = _benign_lines()
    assert len(lines) > 500
    raised = []
    for line in lines:
        heard = " ".join(_slip(w) if len(w) >= 6 else w for w in fold(line).split())
        found = detect(profile, lexicon.read(heard), heard, lexicon)
        clean = detect(profile, lexicon.read(line), fold(line), lexicon)
        if found is not None and found.real and (clean is None or not clean.real):
            raised.append(heard)
    assert raised == []
