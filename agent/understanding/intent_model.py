"""The intent classifier of the embedded backend: features, training, calibrated scores.

TF-IDF over word 1-2 grams and char_wb 2-5 grams of text normalised the way
Vosk prints it (entities replaced by placeholder words), a LinearSVC, and
per-intent Platt scaling fitted on out-of-fold decision values. See
:mod:`agent.understanding.embedded` for why.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import sklearn  # type: ignore[import-untyped]
from scipy.optimize import minimize  # type: ignore[import-untyped]
from scipy.sparse import hstack  # type: ignore[import-untyped]
from scipy.special import expit  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

from agent.understanding.entities import (
    DEFAULT_TIMEZONE,
    Entity,
    extract_entities,
)
from agent.understanding.nlu import NluError
from agent.understanding.training_data import TrainingData

log = logging.getLogger(__name__)

#: Part of the cache key (with a hash of the sources): bump to invalidate every cache.
CODE_VERSION = "1"
#: The intent of a text with nothing to classify (empty, only punctuation); Rasa's name.
NO_INTENT = "nlu_fallback"
#: Rasa returns at most this many intents in intent_ranking.
RANKING_LENGTH = 10
#: Fixed "now" for the entity extractors while training (spans do not depend on it).
_TRAIN_NOW = datetime(2026, 1, 7, 10, 0, tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
_HYPER: dict[str, Any] = {
    "word_ngrams": (1, 2),
    "char_ngrams": (2, 5),
    "C": 1.0,
    "calibration_folds": 3,
}
_MIN_SLOPE = 1.0  # lower bound of Platt's slope, see _platt
Progress = Callable[[str], None]


# --- text ------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """Text as Vosk prints it: lower case, no punctuation, single spaces.

    Umlauts and ß stay (NFC, ``lower()`` not ``casefold()``), digits stay,
    ``_`` and every other non-letter/digit becomes a space.
    """
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def _placeholder(kind: str) -> str:
    return "xx" + kind.replace("_", "")


def model_text(text: str, entities: Iterable[Entity]) -> str:
    """What the classifier sees: entities replaced by ``xxtime``, ``xxperson``, ...; normalised."""
    out: list[str] = []
    pos = 0
    for e in sorted(entities, key=lambda e: e.start):
        if e.start < pos:
            continue
        out.append(text[pos : e.start])
        out.append(f" {_placeholder(e.entity)} ")
        pos = e.end
    out.append(text[pos:])
    return normalize_text("".join(out))


# --- the model -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelInfo:
    language: str
    cache_key: str
    data_hash: str
    examples: int
    intents: tuple[str, ...]
    calibrated: bool
    train_seconds: float
    trained_at: str
    sklearn_version: str


class IntentModel:
    """Fitted vectorizers + linear weights + Platt scaling; scores one text in ~0.1 ms."""

    def __init__(
        self,
        vectorizers: Sequence[Any],
        weights: np.ndarray,
        intercept: np.ndarray,
        platt: np.ndarray | None,
        classes: Sequence[str],
        info: ModelInfo,
    ) -> None:
        self.vectorizers = list(vectorizers)
        self.weights = weights  # (n_features, n_classes)
        self.intercept = intercept  # (n_classes,)
        self.platt = platt  # (2, n_classes): a, b of sigmoid(a * score + b); None = softmax
        self.classes = tuple(classes)
        self.info = info
        self._prepared: list[tuple[Callable[[str], list[str]], dict[str, int], np.ndarray, int]]
        self._prepared = []

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_prepared"] = []
        return state

    def _prepare(self) -> list[tuple[Callable[[str], list[str]], dict[str, int], np.ndarray, int]]:
        if not self._prepared:
            offset = 0
            prepared = []
            for v in self.vectorizers:
                vocab: dict[str, int] = v.vocabulary_
                prepared.append((v.build_analyzer(), vocab, np.asarray(v.idf_), offset))
                offset += len(vocab)
            self._prepared = prepared
        return self._prepared

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse TF-IDF features of a model text, (indices, values), as the vectorizers do."""
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for analyze, vocab, idf, offset in self._prepare():
            counts = Counter(i for tok in analyze(text) if (i := vocab.get(tok)) is not None)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            val = (np.log(tf) + 1.0) * idf[idx]  # sublinear tf * idf
            val /= np.sqrt(val @ val)  # each vectorizer l2-normalises its own part
            indices.append(idx + offset)
            values.append(val)
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(indices), np.concatenate(values)

    def decision(self, text: str) -> np.ndarray:
        idx, val = self.features(text)
        scores: np.ndarray = val @ self.weights[idx] + self.intercept
        return scores

    def probabilities(self, text: str) -> np.ndarray:
        """One probability per class (summing to 1) for a model text."""
        probabilities: np.ndarray = _to_probabilities(
            self.decision(text)[np.newaxis, :], self.platt
        )
        return probabilities.reshape(-1)

    def rank(self, text: str) -> list[tuple[str, float]]:
        p = self.probabilities(text)
        order = np.argsort(-p, kind="stable")
        return [(self.classes[i], float(p[i])) for i in order]


