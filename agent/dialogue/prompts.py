"""Every sentence the assistant says that is not business text, in German and English.

Business text (greeting, privacy notice, facts, safety advice, product and appointment
names) comes from the profile. ``say(key, language, **values)`` formats a prompt.
"""

from __future__ import annotations

from typing import Any

from agent.profile import Language

PROMPTS: dict[str, tuple[str, str]] = {
    # -- conversation --------------------------------------------------------------------
    "sorry": ("Entschuldigung, das habe ich nicht verstanden.", "Sorry, I didn't understand that."),
    "how_help": ("Wie kann ich Ihnen helfen?", "How can I help you?"),
    "capabilities": (
        "Ich kann zum Beispiel einen Termin vereinbaren, Fragen zu unserem Betrieb "
        "beantworten, eine Bestellung aufnehmen oder Sie mit einem Mitarbeiter verbinden.",
        "I can, for example, book an appointment, answer questions about our business, "
        "take an order or put you through to a member of our team.",
    ),
    "anything_else": (
        "Kann ich sonst noch etwas für Sie tun?",
        "Is there anything else I can do for you?",
    ),
    "what_else": ("Was kann ich für Sie tun?", "What can I do for you?"),
    "goodbye": (
        "Vielen Dank für Ihren Anruf. Auf Wiederhören!",
        "Thank you for calling. Goodbye!",
    ),
    "resume": ("Wollen wir mit {topic} weitermachen?", "Shall we continue with {topic}?"),
    "ok": ("In Ordnung.", "All right."),
    "still_there": ("Sind Sie noch da?", "Are you still there?"),
    "silence_end": (
        "Ich kann Sie leider nicht hören. Rufen Sie gern noch einmal an. Auf Wiederhören!",
        "I'm afraid I can't hear you. Please feel free to call again. Goodbye!",
    ),
    "bot": (
        "Ich bin der digitale Assistent von {business}.",
        "I am the digital assistant of {business}.",
    ),
    "yes_no_hint": (
        "Bitte sagen Sie ja oder nein, oder drücken Sie die 1 für ja und die 2 für nein.",
        "Please say yes or no, or press 1 for yes and 2 for no.",
    ),
    "say_it": (
        "Bitte sagen Sie mir einfach, was Sie möchten.",
        "Please just tell me what you would like.",
    ),
    "failed": (
        "Entschuldigung, da ist bei mir gerade etwas schiefgegangen.",
        "Sorry, something went wrong on my side.",
    ),
    "topic_appointment": ("dem Termin", "the appointment"),
    "topic_reschedule": ("dem Verschieben Ihres Termins", "moving your appointment"),
    "topic_cancel": ("der Terminabsage", "cancelling your appointment"),
    "topic_lead": ("Ihrer Anfrage", "your enquiry"),
    "topic_order": ("der Bestellung", "your order"),
    "topic_message": ("Ihrer Nachricht", "your message"),
    "topic_faq": ("Ihrer Frage", "your question"),
    "topic_emergency": ("Ihrer Meldung", "your report"),
    "topic_handover": ("Ihrem Anliegen", "your request"),
    # -- shared slots --------------------------------------------------------------------
    "ask_name": ("Wie ist Ihr Name, bitte?", "May I have your name, please?"),
    "ask_phone": (
        "Unter welcher Telefonnummer können wir Sie erreichen?",
        "What phone number can we reach you on?",
    ),
    "ask_phone_callerid": (
        "Können wir Sie unter der Nummer {phone} erreichen, von der Sie anrufen?",
        "Can we reach you on {phone}, the number you are calling from?",
    ),
    "ask_phone_other": ("Unter welcher Nummer denn?", "Which number then?"),
    "what_change": ("Was soll ich ändern?", "What should I change?"),
    "changed": ("Gut, ich habe das geändert.", "OK, I have changed that."),
    # -- handover and messages -----------------------------------------------------------
    "transfer": (
        "Einen Moment bitte, ich verbinde Sie mit einem Mitarbeiter.",
        "One moment please, I am putting you through to a member of our team.",
    ),
    "upset_sorry": ("Das tut mir leid.", "I'm sorry about that."),
    "not_getting_it": (
        "Ich verstehe Sie leider nicht richtig.",
        "I'm afraid I'm not understanding you properly.",
    ),
    "office_closed": (
        "Im Moment ist leider niemand im Büro. Ich nehme gern eine Nachricht auf, "
        "wir melden uns {due}.",
        "There is nobody in the office right now. I'll gladly take a message, "
        "and we will get back to you {due}.",
    ),
    "ask_message": ("Was darf ich ausrichten?", "What message shall I pass on?"),
    "ask_callback_topic": (
        "Worum geht es bei dem Rückruf?",
        "What is the call-back about?",
    ),
    "message_readback": (
        "Ich habe notiert: {text}. Von {name}, Rückruf unter {phone}. Stimmt das?",
        "I have noted: {text}. From {name}, call back on {phone}. Is that correct?",
    ),
    "message_done": (
        "Vielen Dank, Ihre Nachricht ist notiert. Wir melden uns {due}.",
        "Thank you, your message has been noted. We will get back to you {due}.",
    ),
    "callback_done": (
        "Vielen Dank. Wir rufen Sie {due} zurück.",
        "Thank you. We will call you back {due}.",
    ),
    "unknown_name": ("unbekannt", "unknown"),
}


def say(key: str, language: Language, **values: Any) -> str:
    """The prompt ``key`` in ``language``, formatted with ``values``."""
    de, en = PROMPTS[key]
    text = de if language == "de" else en
    if not values:
        return text
    said = text.format(**values)
    return said[:1].upper() + said[1:]  # a sentence starting with a value ('am Dienstag ...')


def register(prompts: dict[str, tuple[str, str]]) -> None:
    """Add a flow's prompts (each flow module keeps its own next to its logic)."""
    clash = set(prompts) & set(PROMPTS)
    if clash:
        raise ValueError(f"prompt keys defined twice: {sorted(clash)}")
    PROMPTS.update(prompts)
