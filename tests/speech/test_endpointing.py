"""Does a caller's turn sound finished? (the adaptive end of turn)"""

from __future__ import annotations

import pytest

from agent.speech.endpointing import looks_unfinished


@pytest.mark.parametrize(
    "text",
    [
        "ich hätte gern einen termin am",
        "Ich hätte gern einen Termin am Dienstag, und",
        "meine adresse ist äh",
        "wir brauchen jemanden für die",
        "Wasser läuft aus der Leitung im Keller,",
        "Ich wohne in der...",
        "I would like to book an appointment for",
        "my name is uh",
    ],
)
def test_unfinished(text: str) -> None:
    lang = "en" if text.lower().startswith(("i ", "my ")) else "de"
    assert looks_unfinished(text, lang)


@pytest.mark.parametrize(
    "text",
    [
        "ich hätte gern einen termin am dienstag",
        "Ja, bitte.",
        "Wie sind Ihre Öffnungszeiten?",
        "nein danke",
        "Hauptstraße zwölf",
        "ja gerne",
        "das mache ich",
        "ja das ist es",
        "ja so",
        "Next Tuesday at ten, please.",
        "yes I can",
        "no",
        "I think so",
        "that is what I need",
        "",
        "   ",
        "!!!",
    ],
)
def test_finished(text: str) -> None:
    english = any(w in text for w in ("Tuesday", "yes", "no", "I ", "that"))
    assert not looks_unfinished(text, "en" if english else "de")


def test_unknown_languages_use_german_words() -> None:
    assert looks_unfinished("termin am", "fr")
    assert looks_unfinished("termin am", "de-DE")
