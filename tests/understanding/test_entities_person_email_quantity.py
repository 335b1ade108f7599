"""Caller names, e-mail addresses and order quantities."""

from __future__ import annotations

import pytest

from agent.understanding.entities.email import extract_emails
from agent.understanding.entities.person import extract_persons
from agent.understanding.entities.quantity import extract_quantities

PERSON_CASES = [
    ("mein name ist anna schmidt", "Anna Schmidt", "anna schmidt"),
    ("mein name ist schmidt anna schmidt", "Schmidt Anna Schmidt", "schmidt anna schmidt"),
    ("mein nachname ist özdemir", "Özdemir", "özdemir"),
    ("ja hallo hier ist die frau müller wegen dem termin", "Frau Müller", "frau müller"),
    ("hier spricht thomas huber von der firma bau gmbh", "Thomas Huber", "thomas huber"),
    ("grüß gott hier ist der sepp gruber", "Sepp Gruber", "sepp gruber"),
    ("ich bin der huber von der hausverwaltung", "Huber", "huber"),
    ("ich bin die frau doktor weber", "Frau Dr. Weber", "frau doktor weber"),
    ("ich heiße karl-heinz meier und rufe an weil", "Karl-Heinz Meier", "karl-heinz meier"),
    ("ich heisse lena", "Lena", "lena"),
    ("ich bin anna", "Anna", "anna"),
    ("schmidt am apparat", "Schmidt", "schmidt"),
    ("ja hallo, maier hier, ich wollte fragen", "Maier", "maier"),
    ("Guten Tag, Müller hier.", "Müller", "Müller"),
    ("Mein Name ist Jan von der Heide.", "Jan von der Heide", "Jan von der Heide"),
    ("ich hätte gern mit herrn doktor brandt gesprochen", "Herr Dr. Brandt", "herrn doktor brandt"),
    ("kann frau kowalski mich zurückrufen", "Frau Kowalski", "frau kowalski"),
    ("Name: Petra Lang", "Petra Lang", "Petra Lang"),
    ("grüß gott huber am apparat", "Huber", "huber"),
    ("servus sepp gruber hier", "Sepp Gruber", "sepp gruber"),
    ("äh anna schmidt", "Anna Schmidt", "anna schmidt"),
    ("dr klaus berger", "Dr. Klaus Berger", "dr klaus berger"),
    ("hier ist tobias keller von der baufirma", "Tobias Keller", "tobias keller"),
    ("my name is John Smith", "John Smith", "John Smith"),
    ("hi it's tom miller here", "Tom Miller", "tom miller"),
    ("hi this is sarah from the office", "Sarah", "sarah"),
]


@pytest.mark.parametrize(("text", "value", "span_text"), PERSON_CASES)
def test_person(text: str, value: str, span_text: str) -> None:
    found = extract_persons(text)
    assert [(e.value, e.text) for e in found] == [(value, span_text)]
    assert text[found[0].start : found[0].end] == span_text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hier ist alles nass",
        "hier ist wasser in der küche",
        "ich bin der meinung dass",
        "ich bin mieter in der lindwurmstraße",
        "ich bin gerade unterwegs",
        "ich bin krank",
        "hier ist die praxis doktor",
        "this is urgent",
        "frau",
        "mein name ist",
        "ich hätte gern einen termin",
        "meine frau kann nicht kommen",
        "das wasser steht hier",
        "it's raining",
        "müller",
    ],
)
def test_no_person(text: str) -> None:
    assert extract_persons(text) == []


EMAIL_CASES = [
    ("max.mustermann@gmx.de", "max.mustermann@gmx.de", "max.mustermann@gmx.de"),
    ("Schreiben Sie an Info@Firma-Beispiel.de, danke", "info@firma-beispiel.de",
     "Info@Firma-Beispiel.de"),
    ("max punkt mustermann at gmx punkt de", "max.mustermann@gmx.de",
     "max punkt mustermann at gmx punkt de"),
    ("meine mail ist anna bindestrich schmidt ät web punkt de bitte", "anna-schmidt@web.de",
     "anna bindestrich schmidt ät web punkt de"),
    ("meine e-mail-adresse lautet anna schmidt at web punkt de", "annaschmidt@web.de",
     "anna schmidt at web punkt de"),
    ("hans unterstrich meier klammeraffe t minus online punkt de", "hans_meier@t-online.de",
     "hans unterstrich meier klammeraffe t minus online punkt de"),
    ("sepp zweiundvierzig at gmail punkt com", "sepp42@gmail.com",
     "sepp zweiundvierzig at gmail punkt com"),
    ("e-mail: info at kanzlei minus berger punkt de", "info@kanzlei-berger.de",
     "info at kanzlei minus berger punkt de"),
    ("my email is john dot smith at example dot co dot uk", "john.smith@example.co.uk",
     "john dot smith at example dot co dot uk"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value", "span_text"), EMAIL_CASES)
def test_email(text: str, value: str, span_text: str) -> None:
    found = extract_emails(text)
    assert [(e.value, e.text) for e in found] == [(value, span_text)]
    assert text[found[0].start : found[0].end] == span_text


@pytest.mark.parametrize(
    "text",
    ["", "ich bin at home", "call me at ten", "wir treffen uns at gmx", "punkt de", "@"],
)
def test_no_email(text: str) -> None:
    assert extract_emails(text) == []


QUANTITY_CASES = [
    ("zwei kartons fliesenkleber", [("2 karton", "zwei kartons")]),
    ("fünfzig stück rohrschellen", [("50 stück", "fünfzig stück")]),
    ("10 m kupferrohr", [("10 meter", "10 m")]),
    ("zweieinhalb meter", [("2.5 meter", "zweieinhalb meter")]),
    ("2,5 kg", [("2.5 kilogramm", "2,5 kg")]),
    ("einen sack zement", [("1 sack", "einen sack")]),
    ("hundert fünfzig stück", [("150 stück", "hundert fünfzig stück")]),
    ("zwei paletten und drei rollen", [("2 palette", "zwei paletten"), ("3 rolle", "drei rollen")]),
    ("zwanzig rohrschellen bitte", [("20", "zwanzig")]),
    ("Ich hätte gern 12 Dosen Silikon.", [("12 dose", "12 Dosen")]),
    ("five boxes of screws", [("5 box", "five boxes")]),
    ("zwei paar handschuhe", [("2 paar", "zwei paar")]),
    ("vier fässer bier", [("4 fass", "vier fässer")]),
    ("two hundred square metres of tiles", [("200 quadratmeter", "two hundred square metres")]),
]


@pytest.mark.parametrize(("text", "expected"), QUANTITY_CASES)
def test_quantity(text: str, expected: list[tuple[str, str]]) -> None:
    found = extract_quantities(text, "en" if text.startswith(("five", "two")) else "de")
    assert [(e.value, e.text) for e in found] == expected
    for e in found:
        assert text[e.start : e.end] == e.text
        assert e.info["amount"] == e.value.split()[0]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ich habe zwei fragen",
        "in zwei stunden",
        "seit drei wochen",
        "das kostet fünfzig euro",
        "ein paar kartons",
        "einen termin bitte",
        "wir sind drei leute",
        "minus zehn grad",
        "lindwurmstraße achtundachtzig bitte",
        "formel eins",
        "sechs mal sechzig",
    ],
)
def test_no_quantity(text: str) -> None:
    assert extract_quantities(text) == []
