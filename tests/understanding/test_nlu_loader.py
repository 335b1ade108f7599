"""Reading Rasa 3.x NLU YAML: annotations, sections, hashes, and errors that name FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.understanding.training_data import (
    EntitySpan,
    TrainingDataError,
    load_training_data,
    parse_annotated,
)

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "nlu.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- annotations -----------------------------------------------------------------------


def test_plain_annotation_becomes_a_span_of_the_plain_text() -> None:
    text, spans = parse_annotated("passt es [morgen um halb neun](time) bei ihnen")
    assert text == "passt es morgen um halb neun bei ihnen"
    assert spans == (EntitySpan("time", "morgen um halb neun", 9, 28, "morgen um halb neun"),)
    assert text[9:28] == "morgen um halb neun"


def test_every_annotation_form() -> None:
    text, spans = parse_annotated(
        '[zwei](quantity:2) [säcke]{"entity": "unit", "value": "sack", "role": "r"} '
        '[anna]{"entity": "person", "group": "1"} '
        '[kupferrohr][{"entity": "product"}, {"entity": "material", "value": "kupfer"}]'
    )
    assert text == "zwei säcke anna kupferrohr"
    assert [(s.entity, s.value, text[s.start : s.end], s.role, s.group) for s in spans] == [
        ("quantity", "2", "zwei", None, None),
        ("unit", "sack", "säcke", "r", None),
        ("person", "anna", "anna", None, "1"),
        ("product", "kupferrohr", "kupferrohr", None, None),
        ("material", "kupfer", "kupferrohr", None, None),
    ]


def test_adjacent_annotations_and_umlauts_keep_offsets() -> None:
    text, spans = parse_annotated("[grüß gott](greeting)[müller](person) ß")
    assert text == "grüß gottmüller ß"
    assert [text[s.start : s.end] for s in spans] == ["grüß gott", "müller"]


def test_brackets_that_are_no_annotation_stay_text() -> None:
    assert parse_annotated("das ist [wichtig] und (klar)") == ("das ist [wichtig] und (klar)", ())


@pytest.mark.parametrize(
    "line",
    [
        "am [montag](time",  # unclosed
        "am [montag]{time}",  # not JSON
        'am [montag]{"value": "x"}',  # no entity name
        "am [montag][1, 2]",  # list of non-objects
    ],
)
def test_broken_annotations_are_errors_with_the_place(line: str) -> None:
    with pytest.raises(TrainingDataError) as err:
        parse_annotated(line, where=("nlu.yml", 7))
    assert str(err.value).startswith("nlu.yml:7: ")
    assert err.value.line == 7


# --- files -----------------------------------------------------------------------------

GOOD = """\
version: "3.1"
# a comment
nlu:
- intent: book_appointment
  examples: |
    - ich hätte gern einen termin [morgen](time)
    - Termin bitte!

- intent: faq/opening_hours
  metadata: {owner: office}
  examples: |
    - wann haben sie offen
- synonym: gastherme
  examples: |
    - gas therme
    - therme
- regex: plz
  examples: |
    - \\d{5}
- lookup: product
  examples: |
    - fliesenkleber
    - zement
- intent: greet
  examples:
  - text: hallo
    metadata: {sentiment: neutral}
  - servus
stories:
- story: ignored
  steps: []
responses:
  utter_greet:
  - text: hallo
