"""The local index of a knowledge folder: BM25 over stemmed passages (``bm25s``).

Built once per content of the folder and kept on disk (like the NLU model: keyed by the
files' bytes, the code and the language), so a restart loads it in milliseconds;
:func:`knowledge_for` notices edited files and indexes again before the next call.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import math
import os
import pickle
import tempfile
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import bm25s

from agent.profile import Language
from agent.resources import cache_dir

from .documents import DocumentError, documents_in, read_document
from .passages import Passage, passages
from .terms import Analyzer, Concept, words

log = logging.getLogger(__name__)

CODE_VERSION = 6


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float
    terms: frozenset[str]


@dataclass(frozen=True, slots=True)
class Skipped:
    file: str
    reason: str


class KnowledgeIndex:
    """Passages of one folder and how to find them."""

    def __init__(self, folder: Path, language: Language,
                 synonyms: list[list[str]] | None = None) -> None:  # fmt: skip
        self.folder = folder
        self.language = language
        self.analyzer = Analyzer(language, synonyms)
        self.passages: list[Passage] = []
        self.skipped: list[Skipped] = []
        self.files: list[str] = []
        self._terms: list[frozenset[str]] = []
        self._df: Counter[str] = Counter()
        self._bm25: bm25s.BM25 | None = None

    # -- building ---------------------------------------------------------------------

    def build(self) -> KnowledgeIndex:
        sections = []
        for path in documents_in(self.folder):
            try:
                found = read_document(path, self.folder)
            except DocumentError as exc:
                log.warning("document not indexed", extra={"reason": str(exc)})
                self.skipped.append(Skipped(str(path.relative_to(self.folder)), str(exc)))
                continue
            self.files.append(str(path.relative_to(self.folder)))
            sections.extend(found)
        self.passages = passages(sections)
        vocabulary = {w for p in self.passages for w in words(f"{p.context} {p.text}")}
        vocabulary -= self.analyzer.stop
        self.analyzer.knowing(vocabulary, set())
        term_lists = [self.analyzer.index_terms(f"{p.context} {p.text}") for p in self.passages]
        self._terms = [frozenset(t) for t in term_lists]
        self._df = Counter(t for terms in self._terms for t in terms)
        self.analyzer.knowing(vocabulary, set(self._df))
        if term_lists:
            self._bm25 = bm25s.BM25(k1=1.2, b=0.6)
            self._bm25.index([t or [""] for t in term_lists], show_progress=False)
        return self

    # -- asking -----------------------------------------------------------------------

    def idf(self, term: str) -> float:
        n = len(self.passages)
        df = self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    @property
    def max_idf(self) -> float:
        return self.idf("\0never")

    def concepts(self, question: str) -> list[Concept]:
        return self.analyzer.concepts(question)

    def search(self, concepts: list[Concept], k: int = 5) -> list[Hit]:
        """The ``k`` passages that share most with the question's topic words."""
        if self._bm25 is None:
            return []
        query = sorted({t for c in concepts for t in (*c.alternatives, *c.parts)} & set(self._df))
        if not query:
            return []
        k = min(k, len(self.passages))
        docs, scores = self._bm25.retrieve([query], k=k, show_progress=False)
        return [
            Hit(self.passages[int(d)], float(s), self._terms[int(d)])
            for d, s in zip(docs[0], scores[0], strict=True)
            if s > 0
        ]

    def terms_of(self, passage: Passage) -> frozenset[str]:
        return self._terms[passage.id]


# -- the cache ----------------------------------------------------------------------------


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$RUFBEREIT_KNOWLEDGE_CACHE``, else ``$XDG_CACHE_HOME/rufbereit/knowledge``, else
    ``~/.cache/rufbereit/knowledge``."""
    return cache_dir("knowledge", "RUFBEREIT_KNOWLEDGE_CACHE", env)


@functools.cache
def _code_fingerprint() -> str:
    h = hashlib.sha256(str(CODE_VERSION).encode())
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.read_bytes())
    lang_dir = Path(__file__).parent.parent / "language"
    for f in sorted(lang_dir.glob("*.yaml")):
        h.update(f.read_bytes())
    h.update(bm25s.__version__.encode())
    return h.hexdigest()[:16]


def _stat_key(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when a file is added, removed or edited (cheap: stat only)."""
    out = []
    for p in documents_in(folder):
        with contextlib.suppress(OSError):
            st = p.stat()
            out.append((str(p), st.st_size, st.st_mtime_ns))
    return tuple(out)


def _content_key(folder: Path, language: str, synonyms: list[list[str]] | None) -> str:
    h = hashlib.sha256(f"{_code_fingerprint()}|{language}|{synonyms!r}".encode())
    for p in documents_in(folder):
        h.update(str(p.relative_to(folder)).encode() + b"\0")
        with contextlib.suppress(OSError):
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:24]


def load_index(folder: Path, language: Language, synonyms: list[list[str]] | None = None,
               cache_dir: Path | None = None) -> KnowledgeIndex:  # fmt: skip
    """The folder's index from the cache, or built (and cached) when the files changed."""
    cache_dir = cache_dir or default_cache_dir()
    key = _content_key(folder, language, synonyms)
    cached = cache_dir / f"{key}.pickle"
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
        with cached.open("rb") as f:
            index = pickle.load(f)
        if isinstance(index, KnowledgeIndex):
            index.folder = folder
            return index
    index = KnowledgeIndex(folder, language, synonyms).build()
    log.info("knowledge indexed", extra={"files": len(index.files),
             "passages": len(index.passages), "skipped": len(index.skipped)})  # fmt: skip
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cached)
    except OSError as exc:
        log.warning("knowledge index not cached", extra={"error": str(exc)})
    return index


_lock = threading.Lock()
_current: dict[tuple[str, str], tuple[tuple[tuple[str, int, int], ...], KnowledgeIndex]] = {}


def current_index(folder: Path, language: Language,
                  synonyms: list[list[str]] | None = None) -> KnowledgeIndex:  # fmt: skip
    """The index for ``folder``, indexed again when a file changed since the last call."""
    stat = _stat_key(folder)
    key = (str(folder.resolve()), f"{language}|{synonyms!r}")
    with _lock:
        known = _current.get(key)
        if known is not None and known[0] == stat:
            return known[1]
        index = load_index(folder, language, synonyms)
        _current[key] = (stat, index)
        return index
