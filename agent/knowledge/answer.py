"""A spoken answer built only from the passage that answers the question, or none.

The passages BM25 finds for the question's words are each weighed (:mod:`.choose`): a
passage answers only when it names every thing the question names (its nouns: "Was
kostet die Wartung einer Wärmepumpe?" is not answered by the price of a gas boiler's),
holds enough of the rest (``min_confidence`` of the words' weight, rarer words weighing
more) and has one or two sentences that say what is asked (a price, a duration, a time:
:mod:`.asked`) next to what it is asked about. The best such passage is said; when there
is none the caller hears that it is not known, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .asked import asked_in
from .choose import DEFAULT_MIN_CONFIDENCE, Choice, choose, settled, weights_of
from .index import KnowledgeIndex
from .spoken import speakable

__all__ = ["DEFAULT_MIN_CONFIDENCE", "KnowledgeAnswer", "Source", "ask", "holds_topic",
           "speakable"]  # fmt: skip

#: passages BM25 offers for each question
CANDIDATES = 20


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    heading: str
    score: float


@dataclass(frozen=True, slots=True)
class KnowledgeAnswer:
    #: what the caller hears, or None: no answer from the documents
    text: str | None
    confidence: float
    sources: tuple[Source, ...] = ()
    #: answered, no_topic (nothing to look up), not_found, not_sure, unknown_word
    reason: str = "answered"
    missing: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
            "sources": [
                {"file": s.file, "heading": s.heading, "score": round(s.score, 3)}
                for s in self.sources
            ],
        }


def ask(index: KnowledgeIndex, question: str, *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> KnowledgeAnswer:  # fmt: skip
    concepts = index.concepts(question)
    if all(c.facet for c in concepts):  # nothing named to look up ("Was kostet das?")
        return KnowledgeAnswer(None, 0.0, reason="no_topic")
    # a thing the documents never name ("Verlegen Sie auch Parkett?"): nothing to find
    unknown = tuple(c.word for c in concepts if not c.known and not c.facet)
    if unknown:
        return KnowledgeAnswer(None, 0.0, reason="unknown_word", missing=unknown)
    hits = index.search(concepts, k=CANDIDATES)
    if not hits:
        return KnowledgeAnswer(None, 0.0, reason="not_found")
    asked = asked_in(index.language)
    kinds = asked.kinds(question)
    asking = asked.words(question)
    topic = [(c, w) for c, w in weights_of(index, concepts) if c.word not in asking]
    if not topic:
        return KnowledgeAnswer(None, 0.0, reason="no_topic")
    choices = choose(index, hits, topic, kinds, min_confidence)
    sources = tuple(Source(c.hit.passage.file, c.hit.passage.heading, c.hit.score)
                    for c in choices[:3])  # fmt: skip
    answering = [c for c in choices if c.text is not None]
    best = answering[0] if answering else None
    if best is not None and not settled(best, answering[1:]):
        best = None
    if best is None or best.text is None:
        top: Choice | None = choices[0] if choices else None
        missing = top.missing if top else ()
        unknown_words = {c.word for c in concepts if not c.known}
        reason = "unknown_word" if unknown_words & set(missing) else "not_sure"
        return KnowledgeAnswer(None, top.coverage if top else 0.0, sources, reason, missing)
    said = best.hit.passage
    first = Source(said.file, said.heading, best.hit.score)
    rest = [s for s in sources if (s.file, s.heading) != (said.file, said.heading)]
    text = speakable(best.text)
    return KnowledgeAnswer(text, best.coverage, (first, *rest[:2]), "answered", best.missing)


def holds_topic(index: KnowledgeIndex, question: str, text: str) -> bool:
    """``text`` (a profile's fact) holds every topic word of ``question``: "Was kostet die
    Anfahrt?" is answered by the fact on prices, "Was kostet die Wartung einer
    Wärmepumpe?" is not (it names no heat pump)."""
    terms = frozenset(index.analyzer.index_terms(text))
    return all(c.matches(terms) for c in index.concepts(question) if not c.facet)
