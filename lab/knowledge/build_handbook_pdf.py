"""Build the PDF documents of the example company handbook (Müller Sanitär GmbH).

Writes two PDFs into agent/profiles/knowledge/mueller-sanitaer/:

- preisliste-2026.pdf: price list (hourly rates, call-out zones, emergency
  surcharges, fixed prices, material surcharges, counter prices)
- agb.pdf: general terms and conditions in sections § 1 ... § 14

Needs fpdf2 (``pip install fpdf2``) and a TrueType font with German umlauts
and the euro sign (DejaVu Sans, Debian/Ubuntu package ``fonts-dejavu-core``).
The output is deterministic: fixed creation date, no timestamps, so running
the script twice gives byte-identical files.

    python lab/knowledge/build_handbook_pdf.py [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "agent" / "profiles" / "knowledge" / "mueller-sanitaer"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
VAT = Decimal("0.19")

FONT_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
]

COMPANY = "Müller Sanitär GmbH"
ADDRESS = (
    "Lindwurmstraße 88 · 80337 München · Telefon +49 89 1234560 · info@mueller-sanitaer.example"
)

# Font sizes: headings clearly larger than body text.
SIZE_TITLE = 22
SIZE_H1 = 15
SIZE_H2 = 12
SIZE_BODY = 9.5
SIZE_SMALL = 8


def find_font(name: str) -> Path:
    for d in FONT_DIRS:
        p = d / name
        if p.is_file():
            return p
    sys.exit(
        f"font {name} not found in {', '.join(map(str, FONT_DIRS))}; "
        "install it with: apt-get install fonts-dejavu-core"
    )


def money(value: str | Decimal) -> str:
    """German currency format: 1234.5 -> '1.234,50 €'."""
    d = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, cents = f"{d:.2f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{'.'.join(groups)},{cents} €"


def gross(net: str) -> str:
    return money(Decimal(net) * (1 + VAT))


def net_gross(label: str, net: str, *extra: str) -> tuple[str, ...]:
    return (label, *extra, money(net), gross(net))


class Document(FPDF):
    """A4 document with company header, page footer and heading helpers."""

    def __init__(self, title: str, subject: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        regular = find_font("DejaVuSans.ttf")
        bold = find_font("DejaVuSans-Bold.ttf")
        self.add_font("DejaVu", "", str(regular))
        self.add_font("DejaVu", "B", str(bold))
        self.doc_title = title
        self.set_title(title)
        self.set_subject(subject)
        self.set_author(COMPANY)
        self.set_creator(COMPANY)
        self.set_producer("fpdf2")
        self.set_lang("de-DE")
        self.set_creation_date(CREATED)
        self.set_margins(20, 22, 20)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font("DejaVu", "B", SIZE_SMALL)
        self.set_text_color(11, 79, 138)
        self.set_y(10)
        self.cell(0, 4, COMPANY, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", SIZE_SMALL - 1)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, ADDRESS, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(11, 79, 138)
        self.line(self.l_margin, 19, self.w - self.r_margin, 19)
        self.set_text_color(0, 0, 0)
        self.set_y(22)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", "", SIZE_SMALL - 1)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.doc_title} · Seite {self.page_no()} von {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def title_block(self, title: str, subtitle: str) -> None:
        self.set_font("DejaVu", "B", SIZE_TITLE)
        self.set_text_color(11, 79, 138)
        self.multi_cell(0, 11, title, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", SIZE_H2)
        self.set_text_color(60, 60, 60)
        self.multi_cell(0, 6, subtitle, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(4)

    def h1(self, text: str) -> None:
        if self.get_y() > self.h - 55:
            self.add_page()
        self.ln(3)
        self.set_font("DejaVu", "B", SIZE_H1)
        self.set_text_color(11, 79, 138)
        self.multi_cell(0, 8, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def h2(self, text: str) -> None:
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(1.5)
        self.set_font("DejaVu", "B", SIZE_H2)
        self.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(0.5)

    def para(self, text: str) -> None:
        self.set_font("DejaVu", "", SIZE_BODY)
        self.multi_cell(0, 4.8, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1.8)

    def bullets(self, items: Sequence[str]) -> None:
        self.set_font("DejaVu", "", SIZE_BODY)
        for item in items:
            x = self.get_x()
            self.cell(5, 4.8, "•")
            self.multi_cell(0, 4.8, item, new_x="LMARGIN", new_y="NEXT")
            self.set_x(x)
        self.ln(1.8)

    def small(self, text: str) -> None:
        self.set_font("DejaVu", "", SIZE_SMALL)
        self.set_text_color(60, 60, 60)
        self.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        right: int = 0,
    ) -> None:
        """A table; the last `right` columns (prices) are right-aligned."""
        if self.get_y() > self.h - 40:
            self.add_page()
        self.set_font("DejaVu", "", SIZE_BODY)
        n = len(header)
        align = ["LEFT"] * (n - right) + ["RIGHT"] * right
        with self.table(
            col_widths=tuple(widths),
            text_align=tuple(align),
            line_height=4.6,
            padding=1.0,
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 238, 246)),
            width=self.epw,
        ) as table:
            for row in (header, *rows):
                r = table.row()
                for value in row:
                    r.cell(value)
        self.ln(3)


# ---------------------------------------------------------------------------
# Preisliste 2026
# ---------------------------------------------------------------------------


def build_preisliste(path: Path) -> None:
    pdf = Document("Preisliste 2026", "Preisliste für Sanitär-, Heizungs- und Trinkwasserarbeiten")
    pdf.add_page()
    pdf.title_block(
        "Preisliste 2026",
        "Gültig ab 1. Januar 2026 für Privat- und Gewerbekunden in München und Umgebung",
    )
    pdf.para(
        "Alle Preise für Arbeitsleistungen, Anfahrt und Pauschalen sind Nettopreise in Euro "
        "zuzüglich der gesetzlichen Mehrwertsteuer von derzeit 19 %. Die Bruttopreise stehen "
        "jeweils in der rechten Spalte. Materialpreise an unserer Theke sind Endpreise "
        "inklusive Mehrwertsteuer. Angebote für größere Arbeiten sind kostenlos. Es gelten "
        "unsere Allgemeinen Geschäftsbedingungen (AGB)."
    )

    pdf.h1("1. Stundensätze")
    pdf.grid(
        ("Leistung", "netto", "brutto"),
        [
            net_gross("Meister / Kundendienstmeister, je Stunde", "89"),
            net_gross("Geselle / Monteur (Anlagenmechaniker SHK), je Stunde", "75"),
            net_gross("Auszubildende/r, nur zusammen mit Geselle oder Meister, je Stunde", "38"),
            net_gross(
                "Hochdruckspülung der Grundleitung inkl. Gerät und Bedienung, je Stunde", "149"
            ),
        ],
        (110, 30, 30),
        right=2,
    )
    pdf.bullets(
        [
            "Abrechnung nach tatsächlichem Aufwand im 15-Minuten-Takt, mindestens 30 Minuten "
            "pro Einsatz (im Notdienst mindestens 1 Stunde).",
            "Die Fahrzeit ist mit der Anfahrtspauschale abgegolten und wird nicht zusätzlich "
            "als Arbeitszeit berechnet.",
            "Reguläre Arbeitszeiten: Montag bis Donnerstag 07:30–12:00 Uhr und 13:00–17:00 Uhr, "
            "Freitag 07:30–13:00 Uhr.",
        ]
    )

    pdf.h1("2. Anfahrtspauschalen nach Zonen")
    pdf.para(
        "Die Anfahrtspauschale wird einmal pro Einsatz berechnet, unabhängig von der Zahl der "
        "Monteure. Sie enthält Fahrzeit, Fahrzeug und Werkzeug. Maßgeblich ist der Einsatzort."
    )
    pdf.grid(
        ("Zone", "Gebiet", "netto", "brutto"),
        [
            net_gross("Zone 1", "49", "Stadtgebiet München (PLZ 80… und 81…)"),
            net_gross(
                "Zone 2",
                "59",
                "bis ca. 15 km: Pullach, Grünwald, Gräfelfing, Planegg, Krailling, Germering, "
                "Neubiberg, Unterhaching, Ottobrunn, Taufkirchen, Oberhaching, Putzbrunn, "
                "Grasbrunn, Haar, Feldkirchen, Unterföhring, Karlsfeld",
            ),
            net_gross(
                "Zone 3",
                "69",
                "bis ca. 25 km: Gauting, Puchheim, Gröbenzell, Olching, Dachau, "
                "Oberschleißheim, Unterschleißheim, Garching, Eching, Ismaning, Aschheim, "
                "Kirchheim, Vaterstetten, Poing, Sauerlach",
            ),
            net_gross(
                "Zone 4",
                "85",
                "Randgebiet, ca. 25 bis 35 km: Fürstenfeldbruck, Starnberg, Wolfratshausen, "
                "Neufahrn, Hallbergmoos, Freising, Erding, Ebersberg",
            ),
        ],
        (18, 102, 25, 25),
        right=2,
    )
    pdf.small(
        "Orte außerhalb dieser Zonen nur nach vorheriger Absprache. Bei Wartungspauschalen ist "
        "die Anfahrt in Zone 1 enthalten; in Zone 2 bis 4 wird nur die Differenz berechnet "
        "(plus 10 €, 20 € bzw. 36 € netto)."
    )

    pdf.h1("3. Notdienst")
    pdf.para(
        "Außerhalb der Öffnungszeiten sind wir unter +49 89 1234560 im Notdienst erreichbar bei "
        "Wasserrohrbruch, Gasgeruch und Heizungsausfall. Bei Gasgeruch bitte zuerst das Gebäude "
        "verlassen und von draußen die Störungsstelle der Stadtwerke (089 1234 5670) oder die "
        "Feuerwehr (112) anrufen."
    )
    pdf.h2("3.1 Notdienst-Anfahrtspauschale")
    pdf.grid(
        ("Zone", "netto", "brutto"),
        [
            net_gross("Zone 1 – Stadtgebiet München", "89"),
            net_gross("Zone 2 – bis ca. 15 km", "99"),
            net_gross("Zone 3 – bis ca. 25 km", "109"),
            net_gross("Zone 4 – Randgebiet bis ca. 35 km", "125"),
        ],
        (110, 30, 30),
        right=2,
    )
    pdf.h2("3.2 Notdienstzuschläge auf die Arbeitszeit")
    pdf.grid(
        ("Zeitraum", "Zuschlag", "Geselle netto", "Meister netto"),
        [
            (
                "Mo–Fr 06:00–07:30 Uhr und nach Dienstschluss "
                "(Mo–Do ab 17:00, Fr ab 13:00) bis 20:00 Uhr",
                "50 %",
                money("112.50"),
                money("133.50"),
            ),
            ("Samstag, 06:00–20:00 Uhr", "50 %", money("112.50"), money("133.50")),
            ("Nachts, 20:00–06:00 Uhr (alle Tage)", "100 %", money("150"), money("178")),
            (
                "Sonn- und Feiertage, ganztägig (auch 24.12. und 31.12.)",
                "100 %",
                money("150"),
                money("178"),
            ),
        ],
        (86, 20, 32, 32),
        right=3,
    )
    pdf.small(
        "Im Notdienst werden mindestens 1 Stunde Arbeitszeit berechnet, danach im "
        "15-Minuten-Takt. Bezahlung vor Ort bar oder mit EC-Karte. Kunden mit "
        "Premium-Wartungsvertrag: keine Notdienst-Anfahrtspauschale bei Störungen der Heizung, "
        "10 % Nachlass auf die Arbeitszeit."
    )

    pdf.h1("4. Festpreise für häufige Arbeiten")
    pdf.h2("4.1 Wartungspauschalen (inkl. Anfahrt Zone 1 und Standarddichtungen)")
    pdf.grid(
        ("Leistung", "netto", "brutto"),
        [
            net_gross("Wartung einer Gas-Brennwerttherme / Gasetagenheizung", "129"),
            net_gross("Wartung eines Gas-Standkessels (bodenstehend)", "159"),
            net_gross("Wartung einer Ölheizung inkl. Düse und Ölfilter", "189"),
            net_gross("Wartung einer Luft-Wasser-Wärmepumpe", "169"),
            net_gross("Wartung einer Sole-Wasser- / Wasser-Wasser-Wärmepumpe", "189"),
            net_gross("Wartung einer Enthärtungsanlage inkl. Desinfektion", "99"),
            net_gross("Wartung Hauswasserstation, Rückspülfilter oder Druckminderer", "79"),
            net_gross("Wartung eines Rückstauverschlusses", "89"),
            net_gross("Gebrauchsfähigkeitsprüfung einer Gasleitung nach TRGI", "139"),
        ],
        (110, 30, 30),
        right=2,
    )
    pdf.h2("4.2 Weitere Festpreise")
    pdf.grid(
        ("Leistung", "netto", "brutto"),
        [
            net_gross(
                "Rohrreinigung bei einfacher Verstopfung (Waschbecken, Dusche, Spüle, WC), "
                "bis 30 Minuten, inkl. Anfahrt Zone 1",
                "119",
            ),
            net_gross(
                "Kamerainspektion einer Abwasserleitung bis 1 Stunde, inkl. Video, Protokoll "
                "und Anfahrt Zone 1",
                "219",
            ),
            net_gross("Leckortung bis 1 Stunde, inkl. Anfahrt Zone 1", "189"),
            net_gross(
                "Legionellenprüfung bis 3 Probenahmestellen inkl. Laboranalyse und Befund",
                "249",
            ),
            net_gross("Legionellenprüfung, jede weitere Probenahmestelle", "59"),
            net_gross(
                "Hydraulischer Abgleich Einfamilienhaus bis 10 Heizkörper, inkl. Berechnung "
                "und Bestätigung für den Förderantrag",
                "690",
            ),
            net_gross("Hydraulischer Abgleich, jeder weitere Heizkörper", "35"),
            net_gross(
                "Heizlastberechnung raumweise nach DIN EN 12831 (wird bei Auftrag einer "
                "Wärmepumpe voll angerechnet)",
                "390",
            ),
            net_gross("Spülung einer Fußbodenheizung bis 8 Heizkreise", "490"),
        ],
        (110, 30, 30),
        right=2,
    )
    pdf.h2("4.3 Arbeitspauschalen für Kleinreparaturen (zzgl. Anfahrt und Material)")
    pdf.grid(
        ("Leistung", "netto", "brutto"),
        [
            net_gross("Wasserhahn / Armatur abdichten, Dichtungen erneuern", "39"),
            net_gross("Mischerkartusche tauschen", "39"),
            net_gross(
                "Heizkörperventil tauschen, je Ventil (Einfrieren oder Teilentleerung inkl.)",
                "79",
            ),
            net_gross("Silikonfugen an Dusche oder Wanne erneuern, bis 6 laufende Meter", "109"),
            net_gross(
                "Waschmaschine oder Geschirrspüler an vorhandenen Anschluss anschließen", "45"
            ),
            net_gross("Demontage und Entsorgung einer Gastherme (ohne Neugerät von uns)", "149"),
            net_gross("Demontage und Entsorgung eines Öl- oder Gas-Standkessels", "349"),
        ],
        (110, 30, 30),
        right=2,
    )

    pdf.h1("5. Materialzuschläge und Nebenkosten")
    pdf.grid(
        ("Position", "netto", "brutto"),
        [
            net_gross(
                "Kleinmaterialpauschale je Einsatz nach Aufwand (Schrauben, Dübel, Dichtmittel); "
                "entfällt bei Festpreisen",
                "9.50",
            ),
            net_gross("Beschaffungspauschale für Sonderbestellungen beim Großhandel", "15"),
            (
                "Einbau von Material, das der Kunde beistellt",
                "Zuschlag 20 % auf den Arbeitslohn",
                "–",
            ),
            ("Entsorgung von Kleinteilen und Verpackung", "kostenlos", "–"),
            ("Lieferung von Thekenware im Stadtgebiet München", "–", "29,00 € (Endpreis)"),
        ],
        (100, 35, 35),
        right=2,
    )
    pdf.small(
        "Für beigestelltes Material übernehmen wir keine Gewährleistung; wir haften nur für "
        "unsere Arbeit. Material, das wir einbauen, berechnen wir zu den Preisen unserer Theke "
        "bzw. nach Angebot."
    )

    pdf.h1("6. Thekenpreise (Endpreise inkl. 19 % MwSt.)")
    pdf.grid(
        ("Art.-Nr.", "Artikel", "Einheit", "Preis"),
        [
            ("HKV-12", "Heizkörperventil (Thermostatventil)", "Stück", money("18.90")),
            ("DS-01", "Dichtungsset", "Set", money("6.50")),
            ("SIL-310", "Sanitärsilikon, transparent oder weiß", "Kartusche", money("8.90")),
            ("MK-35", "Mischerkartusche (Keramik, 35 mm)", "Stück", money("24.50")),
            ("SPK-UP", "Spülkasten (Unterputz)", "Stück", money("129")),
        ],
        (25, 85, 30, 30),
        right=1,
    )
    pdf.small(
        "Theke: Montag bis Donnerstag 07:30–11:30 Uhr und 13:00–16:30 Uhr, Freitag 07:30–12:30 "
        "Uhr. Bezahlung an der Theke bar oder mit EC-Karte."
    )

    pdf.h1("7. Wartungsverträge (Jahrespreise, Zone 1)")
    pdf.grid(
        ("Anlage", "Basis", "Komfort", "Premium"),
        [
            ("Gas-Brennwerttherme / Gasetagenheizung", money("119"), money("189"), money("329")),
            ("Gas-Standkessel", money("149"), money("219"), money("359")),
            ("Ölheizung", money("175"), money("249"), money("399")),
            ("Luft-Wasser-Wärmepumpe", money("155"), money("229"), money("379")),
            ("Sole-Wasser- / Wasser-Wasser-Wärmepumpe", money("175"), money("249"), money("399")),
        ],
        (80, 30, 30, 30),
        right=3,
    )
    pdf.small(
        "Nettopreise pro Vertragsjahr zzgl. 19 % MwSt. Zonenaufschlag pro Jahr: Zone 2 plus "
        "10 €, Zone 3 plus 20 €, Zone 4 plus 36 € netto. Laufzeit 12 Monate, automatische "
        "Verlängerung um 12 Monate, Kündigungsfrist 1 Monat zum Laufzeitende."
    )

    pdf.h1("8. Angebote, Termine und Zahlung")
    pdf.bullets(
        [
            "Angebote für größere Arbeiten (ab ca. 1.500 € Auftragswert) einschließlich "
            "Vor-Ort-Termin: kostenlos.",
            "Schriftlicher Kostenvoranschlag mit Besichtigung für kleinere Arbeiten: "
            "Anfahrtspauschale der Zone (Stadtgebiet 49 € netto), wird bei Auftrag innerhalb "
            "von 8 Wochen voll angerechnet.",
            "Terminabsage bis 24 Stunden vorher kostenlos; bei späterer Absage oder wenn "
            "niemand angetroffen wird, berechnen wir die Anfahrtspauschale.",
            "Zahlung bar, mit EC-Karte oder per Überweisung auf Rechnung. Zahlungsziel 14 Tage "
            "ohne Abzug; 2 % Skonto bei Zahlung innerhalb von 7 Tagen für Rechnungen ab 500 € "
            "brutto (nicht auf Wartungsverträge, Notdienst und Thekenverkauf).",
            "Ratenzahlung: ab 1.000 € bis zu 3 zinsfreie Monatsraten nach Absprache; ab 3.000 € "
            "Finanzierung über unsere Partnerbank (12 bis 84 Monate).",
        ]
    )
    pdf.small("Preisänderungen und Irrtümer vorbehalten. Stand: Januar 2026.")
    pdf.output(str(path))


# ---------------------------------------------------------------------------
# Allgemeine Geschäftsbedingungen
# ---------------------------------------------------------------------------

AGB: list[tuple[str, list[str]]] = [
    (
        "§ 1 Geltungsbereich",
        [
            "(1) Diese Allgemeinen Geschäftsbedingungen gelten für alle Verträge über Lieferungen "
            "und Leistungen der Müller Sanitär GmbH, Lindwurmstraße 88, 80337 München "
            "(im Folgenden „wir“), insbesondere für Reparatur-, Wartungs-, Installations- und "
            "Sanierungsarbeiten sowie für den Verkauf von Material an unserer Theke.",
            "(2) Verbraucher im Sinne dieser Bedingungen ist jede natürliche Person, die ein "
            "Rechtsgeschäft zu Zwecken abschließt, die überwiegend weder ihrer gewerblichen noch "
            "ihrer selbständigen beruflichen Tätigkeit zugerechnet werden können (§ 13 BGB). "
            "Unternehmer ist, wer bei Abschluss des Vertrags in Ausübung seiner gewerblichen oder "
            "selbständigen beruflichen Tätigkeit handelt (§ 14 BGB).",
            "(3) Abweichende Bedingungen des Kunden gelten nur, wenn wir ihnen ausdrücklich in "
            "Textform zugestimmt haben. Mit gewerblichen Auftraggebern kann für Bauleistungen die "
            "Geltung der VOB/B vereinbart werden.",
        ],
    ),
    (
        "§ 2 Angebote und Kostenvoranschläge",
        [
            "(1) Unsere Angebote sind 6 Wochen ab Angebotsdatum gültig, sofern im Angebot nichts "
            "anderes steht. Angebote für größere Arbeiten (ab einem voraussichtlichen "
            "Auftragswert von etwa 1.500 €) einschließlich des dafür nötigen Vor-Ort-Termins sind "
            "kostenlos.",
            "(2) Für einen schriftlichen Kostenvoranschlag über kleinere Arbeiten mit "
            "Besichtigung vor Ort berechnen wir die Anfahrtspauschale der jeweiligen Zone. Sie "
            "wird voll angerechnet, wenn der Auftrag innerhalb von 8 Wochen erteilt wird.",
            "(3) Ein Kostenvoranschlag ist unverbindlich. Zeichnet sich eine Überschreitung um "
            "mehr als 15 % ab, informieren wir den Kunden unverzüglich. Der Kunde kann dann "
            "entscheiden, ob die Arbeiten fortgesetzt werden; bereits erbrachte Leistungen sind "
            "zu vergüten.",
            "(4) Festpreise aus unserer Preisliste sowie ausdrücklich als Festpreis bezeichnete "
            "Angebote sind verbindlich, solange sich der Leistungsumfang nicht ändert.",
        ],
    ),
    (
        "§ 3 Preise",
        [
            "(1) Es gilt die bei Auftragserteilung gültige Preisliste. Preise für "
            "Arbeitsleistungen, Anfahrt und Pauschalen sind Nettopreise zuzüglich der "
            "gesetzlichen Mehrwertsteuer (derzeit 19 %); gegenüber Verbrauchern geben wir "
            "zusätzlich den Bruttopreis an. Thekenpreise sind Endpreise.",
            "(2) Arbeitszeit wird nach tatsächlichem Aufwand im 15-Minuten-Takt abgerechnet, "
            "mindestens 30 Minuten pro Einsatz. Die Fahrzeit ist mit der Anfahrtspauschale "
            "abgegolten.",
            "(3) Arbeiten außerhalb unserer regulären Arbeitszeiten (Montag bis Donnerstag "
            "07:30–17:00 Uhr, Freitag 07:30–13:00 Uhr), insbesondere im Notdienst, berechnen wir "
            "mit den Zuschlägen der Preisliste: werktags außerhalb der Arbeitszeit und samstags "
            "50 %, nachts von 20:00 bis 06:00 Uhr sowie an Sonn- und Feiertagen 100 %. Im "
            "Notdienst werden mindestens 1 Stunde Arbeitszeit und die Notdienst-Anfahrtspauschale "
            "berechnet.",
            "(4) Bei vom Kunden beigestelltem Material berechnen wir einen Zuschlag von 20 % auf "
            "den Arbeitslohn.",
        ],
    ),
    (
        "§ 4 Termine und Terminabsage",
        [
            "(1) Wir nennen dem Kunden ein Zeitfenster für den Beginn der Arbeiten. Verzögerungen "
            "teilen wir telefonisch mit.",
            "(2) Termine können bis 24 Stunden vorher kostenlos abgesagt oder verschoben werden. "
            "Bei späterer Absage oder wenn zum vereinbarten Termin niemand angetroffen wird, "
            "berechnen wir die Anfahrtspauschale der jeweiligen Zone.",
            "(3) Ausführungsfristen verlängern sich angemessen bei höherer Gewalt, Lieferengpässen "
            "unserer Lieferanten, die wir nicht zu vertreten haben, und bei Verzögerungen, die "
            "der Kunde oder von ihm beauftragte Dritte verursachen.",
        ],
    ),
    (
        "§ 5 Mitwirkung des Kunden",
        [
            "(1) Der Kunde sorgt dafür, dass der Arbeitsort zum vereinbarten Termin zugänglich "
            "ist, und stellt Wasser und Strom in haushaltsüblichem Umfang kostenlos zur "
            "Verfügung.",
            "(2) Der Kunde weist uns vor Beginn der Arbeiten auf ihm bekannte verdeckt liegende "
            "Leitungen, Vorschäden und den Verdacht auf Schadstoffe (zum Beispiel Asbest in "
            "Fliesenkleber, Spachtelmasse oder Rohrisolierungen) hin.",
            "(3) Mieter klären vor der Beauftragung mit dem Vermieter oder der Hausverwaltung, "
            "wer die Kosten trägt. Auftraggeber und Rechnungsempfänger ist, wer uns beauftragt.",
        ],
    ),
    (
        "§ 6 Abnahme",
        [
            "(1) Nach Fertigstellung nimmt der Kunde die Leistung ab. Bei kleineren Arbeiten gilt "
            "die Leistung mit der Bezahlung oder der Unterschrift auf dem Arbeitsbericht als "
            "abgenommen.",
            "(2) Bei größeren Aufträgen (Badsanierung, Heizungstausch, Wärmepumpe) führen wir "
            "eine gemeinsame Abnahme mit Protokoll durch. Wegen unwesentlicher Mängel kann die "
            "Abnahme nicht verweigert werden.",
        ],
    ),
    (
        "§ 7 Zahlung",
        [
            "(1) Der Kunde kann bar, mit EC-Karte (Girocard) oder per Überweisung auf Rechnung "
            "bezahlen. Kreditkarten, Schecks und Online-Zahlungsdienste nehmen wir nicht an.",
            "(2) Rechnungen sind innerhalb von 14 Tagen nach Rechnungsdatum ohne Abzug zur Zahlung "
            "fällig. Bei Zahlung innerhalb von 7 Tagen gewähren wir 2 % Skonto auf Rechnungen ab "
            "500 € brutto; ausgenommen sind Wartungsverträge, Notdiensteinsätze und "
            "Thekenverkäufe. Notdiensteinsätze sind grundsätzlich vor Ort zu bezahlen.",
            "(3) Bei größeren Aufträgen sind Abschlagszahlungen nach Baufortschritt zu leisten: "
            "30 % bei Baubeginn, 40 % nach Fertigstellung der Rohinstallation und 30 % nach "
            "Abnahme mit der Schlussrechnung.",
            "(4) Ab einem Rechnungsbetrag von 1.000 € kann nach vorheriger Vereinbarung in bis zu "
            "3 zinsfreien Monatsraten gezahlt werden. Finanzierungen ab 3.000 € vermitteln wir "
            "über unsere Partnerbank.",
            "(5) Bei Zahlungsverzug berechnen wir ab der zweiten Mahnung eine Mahngebühr von 5 € "
            "sowie Verzugszinsen in gesetzlicher Höhe.",
        ],
    ),
    (
        "§ 8 Eigentumsvorbehalt",
        [
            "Geliefertes Material bleibt bis zur vollständigen Bezahlung unser Eigentum, soweit "
            "es nicht durch den Einbau wesentlicher Bestandteil des Gebäudes geworden ist. "
            "Gegenüber Unternehmern gilt der Eigentumsvorbehalt bis zur Bezahlung aller "
            "Forderungen aus der Geschäftsbeziehung.",
        ],
    ),
    (
        "§ 9 Gewährleistung",
        [
            "(1) Es gelten die gesetzlichen Mängelrechte. Die Verjährungsfrist beträgt für "
            "Arbeiten an einem Bauwerk (zum Beispiel Badsanierung, Heizungstausch, Einbau einer "
            "Wärmepumpe, Neuinstallation von Leitungen) 5 Jahre, für Reparatur- und "
            "Wartungsarbeiten sowie Rohrreinigung 2 Jahre, jeweils ab Abnahme.",
            "(2) Für Material, das an der Theke verkauft wird, beträgt die Frist gegenüber "
            "Verbrauchern 2 Jahre und gegenüber Unternehmern 1 Jahr ab Übergabe. Ist die VOB/B "
            "vereinbart, gilt für Bauleistungen eine Frist von 4 Jahren.",
            "(3) Mängel sind uns möglichst zeitnah mitzuteilen. Wir haben zunächst das Recht zur "
            "Nachbesserung. Liegt ein Mangel an unserer Leistung vor, tragen wir die Kosten der "
            "Nachbesserung einschließlich Anfahrt. Stellt sich heraus, dass kein von uns zu "
            "vertretender Mangel vorliegt, berechnen wir Anfahrt und Arbeitszeit nach Preisliste.",
            "(4) Keine Mängel sind natürlicher Verschleiß von Verschleißteilen, Schäden durch "
            "unsachgemäße Bedienung, fehlende Wartung, Frost, Kalk oder Eingriffe Dritter sowie "
            "Mängel an vom Kunden beigestelltem Material.",
            "(5) Herstellergarantien bestehen unabhängig von diesen Regelungen nach den "
            "Bedingungen des jeweiligen Herstellers.",
        ],
    ),
    (
        "§ 10 Haftung",
        [
            "(1) Wir haften unbeschränkt für Schäden aus der Verletzung des Lebens, des Körpers "
            "oder der Gesundheit sowie für Vorsatz und grobe Fahrlässigkeit.",
            "(2) Bei leichter Fahrlässigkeit haften wir nur bei Verletzung einer wesentlichen "
            "Vertragspflicht und begrenzt auf den vertragstypischen, vorhersehbaren Schaden.",
            "(3) Für Schäden an verdeckt liegenden Leitungen, auf die uns der Kunde nicht "
            "hingewiesen hat und die auch bei sorgfältiger Prüfung nicht erkennbar waren, haften "
            "wir nicht. Unsere Betriebshaftpflichtversicherung bleibt davon unberührt.",
        ],
    ),
    (
        "§ 11 Wartungsverträge",
        [
            "(1) Wartungsverträge (Basis, Komfort, Premium) haben eine Laufzeit von 12 Monaten "
            "und verlängern sich jeweils um weitere 12 Monate, wenn sie nicht mit einer Frist von "
            "1 Monat zum Ende der Laufzeit gekündigt werden. Nach der ersten Verlängerung können "
            "Verbraucher jederzeit mit einer Frist von 1 Monat kündigen. Die Kündigung bedarf der "
            "Textform.",
            "(2) Der Jahresbetrag wird zu Beginn des Vertragsjahres in Rechnung gestellt und ist "
            "innerhalb von 14 Tagen ohne Abzug zu zahlen. Preisänderungen kündigen wir mindestens "
            "2 Monate vor Beginn des neuen Vertragsjahres an; der Kunde hat dann ein "
            "Sonderkündigungsrecht zum Ende des laufenden Vertragsjahres.",
        ],
    ),
    (
        "§ 12 Widerrufsrecht für Verbraucher",
        [
            "(1) Wird ein Vertrag außerhalb unserer Geschäftsräume (zum Beispiel beim Kunden "
            "zu Hause) oder ausschließlich per Telefon oder E-Mail geschlossen, steht Verbrauchern "
            "ein gesetzliches Widerrufsrecht von 14 Tagen zu. Die Einzelheiten ergeben sich aus "
            "der Widerrufsbelehrung, die wir dem Kunden mit dem Angebot aushändigen.",
            "(2) Wünscht der Kunde, dass wir vor Ablauf der Widerrufsfrist mit den Arbeiten "
            "beginnen, hat er im Fall des Widerrufs Wertersatz für die bis dahin erbrachten "
            "Leistungen zu leisten.",
            "(3) Das Widerrufsrecht besteht nicht, wenn der Verbraucher uns ausdrücklich zu "
            "dringenden Reparatur- oder Instandhaltungsarbeiten aufgefordert hat, zum Beispiel "
            "im Notdienst (§ 312g Abs. 2 Nr. 11 BGB).",
        ],
    ),
    (
        "§ 13 Datenschutz",
        [
            "Wir verarbeiten personenbezogene Daten des Kunden nur zur Durchführung des Vertrags, "
            "zur Terminplanung und zur Erfüllung gesetzlicher Aufbewahrungspflichten. Einzelheiten "
            "stehen in unserer Datenschutzerklärung, die wir auf Wunsch zusenden.",
        ],
    ),
    (
        "§ 14 Streitbeilegung und Schlussbestimmungen",
        [
            "(1) Wir sind nicht bereit und nicht verpflichtet, an Streitbeilegungsverfahren vor "
            "einer Verbraucherschlichtungsstelle teilzunehmen. Bei Meinungsverschiedenheiten "
            "wenden Sie sich bitte direkt an die Geschäftsführung; auch die Innung "
            "Sanitär-, Heizungs- und Klimatechnik München vermittelt auf Wunsch.",
            "(2) Es gilt das Recht der Bundesrepublik Deutschland. Ist der Kunde Unternehmer, ist "
            "Gerichtsstand München.",
            "(3) Sollte eine Bestimmung dieser Bedingungen unwirksam sein, bleibt die Wirksamkeit "
            "der übrigen Bestimmungen unberührt.",
        ],
    ),
]


def build_agb(path: Path) -> None:
    pdf = Document(
        "Allgemeine Geschäftsbedingungen", "Allgemeine Geschäftsbedingungen der Müller Sanitär GmbH"
    )
    pdf.add_page()
    pdf.title_block(
        "Allgemeine Geschäftsbedingungen (AGB)",
        "Müller Sanitär GmbH · Meisterbetrieb für Sanitär, Heizung und Trinkwasser · "
        "Stand: 1. Januar 2026",
    )
    for heading, paragraphs in AGB:
        pdf.h2(heading)
        for text in paragraphs:
            pdf.para(text)
    pdf.ln(2)
    pdf.small(
        "Müller Sanitär GmbH · Geschäftsführer: Josef Müller · Amtsgericht München HRB 123456 · "
        "USt-IdNr. DE123456789 · Eingetragen in die Handwerksrolle der Handwerkskammer für "
        "München und Oberbayern"
    )
    pdf.output(str(path))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in (("preisliste-2026.pdf", build_preisliste), ("agb.pdf", build_agb)):
        target = args.out / name
        build(target)
        print(f"wrote {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
