"""The short summary a person gets with a handover, in the business's language."""

from __future__ import annotations

from .context import FlowContext
from .state import DialogueState

_REASONS = {
    "asked": ("Anrufer möchte einen Mitarbeiter sprechen", "Caller asked for a person"),
    "upset": ("Anrufer ist verärgert", "Caller is upset"),
    "no_match": ("Assistent hat den Anrufer zweimal nicht verstanden",
                 "The assistant did not understand the caller twice"),
    "silence": ("Anrufer antwortet nicht", "Caller does not answer"),
    "error": ("Technischer Fehler im Assistenten", "Technical error in the assistant"),
}  # fmt: skip


def handover_summary(ctx: FlowContext, state: DialogueState, reason: str) -> str:
    de = ctx.profile.language == "de"
    why = _REASONS.get(reason, (reason, reason))[0 if de else 1]
    parts = [("Grund: " if de else "Reason: ") + why]
    flows = [f for f in (state.flow, *reversed(state.suspended)) if f is not None]
    topics = [s for s in (f.summary() for f in flows) if s]
    if topics:
        parts.append(("Anliegen: " if de else "Request: ") + "; ".join(topics))
    if "name" in ctx.known:
        parts.append("Name: " + ctx.known["name"])
    phone = ctx.known.get("phone") or ctx.caller_number
    if phone:
        parts.append(("Telefon: " if de else "Phone: ") + phone)
    said = [t for who, t in state.history if who == "caller" and not t.startswith("[DTMF")]
    if reason == "no_match" and said:  # the request itself, not only "not understood"
        quoted = " / ".join(f"\u201e{t}\u201c" for t in said[-4:])
        parts.append(("Anrufer sagte: " if de else "Caller said: ") + quoted)
    elif said:
        parts.append(("Zuletzt gesagt: " if de else "Last said: ") + f"\u201e{said[-1]}\u201c")
    return ". ".join(parts) + "."
