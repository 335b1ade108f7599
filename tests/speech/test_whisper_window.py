"""The short-window checks that need no model."""

from __future__ import annotations

from agent.speech.whisper_window import (
    compression_ratio,
    repeats_itself,
    window_seconds,
    without_repeats,
)


def test_a_transcript_that_repeats_itself_is_suspect() -> None:
    assert repeats_itself("Where can I find you? Where can I find you?")
    assert not repeats_itself("Ja ja, genau.")
    assert not repeats_itself("Next Tuesday at ten in the morning, please.")
    assert compression_ratio("yes " * 40) > 2.4


def test_window_sizes() -> None:
    assert window_seconds(2.0, 10) == 10
    assert window_seconds(9.5, 10) == 11  # the speech plus a second of silence
    assert window_seconds(29.5, 10) is None  # too long: the normal 30 s path
    assert window_seconds(2.0, 30) is None  # configured off


def test_a_looping_transcript_is_cut_to_saying_it_once() -> None:
    assert without_repeats("Where can I find you? Where can I find you? Where can I") == (
        "Where can I find you?"
    )
    looped = "Sorry to interrupt, I need a plumber for leaking pipe. I need a plumber for"
    looped += " leaking pipe."
    assert without_repeats(looped) == "Sorry to interrupt, I need a plumber for leaking pipe."
    for fine in ("Next Tuesday at 10 in the morning, please.", "nein nein nein", "Yes. Yes."):
        assert without_repeats(fine) == fine