def _to_probabilities(scores: np.ndarray, platt: np.ndarray | None) -> np.ndarray:
    if platt is None:  # too few examples to calibrate: a plain softmax over the margins
        z = np.exp(scores - scores.max(axis=1, keepdims=True))
        out: np.ndarray = z / z.sum(axis=1, keepdims=True)
        return out
    p: np.ndarray = expit(platt[0] * scores + platt[1])
    total = p.sum(axis=1, keepdims=True)
    uniform = np.full_like(p, 1.0 / p.shape[1])
    calibrated: np.ndarray = np.where(total > 0, p / np.where(total > 0, total, 1.0), uniform)
    return calibrated


def _platt(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid (with his smoothed targets) mapping a decision value to P(class)."""
    n_pos = float(positive.sum())
    n_neg = float(len(positive) - n_pos)
    target = np.where(positive, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = ab[0] * scores + ab[1]
        grad = expit(z) - target
        value = float(np.sum(np.logaddexp(0.0, z) - target * z))
        return value, np.array([grad @ scores, grad.sum()])

    # a >= 1: calibration may flatten, never invert, the classifier's order (on a few
    # examples per intent out-of-fold scores can be anti-correlated); fitted values
    # on real data are 3-13.
    res = minimize(
        loss,
        x0=np.array([_MIN_SLOPE, 0.0]),
        jac=True,
        method="L-BFGS-B",
        bounds=[(_MIN_SLOPE, None), (None, None)],
    )
    return float(res.x[0]), float(res.x[1])


def _svc() -> Any:
    return LinearSVC(C=_HYPER["C"], max_iter=10_000, random_state=0)


def _decision(svc: Any, features: Any, n_classes: int) -> np.ndarray:
    d: np.ndarray = np.asarray(svc.decision_function(features))
    if n_classes == 2:  # binary: one column, positive = classes_[1]
        d = np.column_stack([-d, d])
    return d


def train_model(
    data: TrainingData,
    *,
    language: str,
    cache_key: str = "",
    progress: Progress | None = None,
) -> IntentModel:
    """Fit the classifier on ``data`` (blocking; about a second for 1,500 examples)."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    examples = [e for e in data.examples if e.text.strip()]
    labels = np.array([e.intent for e in examples])
    classes = sorted(set(labels.tolist()))
    if len(classes) < 2:
        raise NluError(
            f"training data for {language!r} needs at least two intents "
            f"(found {', '.join(classes) or 'none'})"
        )
    say(f"extracting entities from {len(examples)} examples")
    texts = [model_text(e.text, extract_entities(e.text, language, _TRAIN_NOW)) for e in examples]
    say("fitting TF-IDF features (word 1-2 grams, char 2-5 grams)")
    vectorizers = [
        TfidfVectorizer(
            analyzer="word",
            ngram_range=_HYPER["word_ngrams"],
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b",
        ),
        TfidfVectorizer(analyzer="char_wb", ngram_range=_HYPER["char_ngrams"], sublinear_tf=True),
    ]
    features = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    counts = Counter(labels.tolist())
    folds = min(int(_HYPER["calibration_folds"]), min(counts.values()))
    platt: np.ndarray | None = None
    if folds >= 2:
        oof = np.zeros((len(labels), len(classes)))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
        for k, (tr, te) in enumerate(splitter.split(features, labels), start=1):
            say(f"calibrating confidences: fold {k}/{folds}")
            svc = _svc().fit(features[tr], labels[tr])
            oof[te] = _decision(svc, features[te], len(classes))
        platt = np.array([_platt(oof[:, j], labels == c) for j, c in enumerate(classes)]).T
    else:
        rare = sorted(c for c, n in counts.items() if n < 2)
        log.warning(
            "intents with a single example: confidences are not calibrated",
            extra={"language": language, "intents": rare},
        )
    say(f"fitting the classifier ({len(classes)} intents)")
    svc = _svc().fit(features, labels)
    coef = np.asarray(svc.coef_, dtype=np.float64)
    intercept = np.asarray(svc.intercept_, dtype=np.float64)
    if len(classes) == 2:
        coef = np.vstack([-coef, coef])
        intercept = np.concatenate([-intercept, intercept])
    seconds = time.perf_counter() - started
    info = ModelInfo(
        language=language,
        cache_key=cache_key,
        data_hash=data.content_hash,
        examples=len(examples),
        intents=tuple(classes),
        calibrated=platt is not None,
        train_seconds=round(seconds, 3),
        trained_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        sklearn_version=sklearn.__version__,
    )
    return IntentModel(
        vectorizers,
        np.ascontiguousarray(coef.T),
        intercept,
        platt,
        [str(c) for c in svc.classes_],
        info,
    )
