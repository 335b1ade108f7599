"""What a caller wants when no flow is running: the NLU's intent, corrected by the
rules that must not depend on a classifier.

Requests the classifier was not trained for, or confuses, are recognised by meaning:
a request about one's personal data ("löschen Sie meine Daten": DSGVO Art. 15-17, 21),
a job application, a call back. A question goes to the FAQ.
"""

from __future__ import annotations

from agent.domain import PrivacyKind

from .cues import has_cue, is_question
from .utterance import Utterance

_PRIVACY: tuple[tuple[str, PrivacyKind], ...] = (
    ("privacy_erasure", "erasure"),
    ("privacy_correction", "correction"),
    ("privacy_access", "access"),
    ("privacy_objection", "objection"),
)


_MINE = frozenset({"mich", "meine", "meinen", "meiner", "mir", "me", "my", "mine"})


def privacy_kind(u: Utterance) -> PrivacyKind | None:
    """The kind of privacy request in ``u``, if it is one ("löschen Sie mich aus Ihrer
    Kartei"; but "den Termin löschen" is a cancellation)."""
    for concept, kind in _PRIVACY:
        if not u.has(concept):
            continue
        if kind == "objection" or u.has("personal_data"):
            return kind
        mine = bool(_MINE & set(u.norm.split()))
        if kind == "erasure" and mine and not u.reading.any(("appointment", "order_words")):
            return kind
    return None


_APPLYING = ("bewerb", "apply", "applying", "hiring", "einstellen", "stellen frei", "stelle frei",
             "jobs frei", "job frei", "vacanc")  # fmt: skip


def wants_job(u: Utterance) -> bool:
    """'Ich wollte mich als Anlagenmechaniker bewerben'; 'bilden Sie aus?' is a question."""
    if not u.has("job"):
        return False
    return not is_question(u.standard, u.language) or any(w in u.norm for w in _APPLYING)


def wants_callback(u: Utterance) -> bool:
    return u.has("callback") or u.intent == "callback_request"


#: Below this the classifier's main intent is checked against what was said.
SURE = 0.6
#: Concepts that say what a request is about, in the order they are tried.
_HINTS = (
    ("cancel", "cancel_appointment"),
    ("move", "reschedule_appointment"),
    ("quote", "request_quote"),
    ("order_words", "place_order"),
    ("appointment", "book_appointment"),
)


#: Words of a request itself (a question with them still asks for the job).
_REQUEST_WORDS = ("quote", "appointment", "order_words", "callback", "move", "cancel")

_BOOKINGS = ("book_appointment", "reschedule_appointment", "cancel_appointment", "request_quote")


def hinted_intent(u: Utterance, items: bool = False) -> str | None:
    """The request by its words, for when the classifier is unsure; ``items``: a
    catalogue item is named (then it is an order)."""
    for concept, intent in _HINTS:
        if intent == "book_appointment" and items and not u.has("repair"):
            return "place_order"
        if u.has(concept):
            booked = ("termin", "appointment", "booked", "gebucht", "ausgemacht", "vereinbart")
            if intent in ("cancel_appointment", "reschedule_appointment") and not (
                u.has("appointment") or any(w in u.norm for w in booked)
            ):
                continue
            return intent
    return None


def request_intent(u: Utterance, items: bool = False, kinds: bool = False) -> str | None:
    """The main intent, rules first: privacy, job application, call back; then the
    classifier's when it is sure; then the request's own words; then a question."""
    if privacy_kind(u) is not None:
        return "privacy_request"
    if wants_job(u):
        return "job_application"
    question = is_question(u.standard, u.language)
    if (
        u.has("message_request")
        and not u.has("callback")
        and not ((question and u.has("hours")) or u.has("emergency_service") or u.has("services"))
    ):
        return "message_request"  # "können Sie dem Chef ausrichten, dass ..."
    if u.has("delivery") and not u.has("order_words") and not question:
        return "message_request"  # "hier is die Spedition, keiner da der unterschreibt"
    if u.has("complaint") and not question and u.main_intent not in _BOOKINGS:
        return "complaint"
    intent = u.main_intent
    if items and u.has("repair") and not u.reading.any(("order_words", "price", "quote")):
        return "book_appointment"  # "der Spülkasten ist kaputt, das müsste jemand reparieren"
    if u.has("callback") and (
        intent in (None, "human_handover", "faq", "callback_request", *_BOOKINGS)
        or u.confidence < SURE
    ):
        return "callback_request"  # "ich bräucht an Rückruf wegen der Wartung"
    if question and u.has("price") and items:
        return "faq"  # "was kostet eigentlich so ein Spülkasten?": a price in the catalogue
    if question and u.has("price") and u.has("conditional") and intent != "place_order":
        return "request_quote"  # "was würde ein neues Bad kosten?": a job to quote
    if question and u.has("price") and not u.has("quote") and intent in (*_BOOKINGS, None):
        return "faq"  # "was kostet bei Ihnen die Wartung?": a price, not a booking
    if (
        question
        and has_cue(u.norm, u.language, "info_question")
        and not u.reading.any(_REQUEST_WORDS)
        and intent in (*_BOOKINGS, None)
    ):
        return "faq"  # "können Sie mir sagen, ob es noch eine Förderung gibt?"
    if intent is None or u.confidence < SURE or (intent == "faq" and not question):
        hinted = hinted_intent(u, items) or ("place_order" if items and not question else None)
        if hinted is None and kinds and not question:
            hinted = "book_appointment"  # "eine Badberatung am Donnerstag um 14 Uhr"
        if hinted is not None and not (question and hinted == "book_appointment"
                                       and intent == "faq"):  # fmt: skip
            return hinted
    if intent is None and question:
        return "faq"
    if intent == "emergency" and u.confidence < 0.8:
        return None  # an emergency by the classifier alone, unsure: its words decide
    return intent
