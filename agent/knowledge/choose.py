"""Which of the passages found answers the question, and which of its sentences are said.

A passage answers when

- it names every thing the question names (its nouns, with their synonyms and compound
  parts; in the passage or its headings): a price table's other row, or a passage on
  another appliance, is not the answer;
- it holds ``min_confidence`` of the question's words by weight (a rare word weighs more;
  verbs and adjectives, which a caller says in his own words, weigh less);
- one or two of its sentences say what is asked (:mod:`.asked`), in the sentence that
  names the thing or under a heading that does ("Komfort: 189 €" under "Gastherme").

Of those the one whose said sentences hold most of the question wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .asked import Asked, asked_in
from .index import Hit, KnowledgeIndex
from .passages import Passage
from .terms import Concept

DEFAULT_MIN_CONFIDENCE = 0.6
#: what a verb, adjective or adverb weighs against a noun of the same rarity
OTHER_SHARE = 0.5
#: a word found only in the headings counts this much towards the said sentences
HEADING_SHARE = 0.5
#: how much a passage's own heading naming the question's things counts
#: a passage lacking one word that weighs more than this share of the question is about
#: something else ("finanzieren" in a passage on contract terms), however much it shares
MAX_MISSING_SHARE = 0.3
#: the most words said from a passage (two sentences of a price list are enough)
MAX_WORDS = 55

Weighed = list[tuple[Concept, float]]


@dataclass(frozen=True, slots=True)
class Choice:
    hit: Hit
    score: float
    coverage: float
    #: the sentences to say (with their heading when only it names the topic); None: the
    #: passage does not answer
    text: str | None
    missing: tuple[str, ...]
    #: answers, missing_noun, too_little, not_said
    why: str
    #: the terms of the sentences said
    said: frozenset[str] = frozenset()


def weights_of(index: KnowledgeIndex, concepts: list[Concept]) -> Weighed:
    """The question's topic words (not what it asks: "kostet", "wie lange"), weighed."""
    out = []
    for c in concepts:
        if c.facet:
            continue
        w = _weight(index, c)
        out.append((c, w if c.noun else w * OTHER_SHARE))
    return out


def _weight(index: KnowledgeIndex, c: Concept) -> float:
    if not c.known:
        return index.max_idf
    stems = index.analyzer.stems
    if c.parts and not (c.alternatives & stems):
        return sum(index.idf(p) for p in c.parts) / len(c.parts) * c.certainty
    known = [index.idf(t) for t in c.alternatives if t in stems]
    return (max(known) if known else index.max_idf) * c.certainty


def choose(index: KnowledgeIndex, hits: list[Hit], topic: Weighed, kinds: frozenset[str],
           min_confidence: float) -> list[Choice]:  # fmt: skip
    """The hits judged, those that answer first, best first."""
    asked = asked_in(index.language)
    best_score = max(h.score for h in hits)
    out = [_judge(index, h, topic, kinds, asked, min_confidence, best_score) for h in hits]
    out.sort(key=lambda c: (c.text is None, -c.score))
    return out


def _judge(index: KnowledgeIndex, hit: Hit, topic: Weighed, kinds: frozenset[str],
           asked: Asked, min_confidence: float, best_score: float) -> Choice:  # fmt: skip
    terms = hit.terms
    total = sum(w for _, w in topic) or 1.0
    missing = tuple(c.word for c, _ in topic if not c.matches(terms))
    coverage = sum(w for c, w in topic if c.matches(terms)) / total
    # the first passage under a heading (the general answer before the details), then BM25
    rank = 0.05 / (1 + hit.passage.order) + 0.03 * hit.score / best_score
    nouns = [c for c, _ in topic if c.noun]
    if any(not c.matches(terms) for c in nouns):
        return Choice(hit, coverage + rank, coverage, None, missing, "missing_noun")
    heaviest = max((w for c, w in topic if not c.matches(terms)), default=0.0)
    if coverage < min_confidence or heaviest / total > MAX_MISSING_SHARE:
        return Choice(hit, coverage + rank, coverage, None, missing, "too_little")
    found = _window(index, hit.passage, topic, nouns, kinds, asked)
    if found is None:
        return Choice(hit, coverage + rank, coverage, None, missing, "not_said")
    text, gain, said = found
    score = coverage + 0.3 * gain / total + rank
    return Choice(hit, score, coverage, text, missing, "answers", said)


