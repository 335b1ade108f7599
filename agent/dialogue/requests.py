"""What a caller wants when no flow is running: the NLU's intent, corrected by the
rules that must not depend on a classifier.

Requests the classifier was not trained for, or confuses, are recognised by meaning:
a request about one's personal data ("löschen Sie meine Daten": DSGVO Art. 15-17, 21),
a job application, a call back. A question goes to the FAQ.
"""

from __future__ import annotations

from agent.domain import PrivacyKind

from .cues import is_question
from .utterance import Utterance

_PRIVACY: tuple[tuple[str, PrivacyKind], ...] = (
    ("privacy_erasure", "erasure"),
    ("privacy_correction", "correction"),
    ("privacy_access", "access"),
    ("privacy_objection", "objection"),
)


def privacy_kind(u: Utterance) -> PrivacyKind | None:
    """The kind of privacy request in ``u``, if it is one."""
    for concept, kind in _PRIVACY:
        if not u.has(concept):
            continue
        if kind == "objection" or u.has("personal_data"):
            return kind
    return None


def wants_job(u: Utterance) -> bool:
    """'Ich wollte mich als Anlagenmechaniker bewerben'; 'bilden Sie aus?' is a question."""
    if not u.has("job"):
        return False
    return not is_question(u.standard, u.language) or "bewerb" in u.norm or "apply" in u.norm


def wants_callback(u: Utterance) -> bool:
    return u.has("callback") or u.intent == "callback_request"


def request_intent(u: Utterance) -> str | None:
    """The main intent, rules first: privacy, job application, call back; then the
    classifier's; then a question."""
    if privacy_kind(u) is not None:
        return "privacy_request"
    if wants_job(u):
        return "job_application"
    intent = u.main_intent
    if u.has("callback") and intent in (None, "human_handover", "faq"):
        return "callback_request"
    if intent is None and is_question(u.standard, u.language):
        return "faq"
    return intent
