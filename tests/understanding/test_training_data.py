"""The Rasa training data in models/nlu: well-formed, complete, held-out set kept apart."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from agent.understanding.entities import extract_entities

NLU_DIR = Path(__file__).resolve().parents[2] / "models" / "nlu"
LANGUAGES = ("de", "en")
MAIN_INTENTS = (
    "book_appointment", "reschedule_appointment", "cancel_appointment", "request_quote",
    "place_order", "order_status", "faq", "emergency", "human_handover", "callback_request",
    "affirm", "deny", "goodbye",
)  # fmt: skip
MIN_EXAMPLES = {"de": 40, "en": 20}
REQUIRED_PIPELINE = [
    "WhitespaceTokenizer", "RegexFeaturizer", "LexicalSyntacticFeaturizer",
    "CountVectorsFeaturizer", "CountVectorsFeaturizer", "LogisticRegressionClassifier",
    "CRFEntityExtractor", "EntitySynonymMapper",
]  # fmt: skip
# [text](entity) or [text]{"entity": ..., "value": ...}
ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]*)\](?:\((?P<name>[^()]*)\)|(?P<json>\{[^{}]*\}))")


@dataclass(frozen=True)
class Example:
    intent: str
    raw: str
    text: str
    entities: tuple[tuple[str, int, int], ...]  # (entity, start, end) in text


def parse_example(intent: str, raw: str) -> Example:
    text, entities, pos = "", [], 0
    for m in ANNOTATION.finditer(raw):
        text += raw[pos : m.start()]
        name = json.loads(m.group("json"))["entity"] if m.group("json") else m.group("name")
        entities.append((name, len(text), len(text) + len(m.group("text"))))
        text += m.group("text")
        pos = m.end()
    text += raw[pos:]
    return Example(intent, raw, text, tuple(entities))


@cache
def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


@cache
def examples(path: Path) -> list[Example]:
    out = []
    for block in load(path)["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            if line.strip():
                assert line.startswith("- "), f"{path.name}: {line!r}"
                out.append(parse_example(block["intent"], line[2:]))
    return out


# Rasa 3.6's WhitespaceTokenizer: punctuation before a space or the end is dropped.
_RASA_STRIP = re.compile(
    r"[^\w#@&]+(?=\s|$)|(\s|^)[^\w#@&]+(?=[^0-9\s])|"
    r"(?<=[^0-9\s])[^\w._~:/?#\[\]()@!$&*+,;=-]+(?=[^0-9\s])"
)


def rasa_token_bounds(text: str) -> tuple[set[int], set[int]]:
    """Start and end offsets of the tokens Rasa's WhitespaceTokenizer makes of ``text``."""
    starts, ends, pos = set(), set(), 0
    for word in _RASA_STRIP.sub(" ", text).split():
        pos = text.index(word, pos)
        starts.add(pos)
        ends.add(pos + len(word))
        pos += len(word)
    return starts, ends


def key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return load(NLU_DIR / "domain.yml")


def test_every_yaml_file_parses() -> None:
    files = sorted(NLU_DIR.rglob("*.yml"))
    assert {f.relative_to(NLU_DIR).as_posix() for f in files} >= {
        "domain.yml", "config.yml", "de/nlu.yml", "de/test.yml", "en/nlu.yml", "en/test.yml",
    }  # fmt: skip
    for f in files:
        load(f)


def test_config_is_the_light_cpu_pipeline() -> None:
    config = load(NLU_DIR / "config.yml")
    assert config["recipe"] == "default.v1"
    assert [c["name"] for c in config["pipeline"]] == REQUIRED_PIPELINE
    analyzers = [
        c.get("analyzer") for c in config["pipeline"] if c["name"] == "CountVectorsFeaturizer"
    ]
    assert analyzers == ["word", "char_wb"]


