"""Spoken form before TTS: German (and the small English counterpart). Pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from agent.speech.say_de import (
    cardinal,
    ordinal,
    say_de,
    say_money_de,
    say_phone_de,
    say_time_de,
    spoken_form,
)
from agent.speech.say_en import say_en, say_phone_en
from agent.speech.sentences import split_sentences

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "null"),
        (1, "eins"),
        (17, "siebzehn"),
        (21, "einundzwanzig"),
        (49, "neunundvierzig"),
        (100, "hundert"),
        (101, "hunderteins"),
        (149, "hundertneunundvierzig"),
        (1000, "tausend"),
        (1200, "tausendzweihundert"),
        (2026, "zweitausendsechsundzwanzig"),
        (1_000_000, "eine Million"),
        (-3, "minus drei"),
    ],
)
def test_cardinal(n: int, words: str) -> None:
    assert cardinal(n) == words


@pytest.mark.parametrize(
    ("n", "nominative"),
    [(1, "erste"), (3, "dritte"), (7, "siebte"), (8, "achte"), (19, "neunzehnte"),
     (20, "zwanzigste"), (24, "vierundzwanzigste"), (31, "einunddreißigste")],
)  # fmt: skip
def test_ordinal(n: int, nominative: str) -> None:
    assert ordinal(n) == nominative
    assert ordinal(n, oblique=True) == nominative + "n"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Dienstag, 24.11.2026", "Dienstag, der vierundzwanzigste November"),
        ("Dienstag, 24.11.", "Dienstag, der vierundzwanzigste November"),
        ("am Dienstag, 24.11.2026", "am Dienstag, den vierundzwanzigsten November"),
        ("am Dienstag, den 24. November", "am Dienstag, den vierundzwanzigsten November"),
        ("Dienstag, 24. November", "Dienstag, der vierundzwanzigste November"),
        ("am 1.1.2027", "am ersten Januar zweitausendsiebenundzwanzig"),
        ("bis zum 3. Oktober", "bis zum dritten Oktober"),
        ("2026-11-24", "vierundzwanzigste November"),
        ("am 2026-11-24", "am vierundzwanzigsten November"),
        ("am 2026-11-24T14:30", "am vierundzwanzigsten November um vierzehn Uhr dreißig"),
        ("geboren am 12.03.1985", "geboren am zwölften März neunzehnhundertfünfundachtzig"),
        ("Der 32.13. ist kein Datum", "Der zweiunddreißig.dreizehn. ist kein Datum"),
    ],
)
def test_dates(text: str, spoken: str) -> None:
    assert say_de(text, today=TODAY) == spoken


def test_the_year_is_said_only_when_it_is_not_this_year() -> None:
    assert say_de("am 24.11.2026", today=TODAY) == "am vierundzwanzigsten November"
    assert say_de("am 24.11.2026", today=date(2025, 12, 1)).endswith(
        "November zweitausendsechsundzwanzig"
    )


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("um 10:00", "um zehn Uhr"),
        ("um 10 Uhr", "um zehn Uhr"),
        ("um 10:00 Uhr", "um zehn Uhr"),
        ("um 10.30 Uhr", "um zehn Uhr dreißig"),
        ("14:30", "vierzehn Uhr dreißig"),
        ("um 1 Uhr", "um ein Uhr"),
        ("um 9:05", "um neun Uhr fünf"),
        ("0:15", "null Uhr fünfzehn"),
        ("7:30 bis 12 Uhr", "sieben Uhr dreißig bis zwölf Uhr"),
        ("13 bis 17 Uhr", "dreizehn bis siebzehn Uhr"),
        ("8-10 Uhr", "acht bis zehn Uhr"),
        ("7:30 – 12:00 Uhr", "sieben Uhr dreißig bis zwölf Uhr"),
        ("25:70", "fünfundzwanzig:siebzig"),
    ],
)
def test_times(text: str, spoken: str) -> None:
    assert say_de(text, today=TODAY) == spoken


def test_the_receptionists_full_sentence() -> None:
    text = "Ihr Termin: Dienstag, 24.11.2026, um 10:00."
    assert say_de(text, today=TODAY) == (
        "Ihr Termin: Dienstag, der vierundzwanzigste November, um zehn Uhr."
    )
    # What agent.dialogue.datetime_speech produces today.
    assert say_de("am Dienstag, den 24. November um 10 Uhr", today=TODAY) == (
        "am Dienstag, den vierundzwanzigsten November um zehn Uhr"
    )


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        ("089 422317", "null acht neun, zweiundvierzig, dreiundzwanzig, siebzehn"),
        ("+49 171 9876543", "null eins sieben eins, neun, siebenundachtzig, fünfundsechzig, "
         "dreiundvierzig"),
        ("+49 (0)89 422317", "null acht neun, zweiundvierzig, dreiundzwanzig, siebzehn"),
        ("0171 2345678", "null eins sieben eins, zwei, vierunddreißig, sechsundfünfzig, "
         "achtundsiebzig"),
        ("01712345678", "null eins sieben eins, zwei, vierunddreißig, sechsundfünfzig, "
         "achtundsiebzig"),
        ("089/42 03 17", "null acht neun, zweiundvierzig, null drei, siebzehn"),
        ("+43 1 5321234", "plus vier drei, eins, fünf, zweiunddreißig, zwölf, vierunddreißig"),
    ],
)  # fmt: skip
def test_phone_numbers_area_code_in_digits_then_pairs(number: str, spoken: str) -> None:
    assert say_phone_de(number) == spoken
    assert say_de(f"Rufen Sie {number} an.", today=TODAY) == f"Rufen Sie {spoken} an."


def test_short_numbers_and_spoken_digit_groups_are_not_phone_numbers() -> None:
    assert say_de("Haus 0 bis 12", today=TODAY) == "Haus null bis zwölf"
    # agent.dialogue.say.say_phone output: digits one by one, already grouped.
    assert say_de("0 1 7 1, 2 3 4, 5 6 7 8", today=TODAY) == (
        "null eins sieben eins, zwei drei vier, fünf sechs sieben acht"
    )


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Das kostet 49 €.", "Das kostet neunundvierzig Euro."),
        ("49,90 €", "neunundvierzig Euro neunzig"),
        ("49,- €", "neunundvierzig Euro"),
        ("€ 1.200", "tausendzweihundert Euro"),
        ("23,80 EUR", "dreiundzwanzig Euro achtzig"),
        ("23 Euro 80", "dreiundzwanzig Euro achtzig"),
        ("0,50 €", "fünfzig Cent"),
        ("1 €", "ein Euro"),
        ("1 Euro", "ein Euro"),
    ],
)
def test_money(text: str, spoken: str) -> None:
    assert say_de(text, today=TODAY) == spoken


def test_money_and_time_helpers() -> None:
    assert say_money_de(49, 0) == "neunundvierzig Euro"
    assert say_money_de(0, 5) == "fünf Cent"
    assert say_time_de(1, 0) == "ein Uhr"
    assert say_time_de(16, 45) == "sechzehn Uhr fünfundvierzig"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Wir haben 1.200 Kunden und 3 Techniker.", "Wir haben tausendzweihundert Kunden und "
         "drei Techniker."),
        ("3,5 %", "drei Komma fünf Prozent"),
        ("1 %", "ein Prozent"),
        ("im 2. Stock", "im zweiten Stock"),
        ("der 3. Versuch", "der dritte Versuch"),
        ("Bestellung Nr. 12345", "Bestellung Nummer eins zwei drei vier fünf"),
        ("z. B. morgen", "zum Beispiel morgen"),
        ("Dr. Maier, Musterstr. 5", "Doktor Maier, Musterstraße fünf"),
        ("Musterstr. 5, 01067 Dresden", "Musterstraße fünf, null eins null sechs sieben Dresden"),
        ("Wir haben 12345 Kunden", "Wir haben zwölftausenddreihundertfünfundvierzig Kunden"),
        ("Keine Zahlen hier.", "Keine Zahlen hier."),
        ("", ""),
    ],
)  # fmt: skip
def test_other_numbers_and_abbreviations(text: str, spoken: str) -> None:
    assert say_de(text, today=TODAY) == spoken


def test_no_digit_survives_a_typical_reply() -> None:
    reply = (
        "Gerne. Ich habe am Dienstag, den 24. November um 8 Uhr oder um 10:30 Uhr frei. "
        "Die Anfahrt kostet 49 €, Rückruf unter 089 422317."
    )
    assert not any(c.isdigit() for c in say_de(reply, today=TODAY))


def test_spoken_form_dispatches_by_language() -> None:
    assert spoken_form("um 10 Uhr", "de-DE", today=TODAY) == "um zehn Uhr"
    assert spoken_form("at 10 am", "en_GB", today=TODAY) == "at ten a m"
    assert spoken_form("15 kr", "sv", today=TODAY) == "15 kr"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Tuesday, 24 November at 10 am", "Tuesday, the twenty-fourth of November at ten a m"),
        ("2026-11-24T14:30", "the twenty-fourth of November at two thirty p m"),
        ("November 24th, 2027", "the twenty-fourth of November twenty twenty-seven"),
        ("at 10:30", "at ten thirty"),
        ("at 9:05 am", "at nine oh five a m"),
        ("It costs €49.90.", "It costs forty-nine euros ninety."),
        ("1 €", "one euro"),
        ("1,200 customers", "one thousand two hundred customers"),
        ("3.5 %", "three point five percent"),
    ],
)
def test_english(text: str, spoken: str) -> None:
    assert say_en(text, today=TODAY) == spoken


def test_english_phone_digits_in_written_groups() -> None:
    assert say_phone_en("+49 171 9876543") == (
        "plus four nine, one seven one, nine eight seven, six five four three"
    )
    assert say_en("call 089 422317.", today=TODAY) == (
        "call zero eight nine, four two two, three one seven."
    )


def test_emergency_numbers_are_said_digit_by_digit_and_end_a_sentence() -> None:
    text = "Wenn Gefahr besteht, rufen Sie bitte die 112. Auf Wiederhören!"
    sentences = split_sentences(text)
    assert sentences == ["Wenn Gefahr besteht, rufen Sie bitte die 112.", "Auf Wiederhören!"]
    assert spoken_form(sentences[0], "de").endswith("die eins eins zwei.")
    assert spoken_form("Polizei 110, Feuerwehr 112", "de") == (
        "Polizei eins eins null, Feuerwehr eins eins zwei"
    )
    assert spoken_form("please call 112. Goodbye!", "en") == "please call one one two. Goodbye!"
    # other numbers stay numbers: a price, a date, a phone number
    assert "hundertzwölf Euro" in spoken_form("Das kostet 112,50 €.", "de")
