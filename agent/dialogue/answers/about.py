"""The truth about the assistant: it is an AI, and what is (not) recorded."""

from __future__ import annotations

from ..context import FlowContext
from ..cues import is_question
from ..utterance import Utterance
from .result import Answer


def asks_if_bot(u: Utterance) -> bool:
    return u.has("bot") and (is_question(u.standard, u.language) or u.intent == "bot_challenge")


def asks_if_recorded(u: Utterance) -> bool:
    return u.has("recording") and is_question(u.standard, u.language)


def about_assistant(ctx: FlowContext, u: Utterance, _type: str | None) -> Answer | None:
    if u.reading.any(("privacy_access", "privacy_erasure", "privacy_correction")):
        return None  # "welche Daten haben Sie über mich gespeichert?" is a request
    texts = ctx.profile.texts
    if asks_if_recorded(u):
        said = texts.recording_answer.get(ctx.language) if texts.recording_answer else None
        return Answer((said or ctx.say("about_recording"),), "recording")
    if asks_if_bot(u):
        said = texts.bot_answer.get(ctx.language) if texts.bot_answer else None
        return Answer((said or ctx.say("about_bot", business=ctx.profile.name),), "bot")
    return None
