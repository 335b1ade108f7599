"""Words to index terms: German stems, compounds split, synonyms, misheard words.

Stemming is PyStemmer's Snowball stemmer. Splitting compounds is done here, against the
documents' own vocabulary, because no maintained PyPI package splits German compounds
without a downloaded model: "Wärmepumpenwartung" is split into "wärmepumpen" +
"wartung" because both occur in the documents, so it finds "Wartung von Wärmepumpen";
the linking "s"/"n"/"en"/"es" of German compounds ("Heizungs|wartung") is allowed.
A question's word the documents do not know is matched to a known word that is spelt
almost the same (a recogniser's slip: "Wärmepumbe"), at a lower weight.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN
from rapidfuzz import fuzz, process

from agent.language import pack
from agent.profile import Language

_WORD = re.compile(r"€|[^\W_]+")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_LINKS = ("s", "es", "n", "en", "e", "er")
MIN_PART = 3
_VERB_ENDINGS = ("est", "st", "et", "t", "e")
_STEMMERS = {"de": "german", "en": "english"}
_STOP = {"de": set(STOPWORDS_GERMAN), "en": set(STOPWORDS_EN)}


def fold(word: str) -> str:
    """Lower case without umlauts: a recogniser and a document may spell either way."""
    return unicodedata.normalize("NFKC", word).lower().translate(_FOLD)


def words(text: str, *, parts: bool = True) -> list[str]:
    """The folded words of ``text``; "€" is the word "euro"; "Heizungs-Check" gives
    "heizungscheck" and, with ``parts``, its parts too (a document's text; a question's
    "U-Mann" stays one word, so its "mann" cannot find "Viessmann")."""
    out: list[str] = []
    for raw in re.split(r"\s+", text):
        found = [fold(w) for w in _WORD.findall(raw)]
        found = ["euro" if w == "€" else w for w in found]
        if len(found) > 1 and "-" in raw and all(w.isalpha() for w in found):
            out.append("".join(found))
            if not parts:
                continue
        out.extend(found)
    return out


@dataclass(frozen=True, slots=True)
class Concept:
    """One topic word of a question and the index terms that count as it."""

    word: str
    #: any of these terms in a passage means the word is there
    alternatives: frozenset[str]
    #: or all of these (the parts of a compound)
    parts: tuple[str, ...] = ()
    #: 1.0; less for a word that was only spelt similarly
    certainty: float = 1.0
    known: bool = True
    #: asks something about a topic ("kostet", "wie lange") without naming one
    facet: bool = False


class Analyzer:
    """Turns text into index terms for one language and one vocabulary."""

    def __init__(self, language: Language, synonyms: list[list[str]] | None = None) -> None:
        self.language = language
        self._stemmer = Stemmer.Stemmer(_STEMMERS.get(language, "german"))
        words_ = pack(language).knowledge
        self.stop = {fold(w) for w in _STOP.get(language, set())} | {
            fold(w) for w in words_.get("generic", [])
        }
        self.vocabulary: set[str] = set()
        self._vocab_list: list[str] = []
        self.stems: set[str] = set()
        groups = [g.split() for g in words_.get("synonyms", [])] + list(synonyms or [])
        #: words known to be words, besides the documents' own: compound parts too
        # ("Gasgeruch" is "gas" + "geruch" even when neither stands alone in a document)
        concept_words = [
            w.strip("*~") for terms in pack(language).concepts.values() for w in terms
            if "not:" not in w and " " not in w
        ]  # fmt: skip
        self.lexicon = {
            fold(w) for w in [*(w for g in groups for w in g), *concept_words]
            if w.isalpha() and len(w) >= MIN_PART
        }  # fmt: skip
        self.facets = {self.stem(fold(w)) for w in words_.get("facets", [])}
        self._same: dict[str, set[str]] = {}
        for group in groups:
            stems = {self.stem(fold(w)) for w in group if w.strip()}
            for s in stems:
                self._same.setdefault(s, set()).update(stems)
        self._split = lru_cache(maxsize=20_000)(self._split_uncached)
        self._open_left = False

    def __getstate__(self) -> dict[str, object]:
        """Pickled (in the index cache) without the stemmer and the split cache."""
        keys = ("language", "stop", "vocabulary", "lexicon", "facets", "stems", "_same",
                "_vocab_list")  # fmt: skip
        state = {k: getattr(self, k) for k in keys}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        for k, v in state.items():
            setattr(self, k, v)
        self._stemmer = Stemmer.Stemmer(_STEMMERS.get(self.language, "german"))
        self._open_left = False
        self._split = lru_cache(maxsize=20_000)(self._split_uncached)

    def stem(self, word: str) -> str:
        return str(self._stemmer.stemWord(word))

    def knowing(self, vocabulary: set[str], stems: set[str]) -> None:
        """The documents' words (for splitting compounds and matching slips) and their
        index terms (what a question's word must become to be found)."""
        self.vocabulary = vocabulary | self.lexicon
        self._vocab_list = sorted(vocabulary)
        self.stems = stems
        self._split.cache_clear()

    # -- compounds --------------------------------------------------------------------

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of a compound found in the vocabulary, or () ("wärmepumpenwartung"
        -> ("warmepumpen", "wartung"))."""
        return self._split(word)

    def _split_uncached(self, word: str) -> tuple[str, ...]:
        if len(word) < 2 * MIN_PART or not word.isalpha():
            return ()
        best: tuple[str, ...] = ()
        for i in range(len(word) - MIN_PART, MIN_PART - 1, -1):  # longest head first
            head, rest = word[:i], word[i:]
            if not self._known_part(rest):
                continue
            left = self._left_part(head)
            if left is None:
                continue
            parts = (*self._parts_of(left), rest)
            if not best or len(parts) < len(best):
                best = parts
            if len(parts) == 2:
                break
        return best

    def _parts_of(self, left: str) -> tuple[str, ...]:
        return self.split(left) if left not in self.vocabulary else (left,)

    def _known_part(self, part: str) -> bool:
        return len(part) >= MIN_PART and part in self.vocabulary and part not in self.stop

    def _left_part(self, head: str) -> str | None:
        if self._known_part(head):
            return head
        if self._open_left and len(head) >= 4 and head not in self.stop:
            return head.rstrip("s") if head.endswith("ungs") else head
        for link in _LINKS:
            if head.endswith(link) and self._known_part(head[: -len(link)]):
                return head[: -len(link)]
        if len(head) >= 2 * MIN_PART and self.split(head):
            return head
        return None

    # -- documents --------------------------------------------------------------------

    def index_terms(self, text: str) -> list[str]:
        """A passage's terms: each word's stem, and the stems of a compound's parts; a
        document's compound also gives its first part when only the last part is a known
        word ("Kamerainspektion": "kamera" too, so "mit der Kamera" finds it)."""
        out: list[str] = []
        for w in words(text):
            if w in self.stop:
                continue
            out.append(self.stem(w))
            parts = self.split(w)
            if not parts and len(w) >= 8:
                self._open_left = True
                try:
                    parts = self._split_uncached(w)
                finally:
                    self._open_left = False
            out.extend(self.stem(p) for p in parts)
        return out

    # -- questions --------------------------------------------------------------------

    def concepts(self, text: str) -> list[Concept]:
        """The topic words of a question, each with what counts as it in a passage. Two
        words a recogniser split apart are joined again when the documents know the
        compound ("wärme pumpe" is "wärmepumpe")."""
        seen: set[str] = set()
        out: list[Concept] = []
        ws = [w for w in words(text, parts=False) if w not in self.stop]
        i = 0
        while i < len(ws):
            w = ws[i]
            if i + 1 < len(ws) and w.isalpha() and ws[i + 1].isalpha():
                joined = w + ws[i + 1]
                if self.stem(joined) in self.stems or joined in self.vocabulary:
                    w, i = joined, i + 1
            i += 1
            if w in seen or (len(w) < 2 and not w.isdigit()):
                continue
            seen.add(w)
            out.append(self._concept(w))
        return out

    def _concept(self, w: str) -> Concept:
        stem = self.stem(w)
        alts = {stem} | self._same.get(stem, set())
        if stem in self.facets:
            return Concept(w, frozenset(alts), facet=True, known=bool(alts & self.stems))
        if alts & self.stems:
            return Concept(w, frozenset(alts))
        for ending in _VERB_ENDINGS:  # "nehmt", "seid": a verb form the stemmer keeps
            if w.endswith(ending) and len(w) - len(ending) >= 3:
                guess = self.stem(w[: -len(ending)] + "en")
                if guess in self.stems:
                    return Concept(w, frozenset(alts | {guess}), certainty=0.9)
        parts = self.split(w)
        if parts:
            return Concept(w, frozenset(alts), tuple(self.stem(p) for p in parts))
        if len(w) >= 6 and not w.isdigit() and self._vocab_list:
            # a slip of a long word, not another short word inside it ("umann" is no "mann")
            near = process.extractOne(w, self._vocab_list, scorer=fuzz.ratio, score_cutoff=84)
            if near is not None and abs(len(near[0]) - len(w)) <= 2:
                guess = self.stem(near[0])
                return Concept(w, frozenset(alts | {guess}), certainty=0.8)
        return Concept(w, frozenset(alts), known=False)