"""


def test_a_complete_file(tmp_path: Path) -> None:
    data = load_training_data(write(tmp_path, GOOD))
    assert [(e.intent, e.text) for e in data.examples] == [
        ("book_appointment", "ich hätte gern einen termin morgen"),
        ("book_appointment", "Termin bitte!"),
        ("faq", "wann haben sie offen"),
        ("greet", "hallo"),
        ("greet", "servus"),
    ]
    assert data.examples[0].entities == (EntitySpan("time", "morgen", 28, 34, "morgen"),)
    assert data.examples[2].response_key == "opening_hours"
    assert data.examples[0].source.endswith("nlu.yml:6")
    assert data.examples[1].source.endswith("nlu.yml:7")
    assert data.examples[2].source.endswith("nlu.yml:12")
    assert data.synonyms == {"gas therme": "gastherme", "therme": "gastherme"}
    assert data.regexes == {"plz": (r"\d{5}",)}
    assert data.lookups == {"product": ("fliesenkleber", "zement")}
    assert data.intents == ("book_appointment", "faq", "greet")
    assert data.counts() == {"book_appointment": 2, "faq": 1, "greet": 2}


def test_a_directory_reads_every_yaml_file_in_order(tmp_path: Path) -> None:
    write(tmp_path, "nlu:\n- intent: b\n  examples: |\n    - zwei\n", "b.yaml")
    write(tmp_path, "nlu:\n- intent: a\n  examples: |\n    - eins\n", "a.yml")
    write(tmp_path, "not yaml data", "notes.txt")
    data = load_training_data(tmp_path)
    assert [e.intent for e in data.examples] == ["a", "b"]
    assert [p.name for p in data.sources] == ["a.yml", "b.yaml"]


def test_files_without_nlu_are_empty_not_errors(tmp_path: Path) -> None:
    assert load_training_data(write(tmp_path, "")).examples == ()
    assert load_training_data(write(tmp_path, "version: '3.1'\nrules: []\n")).examples == ()
    assert load_training_data(write(tmp_path, "nlu:\n")).examples == ()


def test_the_shipped_data_loads() -> None:
    for lang in ("de", "en"):
        for name in ("nlu.yml", "test.yml"):
            data = load_training_data(ROOT / "models" / "nlu" / lang / name)
            assert len(data.intents) >= 13, (lang, name)
            for e in data.examples:
                for s in e.entities:
                    assert e.text[s.start : s.end] == s.text


# --- the content hash ------------------------------------------------------------------


def test_the_hash_ignores_comments_and_layout_but_not_content(tmp_path: Path) -> None:
    base = load_training_data(write(tmp_path, GOOD)).content_hash
    relaid = GOOD.replace("# a comment", "# another comment\n\n").replace(
        "- intent: greet", "# greetings\n- intent: greet"
    )
    assert load_training_data(write(tmp_path, relaid)).content_hash == base
    changes = [
        GOOD.replace("Termin bitte!", "Termin bitte"),
        GOOD.replace("[morgen](time)", "[morgen](date)"),
        GOOD.replace("[morgen](time)", "morgen"),
        GOOD.replace("- intent: greet", "- intent: greeting"),
        GOOD.replace("- zement", "- kies"),
    ]
    hashes = {load_training_data(write(tmp_path, c)).content_hash for c in changes}
    assert base not in hashes and len(hashes) == len(changes)


def test_conflicting_labels_are_found(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nlu:\n- intent: a\n  examples: |\n    - Sind Sie ein Mensch?\n    - eins\n"
        "- intent: b\n  examples: |\n    - sind sie ein mensch\n",
    )
    (conflict,) = load_training_data(path).conflicts()
    assert conflict.intents == ("a", "b")
    assert [s.rsplit(":", 1)[1] for s in conflict.sources] == ["4", "8"]


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("nlu:\n- intent: a\n  examples: |\n    - gut\n    schlecht\n", 5, "must start with '- '"),
        ("nlu:\n- intent: a\n  examples: |\n    - gut\n    -\n", 5, "empty example"),
        ("nlu:\n- intent: a\n  examples: |\n    - am [montag](time\n", 4, "broken entity"),
        ("nlu:\n- intent: a\n  examples: |\n    - [x]{bad}\n", 4, "not valid JSON"),
        ("nlu:\n- intent: a\n  examples: [\n", 4, "invalid YAML"),
        ("nlu:\n- intent: a\n", 2, "has no examples"),
        ("nlu:\n- intent: a\n  examples: |\n\n", 3, "has no examples"),
        ("nlu:\n- examples: |\n    - x\n", 2, "needs exactly one of intent:"),
        ("nlu:\n- intent: a\n  synonym: b\n  examples: |\n    - x\n", 2, "exactly one"),
        ("nlu:\n- intent: ''\n  examples: |\n    - x\n", 2, "needs a name"),
        ("nlu:\n- intent: /x\n  examples: |\n    - x\n", 2, "needs a name"),
        ("nlu:\n- just a string\n", 2, "must be a mapping"),
        ("nlu: {intent: a}\n", 1, "must be a list"),
        ("- intent: a\n", 1, "top level must be a mapping"),
        ("nlu:\n- regex: plz\n  examples: |\n    - (\\d\n", 4, "invalid regex"),
        ("nlu:\n- intent: a\n  examples: 5\n", 3, "must start with '- '"),
        ("nlu:\n- intent: a\n  examples: {x: 1}\n", 3, "must be a '|' block"),
        ("nlu:\n- intent: a\n  examples:\n  - {meta: 1}\n", 4, "needs text:"),
    ],
)
def test_malformed_data_names_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TrainingDataError) as err:
        load_training_data(path)
    assert (err.value.path, err.value.line) == (path, line), str(err.value)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert words in str(err.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="file not found"):
        load_training_data(tmp_path / "missing.yml")
    latin1 = tmp_path / "latin1.yml"
    latin1.write_bytes("nlu:\n- intent: a\n  examples: |\n    - grüß\n".encode("latin-1"))
    with pytest.raises(TrainingDataError, match="not UTF-8"):
        load_training_data(latin1)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TrainingDataError, match="no training data files"):
        load_training_data(empty)
