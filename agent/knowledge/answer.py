"""A spoken answer built only from the passage that answers the question, or none.

The passage is the one that holds the most of the question's topic words, weighed by how
rare each word is in the documents (a word found in few passages says more). When too
little of the question is found (below ``min_confidence``), or a word of the question is
unknown to the documents altogether ("Verlegen Sie auch Parkett?" when no document
speaks of Parkett), there is no answer: the caller hears that it is not known, never a
guess. From the passage, the one or two sentences that hold the topic words are said,
with the heading put before them when only the heading names the topic ("Komfort: 189 €
im Jahr"), and written-only forms made speakable ("inkl." is "inklusive").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .index import Hit, KnowledgeIndex
from .passages import Passage, sentences
from .terms import Concept

DEFAULT_MIN_CONFIDENCE = 0.75
#: a passage lacking a topic word that weighs more than this share of the question is
#: not the answer
MAX_MISSING_SHARE = 0.2
#: passages tried, best first, until one gives words that answer on their own
CANDIDATES = 5
#: a facet word weighs at most this share of the topic words' mean weight
FACET_SHARE = 0.5
#: the most words said from a passage (two sentences of a price list are enough)
MAX_WORDS = 55


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
    weights = [_weight(index, c) for c in concepts]
    # what is asked ("kostet", "wie lange") counts less than what it is asked about: a
    # passage may say "2 Jahre" without "lange"
    topic = [w for c, w in zip(concepts, weights, strict=True) if not c.facet]
    weights = [
        w if not c.facet else min(w, FACET_SHARE * sum(topic) / len(topic))
        for c, w in zip(concepts, weights, strict=True)
    ]
    total = sum(weights)
    hits = index.search(concepts, k=30)
    if not hits:
        return KnowledgeAnswer(None, 0.0, reason="not_found")
    best_score = max(h.score for h in hits)
    scored = []
    for hit in hits:
        found = [_matched(c, hit.terms) for c in concepts]
        coverage = sum(w for w, f in zip(weights, found, strict=True) if f) / total
        # what the text itself holds, not only its headings, tells passages of one
        # section apart ("Wie lange dauert eine Badsanierung?" above a table of jobs)
        own = frozenset(index.analyzer.index_terms(hit.passage.text))
        in_text = sum(w for c, w in zip(concepts, weights, strict=True)
                      if _matched(c, own)) / total  # fmt: skip
        # more of the question's words and their synonyms in the text: more evidence
        evidence = len({t for c in concepts for t in c.alternatives} & own)
        # then the first passage under a heading (the general answer before the details
        # and the table's other rows), then BM25
        first = 0.05 / (1 + hit.passage.order)
        rank = coverage + 0.3 * in_text + 0.02 * evidence + first + 0.03 * hit.score / best_score
        scored.append((rank, coverage, hit))
    scored.sort(key=lambda s: -s[0])
    sources = tuple(Source(h.passage.file, h.passage.heading, h.score) for _, _, h in scored[:3])
    best: tuple[float, tuple[str, ...]] = (scored[0][1], _missing(concepts, scored[0][2].terms))
    for _, coverage, hit in scored[:CANDIDATES]:
        if not _enough(concepts, weights, hit.terms, min_confidence):
            continue
        # the words said must stand on their own: with their heading they hold the
        # topic, and what is asked (a price, a duration) is in the sentences themselves
        text, said = _spoken(index, hit, concepts, weights)
        heading = frozenset(index.analyzer.index_terms(hit.passage.context))
        if not _enough(concepts, weights, said | heading, min_confidence):
            continue
        if any(c.facet and not _matched(c, said) for c in concepts):
            continue
        return KnowledgeAnswer(text, coverage, sources, "answered", _missing(concepts, said))
    coverage, missing = best
    unknown = [c.word for c in concepts if not c.known]
    reason = "unknown_word" if unknown and set(unknown) & set(missing) else "not_sure"
    return KnowledgeAnswer(None, coverage, sources, reason, missing)


def _missing(concepts: list[Concept], terms: frozenset[str]) -> tuple[str, ...]:
    return tuple(c.word for c in concepts if not _matched(c, terms))


def _enough(concepts: list[Concept], weights: list[float], terms: frozenset[str],
            min_confidence: float) -> bool:  # fmt: skip
    """``terms`` hold enough of the question: ``min_confidence`` of its weight, and no
    single topic word that weighs more than MAX_MISSING_SHARE is missing (one topic word
    the passage lacks, "ein neues Bad" against a contract's terms, is enough to be
    wrong, however much else it shares)."""
    total = sum(weights)
    found = [_matched(c, terms) for c in concepts]
    coverage = sum(w for w, f in zip(weights, found, strict=True) if f) / total
    heaviest = max((w for w, f in zip(weights, found, strict=True) if not f), default=0.0)
    return coverage >= min_confidence and heaviest / total <= MAX_MISSING_SHARE


def holds_topic(index: KnowledgeIndex, question: str, text: str) -> bool:
    """``text`` (a profile's fact) holds every topic word of ``question``: "Was kostet die
    Anfahrt?" is answered by the fact on prices, "Was kostet die Wartung einer
    Wärmepumpe?" is not (it names no heat pump)."""
    terms = frozenset(index.analyzer.index_terms(text))
    return all(_matched(c, terms) for c in index.concepts(question) if not c.facet)


def _weight(index: KnowledgeIndex, c: Concept) -> float:
    if c.facet and not c.known:
        return 0.5
    if not c.known:
        return index.max_idf
    if c.parts and not (c.alternatives & index.analyzer.stems):
        return sum(index.idf(p) for p in c.parts) / len(c.parts) * c.certainty
    known = [index.idf(t) for t in c.alternatives if t in index.analyzer.stems]
    return (max(known) if known else index.max_idf) * c.certainty


def _matched(c: Concept, terms: frozenset[str]) -> bool:
    return bool(c.alternatives & terms) or (bool(c.parts) and set(c.parts) <= terms)


# -- the words said -------------------------------------------------------------------------


def _spoken(index: KnowledgeIndex, hit: Hit, concepts: list[Concept],
            weights: list[float]) -> tuple[str, frozenset[str]]:  # fmt: skip
    """The sentences to say and their terms."""
    passage = hit.passage
    analyzer = index.analyzer
    heading_terms = frozenset(analyzer.index_terms(passage.context))
    sents = sentences(passage.text) or [passage.text]
    sent_terms = [frozenset(analyzer.index_terms(s)) for s in sents]

    def gain(terms: frozenset[str]) -> float:
        return sum(w for c, w in zip(concepts, weights, strict=True) if _matched(c, terms))

    ranked = sorted(range(len(sents)), key=lambda i: (-gain(sent_terms[i]), i))
    first = ranked[0]
    chosen = [first]
    covered = sent_terms[first]
    nxt = first + 1
    if (
        nxt < len(sents)
        and (
            sents[first].rstrip().endswith(":")
            or len(sents[first].split()) < 8
            or gain(covered | sent_terms[nxt]) > gain(covered)
        )
        and len((sents[first] + " " + sents[nxt]).split()) <= MAX_WORDS
    ):
        chosen.append(nxt)
        covered = covered | sent_terms[nxt]
    text = " ".join(sents[i] for i in chosen)
    only_in_heading = gain(covered | heading_terms) > gain(covered)
    if only_in_heading and not text.startswith(passage.heading):
        label = _heading_for(passage, concepts, analyzer, covered)
        if label and label.lower() not in text.lower() and not label.endswith("?"):
            text = f"{label}: {text}" if ":" not in text.split()[0] else f"{label}, {text}"
    return speakable(text), covered


def _heading_for(passage: Passage, concepts: list[Concept], analyzer: object,
                 covered: frozenset[str]) -> str:  # fmt: skip
    """The most specific heading that names what the sentence leaves out."""
    for heading in reversed(passage.headings[1:] or passage.headings):
        terms = frozenset(analyzer.index_terms(heading))  # type: ignore[attr-defined]
        if any(_matched(c, terms) and not _matched(c, covered) for c in concepts):
            return heading
    return passage.heading


_SPEAK = [
    (re.compile(r"\bz\.\s?B\."), "zum Beispiel"),
    (re.compile(r"\binkl\."), "inklusive"),
    (re.compile(r"\bzzgl\."), "zuzüglich"),
    (re.compile(r"\bca\."), "circa"),
    (re.compile(r"\bbzw\."), "beziehungsweise"),
    (re.compile(r"\bu\.\s?a\."), "unter anderem"),
    (re.compile(r"\bd\.\s?h\."), "das heißt"),
    (re.compile(r"\bggf\."), "gegebenenfalls"),
    (re.compile(r"\bevtl\."), "eventuell"),
    (re.compile(r"\bMwSt\.?"), "Mehrwertsteuer"),
    (re.compile(r"\bStd\."), "Stunde"),
    (re.compile(r"\bNr\."), "Nummer"),
    (re.compile(r"\s?m²"), " Quadratmeter"),
    (re.compile(r"\s?m³"), " Kubikmeter"),
    (re.compile(r"\bMo\.?\s*[–-]\s*Fr\.?"), "Montag bis Freitag"),
    (re.compile(r"\bMo\.?\s*[–-]\s*Do\.?"), "Montag bis Donnerstag"),
    (re.compile(r"(?<=\d)\s*[–—]\s*(?=\d)"), " bis "),
    (re.compile(r"\s+[–—]\s+"), ", "),
    (re.compile(r"[*_#`|>•→]+"), " "),
    (re.compile(r"\s+/\s+"), " oder "),
    (re.compile(r"https?://\S+"), ""),
]


def speakable(text: str) -> str:
    """Written-only forms said out (abbreviations, dashes, markup); numbers, prices and
    times stay as they are: the voice's own spoken form says them (agent/speech/say_de)."""
    for pattern, said in _SPEAK:
        text = pattern.sub(said, text)
    text = " ".join(text.split()).replace(" ,", ",").replace(" .", ".")
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]