def _window(index: KnowledgeIndex, passage: Passage, topic: Weighed, nouns: list[Concept],
            kinds: frozenset[str], asked: Asked,
            ) -> tuple[str, float, frozenset[str]] | None:  # fmt: skip
    """The one or two sentences that answer, and how much of the question they hold."""
    sents = index.sentences_of(passage)
    heading = index.heading_terms(passage)
    others = [c for c, _ in topic if not c.noun]
    best: tuple[tuple[float, int, int], int, int] | None = None
    for i in range(len(sents)):
        for j in (i + 1, i + 2):
            if j > len(sents) or (j - i > 1 and _words(sents[i:j]) > MAX_WORDS):
                continue
            window = _carried(sents, i, j, asked)
            said = frozenset().union(*(t for _, t in window))
            if not all(c.matches(said | heading) for c in nouns):
                continue
            # what is asked is said next to the thing it is asked about (or to what is
            # said of it, "antworten", when the other sentence names the thing)
            if not all(
                any(asked.says(k, s) and (all(c.matches(t | heading) for c in nouns)
                                          or any(c.matches(t) for c in others))
                    for s, t in window)
                for k in kinds
            ):  # fmt: skip
                continue
            gain = sum(w for c, w in topic if c.matches(said)) + HEADING_SHARE * sum(
                w for c, w in topic if not c.matches(said) and c.matches(heading)
            )
            key = (gain, i - j, -i)
            if best is None or key > best[0]:
                best = (key, i, j)
    if best is None:
        return None
    (gain, _, _), i, j = best
    first = sents[i][0].rstrip()
    if (
        j - i == 1
        and j < len(sents)
        and (
            first.endswith(":")
            or len(first.split()) < 6
            or asked.follows(sents[j][0])
            or len(sents) == 2  # a short passage of two sentences is said whole
        )
        and _words(sents[i : j + 1]) <= MAX_WORDS
    ):
        j += 1  # "Wartung:" or "Sonst ..." belong to the one before
    said = frozenset().union(*(t for _, t in sents[i:j]))
    text = " ".join(s for s, _ in sents[i:j])
    label = _label(index, passage, topic, said)
    if label and label.lower() not in text.lower():
        text = f"{label}: {text}" if ":" not in text.split()[0] else f"{label}, {text}"
    return text, gain, said


def _carried(sents: tuple[tuple[str, frozenset[str]], ...], i: int, j: int,
             asked: Asked) -> tuple[tuple[str, frozenset[str]], ...]:  # fmt: skip
    """Sentences ``i`` to ``j``; one that goes on from the one before ("Er befindet sich
    im Keller") also holds that one's words."""
    out = list(sents[i:j])
    for k in range(1, len(out)):
        if asked.follows(out[k][0]):
            out[k] = (out[k][0], out[k][1] | out[k - 1][1])
    return tuple(out)


def _words(window: tuple[tuple[str, frozenset[str]], ...]) -> int:
    return sum(len(s.split()) for s, _ in window)


def _label(index: KnowledgeIndex, passage: Passage, topic: Weighed,
           said: frozenset[str]) -> str | None:  # fmt: skip
    """The most specific heading that names a topic word the sentences leave out
    ("Komfort" above "189 € im Jahr"); none when the sentences name them all, or when
    the heading is a question (an FAQ's)."""
    left_out = [c for c, _ in topic if not c.matches(said)]
    if not left_out:
        return None
    for heading in reversed(passage.headings[1:] or passage.headings):
        terms = frozenset(index.analyzer.index_terms(heading))
        if any(c.matches(terms) for c in left_out):
            return None if heading.rstrip().endswith("?") else heading
    return None


#: another passage that answers within this much of the best one says something else:
#: the question does not tell which is meant
MARGIN = 0.02
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def settled(best: Choice, others: list[Choice]) -> bool:
    """The passages that answer (almost) as well as the best mostly say the same: a
    question that fits several passages equally with different answers ("Wer macht die
    Fliesen im Bad?" against three passages on bathrooms) is not answered by a pick."""
    close = [o for o in others if o.score >= best.score - MARGIN]
    differ = sum(1 for o in close if not _agree(best, o))
    return differ <= len(close) - differ


def _agree(a: Choice, b: Choice) -> bool:
    """Two answers say the same: the same amounts, or mostly the same words."""
    na, nb = _numbers(a.text or ""), _numbers(b.text or "")
    if na or nb:
        return bool(na & nb)
    return len(a.said & b.said) >= 0.4 * min(len(a.said), len(b.said))


def _numbers(text: str) -> set[str]:
    """One amount for "149,00 €" and "149 €", one number for "1.000" and "1000"."""
    return {n.replace(".", "").removesuffix(",00") for n in _NUMBER.findall(text)}
