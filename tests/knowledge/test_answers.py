"""Answers from documents: found across compounds, slips and synonyms; said in one or two
sentences; and never given when the documents do not hold them."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.knowledge.answer import ask, speakable
from agent.knowledge.index import KnowledgeIndex, current_index, load_index

HANDBOOK = {
    "leistungen.md": """# Unsere Leistungen

## Wartung von Wärmepumpen

Wir warten Luft- und Erdwärmepumpen aller gängigen Hersteller. Die jährliche Wartung
einer Wärmepumpe kostet 189 € inkl. Anfahrt im Stadtgebiet. Sie dauert etwa zwei Stunden.
Ab 3.000 € vermitteln wir eine Finanzierung über unsere Partnerbank.

## Heizungswartung

| Leistung | Preis |
| --- | --- |
| Wartung Gastherme | 129 € |
| Wartung Ölheizung | 159 € |

## Was wir nicht machen

Elektroarbeiten, Dacharbeiten und Klimaanlagen bieten wir nicht an.
""",
    "notfall.md": """# Notfall

## Gasgeruch

Verlassen Sie sofort das Haus und rufen Sie von draußen den Gasnotruf der Stadtwerke an.
Betätigen Sie keine Lichtschalter.

## Rohrbruch

Drehen Sie den Hauptwasserhahn zu. Er sitzt meist im Keller neben dem Wasserzähler.
""",
    "fragen.txt": """Nehmen Sie die alte Heizung mit?
Ja, die Entsorgung des Altgeräts ist im Festpreis enthalten.

Bilden Sie aus?
Ja, wir bilden jedes Jahr zwei Anlagenmechaniker aus.
""",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeIndex:
    folder = tmp_path_factory.mktemp("handbook")
    for name, text in HANDBOOK.items():
        (folder / name).write_text(text, encoding="utf-8")
    return KnowledgeIndex(folder, "de").build()


@pytest.mark.parametrize(("question", "said"), [
    ("Was kostet die Wärmepumpenwartung?", "189 €"),  # a compound finds its parts
    ("was kostet die wartung einer gastherme", "Wartung Gastherme: 129 €."),
    ("wie viel kostet so ne wartung von der ölheizung", "159 €"),
    ("wie lange dauert die wartung der wärmepumbe", "zwei Stunden"),  # a recogniser's slip
    ("was kostet die wartung einer wärme pumpe", "189 €"),  # a compound heard as two words
    ("Machen Sie auch Klimaanlagen?", "Klimaanlagen bieten wir nicht an"),
    ("es riecht nach gas was soll ich tun", "Verlassen Sie sofort das Haus"),  # riecht ~ Geruch
    ("wo ist der hauptwasserhahn bei einem rohrbruch", "Hauptwasserhahn"),
    ("nehmen sie die alte heizung mit", "Entsorgung des Altgeräts"),
])  # fmt: skip
def test_questions_the_documents_answer(index: KnowledgeIndex, question: str, said: str) -> None:
    found = ask(index, question)
    assert found.text is not None, found
    assert said in found.text
    assert len(found.text.split()) <= 55
    assert found.sources and found.sources[0].file.endswith((".md", ".txt"))


@pytest.mark.parametrize("question", [
    "Verlegen Sie auch Parkett?",  # a word no document knows
    "Was kostet ein neues Bad?",  # the price of something else must not be said
    "Wie lange dauert eine Badsanierung?",
    "Haben Sie einen Hund?",
    "Was kostet das?",  # no topic to look up
    "Wie heißt Ihre Partnerbank?",  # a name is asked, no document gives one
    "",
])  # fmt: skip
def test_questions_the_documents_do_not_answer(index: KnowledgeIndex, question: str) -> None:
    found = ask(index, question)
    assert found.text is None, found


def test_the_answer_is_made_speakable() -> None:
    assert speakable("Wartung inkl. Anfahrt, z. B. Mo–Fr 8–17 Uhr | **jetzt**") == (
        "Wartung inklusive Anfahrt, zum Beispiel Montag bis Freitag 8 bis 17 Uhr jetzt."
    )


def test_the_index_is_cached_and_rebuilt_when_a_file_changes(tmp_path: Path) -> None:
    folder, cache = tmp_path / "docs", tmp_path / "cache"
    folder.mkdir()
    (folder / "a.md").write_text("# Preise\n\nDie Anfahrt kostet 49 €.\n", encoding="utf-8")
    first = load_index(folder, "de", cache_dir=cache)
    assert len(list(cache.glob("*.pickle"))) == 1
    again = load_index(folder, "de", cache_dir=cache)
    assert again is not first and [p.text for p in again.passages] == [
        p.text for p in first.passages
    ]
    assert ask(again, "was kostet die anfahrt").text == "Die Anfahrt kostet 49 €."


def test_an_edited_document_answers_the_next_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUFBEREIT_KNOWLEDGE_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "docs"
    folder.mkdir()
    doc = folder / "a.md"
    doc.write_text("# Preise\n\nDie Anfahrt kostet 49 €.\n", encoding="utf-8")
    assert "49" in (ask(current_index(folder, "de"), "was kostet die anfahrt").text or "")
    doc.write_text("# Preise\n\nDie Anfahrt kostet 59 €, die Stunde 80 €.\n", encoding="utf-8")
    assert "59" in (ask(current_index(folder, "de"), "was kostet die anfahrt").text or "")


def test_a_broken_file_is_skipped_and_reported_the_rest_answers(tmp_path: Path) -> None:
    (tmp_path / "kaputt.pdf").write_bytes(b"not a pdf at all")
    (tmp_path / "a.md").write_text("# Parken\n\nParkplätze gibt es im Hof.\n", encoding="utf-8")
    index = KnowledgeIndex(tmp_path, "de").build()
    assert [s.file for s in index.skipped] == ["kaputt.pdf"]
    assert ask(index, "wo kann ich parken").text == "Parkplätze gibt es im Hof."