def test_domain_lists_the_required_intents_and_entities(domain: dict[str, Any]) -> None:
    assert set(MAIN_INTENTS) <= set(domain["intents"])
    assert {"greet", "inform", "out_of_scope"} <= set(domain["intents"])
    assert len(domain["intents"]) == len(set(domain["intents"]))
    assert {"time", "phone_number", "person", "product", "quantity", "email"} <= set(
        domain["entities"]
    )


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", ["nlu.yml", "test.yml"])
def test_files_are_rasa_3_nlu(lang: str, name: str, domain: dict[str, Any]) -> None:
    data = load(NLU_DIR / lang / name)
    assert str(data["version"]) == "3.1"
    assert set(data) == {"version", "nlu"}
    for block in data["nlu"]:
        kinds = {"intent", "regex", "lookup", "synonym"} & set(block)
        assert len(kinds) == 1 and set(block) == kinds | {"examples"}, block
        assert isinstance(block["examples"], str) and block["examples"].strip()
        if "intent" in block:
            assert block["intent"] in domain["intents"], block["intent"]
    intents = [b["intent"] for b in data["nlu"] if "intent" in b]
    assert len(intents) == len(set(intents)), "one block per intent"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_intent_has_enough_training_examples(lang: str, domain: dict[str, Any]) -> None:
    counts = Counter(e.intent for e in examples(NLU_DIR / lang / "nlu.yml"))
    assert set(counts) == set(domain["intents"])
    for intent in MAIN_INTENTS:
        assert counts[intent] >= MIN_EXAMPLES[lang], (intent, counts[intent])
    assert min(counts.values()) >= 8


@pytest.mark.parametrize("lang", LANGUAGES)
def test_held_out_set_is_separate_and_about_fifteen_percent(lang: str) -> None:
    train = examples(NLU_DIR / lang / "nlu.yml")
    test = examples(NLU_DIR / lang / "test.yml")
    assert 0.10 <= len(test) / len(train) <= 0.25
    assert {e.intent for e in test} == {e.intent for e in train}
    train_keys = {key(e.text) for e in train}
    leaked = [e.text for e in test if key(e.text) in train_keys]
    assert leaked == []


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", ["nlu.yml", "test.yml"])
def test_no_duplicates_within_a_file(lang: str, name: str) -> None:
    counts = Counter(key(e.text) for e in examples(NLU_DIR / lang / name))
    assert [k for k, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", ["nlu.yml", "test.yml"])
def test_annotations_are_well_formed(lang: str, name: str, domain: dict[str, Any]) -> None:
    for ex in examples(NLU_DIR / lang / name):
        assert ex.text.strip() == ex.text and ex.text, ex.raw
        assert not re.search(r"[\[\]]|\]\(|\)\{", ex.text), f"broken annotation: {ex.raw}"
        for entity, start, end in ex.entities:
            assert entity in domain["entities"], (entity, ex.raw)
            span = ex.text[start:end]
            assert span and span.strip() == span, ex.raw
            # spans must fall on token boundaries, or Rasa drops them as misaligned
            starts, ends = rasa_token_bounds(ex.text)
            assert start in starts and end in ends, f"misaligned {span!r} in {ex.raw}"
        spans = sorted((s, e) for _, s, e in ex.entities)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), ex.raw


def test_german_time_phone_and_email_annotations_agree_with_the_rules() -> None:
    """The CRF and the rule extractors should learn/produce the same spans."""
    now = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    agree = total = 0
    for path in (NLU_DIR / "de" / "nlu.yml", NLU_DIR / "de" / "test.yml"):
        for ex in examples(path):
            wanted = {
                (n, s, e) for n, s, e in ex.entities if n in ("time", "phone_number", "email")
            }
            if not wanted:
                continue
            kinds = ["time", "phone_number", "email"]
            found = {
                (e.entity, e.start, e.end)
                for e in extract_entities(ex.text, "de", now, kinds=kinds)
            }
            total += len(wanted)
            agree += len(wanted & found)
    assert total > 100
    assert agree / total >= 0.97, f"{agree}/{total}"
