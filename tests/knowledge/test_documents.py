"""The documents an owner drops in the knowledge folder become passages under their
headings: Markdown, a saved web page (without its menu, cookie banner and footer), a
PDF (headings told by their font) and a plain FAQ sheet."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.knowledge.documents import DocumentError, documents_in, read_document
from agent.knowledge.passages import passages, sentences


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_keeps_headings_and_turns_table_rows_into_sentences(tmp_path: Path) -> None:
    path = _write(tmp_path, "preise.md", "# Preise\n\nAlle Preise inkl. MwSt.\n\n"
                  "## Festpreise\n\n| Leistung | Preis |\n|---|---|\n"
                  "| Wartung **Gastherme** | 129 € |\n| Wartung Ölheizung | 159 € |\n\n"
                  "- [Kontakt](kontakt.html) für Fragen\n")  # fmt: skip
    sections = read_document(path, tmp_path)
    assert sections[0].headings == ("Preise", "Preise")
    fixed = sections[1]
    assert fixed.headings == ("Preise", "Preise", "Festpreise")
    assert fixed.blocks[:2] == ["Wartung Gastherme: 129 €", "Wartung Ölheizung: 159 €"]
    assert fixed.blocks[2] == "Kontakt für Fragen"
    rows = [p for p in passages(sections) if p.heading == "Festpreise"]
    assert [p.text for p in rows][:2] == ["Wartung Gastherme: 129 €", "Wartung Ölheizung: 159 €"]


def test_a_saved_web_page_gives_its_content_not_its_menu_or_cookie_banner(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "anfahrt.html", """<!doctype html><html><head>
        <title>Anfahrt | Müller Sanitär</title><script>var x = 1;</script></head><body>
        <nav><a href="/">Startseite</a><a href="/leistungen">Leistungen</a></nav>
        <div class="cookie-banner">Wir verwenden Cookies <button>Akzeptieren</button></div>
        <main><h1>Anfahrt</h1><p>Mit der <b>U3</b> bis Poccistraße.</p>
        <h2>Zonen</h2><table><thead><tr><th>Zone</th><th>Gebiet</th><th>Anfahrt</th></tr>
        </thead><tbody><tr><td>Zone 2</td><td>bis 20 km</td><td>69 €</td></tr></tbody>
        </table><ul><li><p>Parken im Hof</p></li></ul></main>
        <footer>Impressum · Datenschutz</footer></body></html>""")  # fmt: skip
    sections = read_document(path, tmp_path)
    text = " ".join(b for s in sections for b in s.blocks)
    assert "Cookies" not in text and "Startseite" not in text and "Impressum" not in text
    assert "var x" not in text
    assert sections[0].headings == ("Anfahrt", "Anfahrt")
    assert sections[0].blocks == ["Mit der U3 bis Poccistraße."]
    assert sections[1].headings[-1] == "Zonen"
    assert sections[1].blocks == ["Zone 2: Gebiet bis 20 km, Anfahrt 69 €", "Parken im Hof"]


def test_a_pdf_gives_headings_by_font_size(tmp_path: Path) -> None:
    import fpdf  # the dev extra: writes the test PDF

    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 10, "Preisliste 2026", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 10, "Notdienst", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    body = ("Nachts und am Wochenende berechnen wir einen Zuschlag von 50 Prozent auf den "
            "Stundensatz. Die Anfahrt im Notdienst kostet 89 EUR.")  # fmt: skip
    pdf.multi_cell(0, 6, body)
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 10, "Wartung", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    pdf.multi_cell(0, 6, "Die Wartung einer Gastherme kostet 129 EUR.")
    pdf.output(str(tmp_path / "preise.pdf"))
    sections = read_document(tmp_path / "preise.pdf", tmp_path)
    by_heading = {s.headings[-1]: " ".join(s.blocks) for s in sections}
    assert by_heading["Notdienst"].startswith("Nachts und am Wochenende")
    assert "89 EUR" in by_heading["Notdienst"]
    assert by_heading["Wartung"] == "Die Wartung einer Gastherme kostet 129 EUR."
    assert all(s.headings[1] == "Preisliste 2026" for s in sections)


def test_a_broken_pdf_is_named_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "kaputt.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    with pytest.raises(DocumentError, match=r"kaputt\.pdf"):
        read_document(tmp_path / "kaputt.pdf", tmp_path)


def test_a_faq_sheet_has_its_questions_as_headings(tmp_path: Path) -> None:
    sheet = ("Häufige Fragen\n==============\n\nNehmen Sie die alte Heizung mit?\nJa, die "
             "Entsorgung ist im Festpreis\nenthalten.\n\nFrage: Bilden Sie aus?\nAntwort: "
             "Ja, jedes Jahr zwei.\n")  # fmt: skip
    path = _write(tmp_path, "fragen.txt", sheet)
    sections = read_document(path, tmp_path)
    assert [(s.headings[-1], s.blocks) for s in sections] == [
        ("Nehmen Sie die alte Heizung mit?", ["Ja, die Entsorgung ist im Festpreis enthalten."]),
        ("Bilden Sie aus?", ["Ja, jedes Jahr zwei."]),
    ]


def test_text_in_windows_1252_is_read(tmp_path: Path) -> None:
    (tmp_path / "alt.txt").write_bytes("Gebühr für Überprüfung: 49 €".encode("cp1252"))
    [section] = read_document(tmp_path / "alt.txt", tmp_path)
    assert section.blocks == ["Gebühr für Überprüfung: 49 €"]


def test_only_documents_are_read(tmp_path: Path) -> None:
    for name in ("a.md", "b.HTML", "c.pdf", "d.txt", "e.docx", ".hidden.md", "f.png"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in documents_in(tmp_path)] == ["a.md", "b.HTML", "c.pdf", "d.txt"]


def test_sentences_do_not_end_after_abbreviations_or_ordinals() -> None:
    assert sentences("Wir warten z. B. Thermen inkl. Anfahrt. Am 1. Januar ist zu. Danke!") == [
        "Wir warten z. B. Thermen inkl. Anfahrt.",
        "Am 1. Januar ist zu.",
        "Danke!",
    ]


def test_a_pdf_loses_its_running_head_and_page_numbers(tmp_path: Path) -> None:
    import fpdf  # the dev extra: writes the test PDF

    pdf = fpdf.FPDF()
    for n, body in enumerate(("Die Anfahrt kostet 49 EUR.", "Die Stunde kostet 75 EUR."), 1):
        pdf.add_page()
        pdf.set_font("helvetica", "", 9)
        pdf.cell(0, 8, f"Preisliste 2026 - Seite {n} von 2", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 11)
        pdf.multi_cell(0, 6, body)
    pdf.output(str(tmp_path / "preise.pdf"))
    text = " ".join(b for s in read_document(tmp_path / "preise.pdf", tmp_path) for b in s.blocks)
    assert "Seite" not in text
    assert "49 EUR" in text and "75 EUR" in text
