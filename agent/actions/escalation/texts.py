"""What the technician hears, and what the SMS / e-mail about an emergency says."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from agent.speech.tts import TextToSpeech

from .model import EscalationRecord

_DE = {
    "intro": "Hier ist der Notdienst-Assistent von {business}. Ein Notfall.",
    "message": "{kind}. Anrufer: {name}, Telefon {number}. Adresse: {address}. "
    "Was passiert ist: {description}. Gemeldet um {time} Uhr.",
    "repeat": "Ich wiederhole.",
    "prompt": "Drücken Sie die 1, wenn Sie den Einsatz übernehmen, "
    "oder die 2, um ihn weiterzugeben.",
    "ack": "Danke. Sie haben den Einsatz übernommen. Die Daten kommen per SMS und E-Mail.",
    "declined": "Verstanden. Ich gebe den Einsatz weiter. Auf Wiederhören.",
    "unknown": "unbekannt",
}
_EN = {
    "intro": "This is the emergency assistant of {business}. An emergency.",
    "message": "{kind}. Caller: {name}, phone {number}. Address: {address}. "
    "What happened: {description}. Reported at {time}.",
    "repeat": "Once more.",
    "prompt": "Press 1 to take this job, or 2 to pass it on.",
    "ack": "Thank you. The job is yours. The details follow by text message and e-mail.",
    "declined": "Understood. I will pass it on. Goodbye.",
    "unknown": "unknown",
}


def _words(language: str) -> dict[str, str]:
    return _DE if language.startswith("de") else _EN


def _spell_number(number: str) -> str:
    """Digits one by one, so the technician can write the number down."""
    return " ".join(ch for ch in number if ch.isdigit() or ch == "+") or number


@dataclass(frozen=True, slots=True)
class Texts:
    language: str
    intro: str
    message: str
    repeat: str
    prompt: str
    ack: str
    declined: str

    async def synthesize(self, tts: TextToSpeech) -> list[bytes]:
        """PCM for: intro+message, prompt, repeat+message, prompt, ack, declined."""
        texts = [
            f"{self.intro} {self.message}",
            self.prompt,
            f"{self.repeat} {self.message}",
            self.prompt,
            self.ack,
            self.declined,
        ]
        return list(await asyncio.gather(*(tts.synthesize(t, self.language) for t in texts)))


def _local_time(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%H:%M") if at.tzinfo else at.strftime("%H:%M")


def occurred(rec: EscalationRecord) -> datetime:
    """When the emergency was reported (the escalation's start for an old row)."""
    return rec.emergency.created_at or rec.created_at


def call_texts(rec: EscalationRecord, business: str, tz: ZoneInfo) -> Texts:
    w = _words(rec.language)
    e = rec.emergency
    message = w["message"].format(
        kind=e.kind,
        name=e.caller_name or w["unknown"],
        number=_spell_number(e.caller_number) if e.caller_number else w["unknown"],
        address=e.address or w["unknown"],
        description=e.description or w["unknown"],
        time=_local_time(occurred(rec), tz),
    )
    return Texts(
        language=rec.language,
        intro=w["intro"].format(business=business),
        message=message,
        repeat=w["repeat"],
        prompt=w["prompt"],
        ack=w["ack"],
        declined=w["declined"],
    )


def written_details(rec: EscalationRecord, tz: ZoneInfo) -> str:
    """The emergency for an SMS / e-mail."""
    e = rec.emergency
    at = occurred(rec).astimezone(tz).strftime("%d.%m.%Y %H:%M")
    return (
        f"Notfall: {e.kind}\nAnrufer: {e.caller_name} {e.caller_number}\n"
        f"Adresse: {e.address}\nWas: {e.description}\nGemeldet: {at}\n"
        f"Vorgang: {rec.id}"
    )


_CALLER_SMS = {
    "de": (
        "Ihr Notfall ist übernommen",
        "{business}: {person} vom Notdienst hat Ihren Notfall übernommen und ruft Sie zurück.",
    ),
    "en": (
        "Your emergency has been taken",
        "{business}: {person} from our on-call service has taken your emergency "
        "and will call you back.",
    ),
}


def caller_acknowledged_sms(language: str, business: str, person: str) -> tuple[str, str]:
    """Subject and text of the caller's SMS: ``person`` took the emergency."""
    subject, text = _CALLER_SMS["de" if language.startswith("de") else "en"]
    return subject, text.format(business=business, person=person)
