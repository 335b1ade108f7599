"""The one-page report the owner prints: the figures, the gain and its assumptions, the
before/after table, and the two charts (inline PNG, so the file stands alone)."""

from __future__ import annotations

import base64
from datetime import date

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel

from .charts import daily_bars, missed_heatmap
from .compare import Comparison
from .figures import WEEKDAYS_DE, WEEKDAYS_EN, Figures
from .gain import Gain

REASONS = {
    "de": {
        "no_answer": "niemand ging ran",
        "busy": "besetzt",
        "abandoned": "beim Klingeln aufgelegt",
        "voicemail": "Anrufbeantworter",
        "failed": "nicht zustellbar",
    },
    "en": {
        "no_answer": "nobody answered",
        "busy": "busy",
        "abandoned": "hung up while ringing",
        "voicemail": "voicemail",
        "failed": "could not be put through",
    },
}


TEXT = {
    "de": {
        "title": "Erreichbarkeit",
        "period": "Zeitraum",
        "days": "Tage",
        "made": "erstellt am",
        "source": "Quelle: Anrufprotokoll der Telefonanlage (CDR)",
        "inbound": "Anrufe von außen",
        "per_day": "pro Tag",
        "person": "von Mitarbeitern angenommen",
        "assistant": "vom Assistenten angenommen",
        "missed": "verpasst",
        "reach": "Erreichbarkeit",
        "open": "in den Öffnungszeiten",
        "after_hours": "außerhalb der Öffnungszeiten",
        "never": "Anrufer, die nie durchkamen",
        "repeated": "Wiederholte Anrufe (binnen 1 Stunde)",
        "why": "Warum verpasst",
        "busiest": "Meiste verpasste Anrufe",
        "hour": "Uhr",
        "gain": "Was die verpassten Anrufe kosten",
        "formula": "Rechnung (pro Monat)",
        "missed_month": "verpasste Anrufe pro Monat",
        "per_job": "je Auftrag",
        "in_days": "in",
        "days_dat": "Tagen",
        "given": "Angabe",
        "basis": "vor dem Start des Assistenten",
        "new": "davon Neukunden",
        "jobs": "davon Aufträge",
        "revenue": "entgangener Umsatz",
        "cost": "Kosten des Assistenten",
        "net": "Gewinn pro Monat",
        "year": "pro Jahr",
        "assumption": "Annahme",
        "measured": "gemessen",
        "no_gain": "Keine Rechnung",
        "before_after": "Vorher und nachher",
        "before": "vorher",
        "after": "nachher",
        "calls_day": "Anrufe pro Tag",
        "missed_day": "verpasste Anrufe pro Tag",
        "bookings": "gebuchte Termine",
        "leads": "qualifizierte Anfragen",
        "orders": "Bestellungen",
        "handovers": "an Mitarbeiter übergeben",
        "left_out": "Nicht gezählt",
        "internal": "interne",
        "outbound": "ausgehende",
        "own": "eigene Anrufe des Assistenten",
        "unreadable": "unlesbare Zeilen",
        "what": "Wert",
    },
    "en": {
        "title": "Reachability",
        "period": "Period",
        "days": "days",
        "made": "made on",
        "source": "Source: the phone system's call records (CDR)",
        "inbound": "Calls from outside",
        "per_day": "a day",
        "person": "answered by staff",
        "assistant": "answered by the assistant",
        "missed": "missed",
        "reach": "Reachability",
        "open": "in opening hours",
        "after_hours": "after hours",
        "never": "Callers who never got through",
        "repeated": "Repeat calls (within 1 hour)",
        "why": "Why missed",
        "busiest": "Most missed calls",
        "hour": "h",
        "gain": "What the missed calls cost",
        "formula": "Calculation (a month)",
        "missed_month": "missed calls a month",
        "per_job": "a job",
        "in_days": "in",
        "days_dat": "days",
        "given": "given",
        "basis": "before the assistant started",
        "new": "of them new customers",
        "jobs": "of them jobs won",
        "revenue": "revenue lost",
        "cost": "the assistant's cost",
        "net": "gain a month",
        "year": "a year",
        "assumption": "assumption",
        "measured": "measured",
        "no_gain": "No calculation",
        "before_after": "Before and after",
        "before": "before",
        "after": "after",
        "calls_day": "calls a day",
        "missed_day": "missed calls a day",
        "bookings": "appointments booked",
        "leads": "qualified leads",
        "orders": "orders",
        "handovers": "handed to staff",
        "left_out": "Not counted",
        "internal": "internal",
        "outbound": "outbound",
        "own": "the assistant's own calls",
        "unreadable": "unreadable rows",
        "what": "figure",
    },
}


class ReportInput(BaseModel):
    business: str
    language: str
    figures: Figures
    gain: Gain | None = None
    gain_missing: str | None = None  # why there is no gain (assumptions not given)
    gain_before_go_live: bool = False  # the gain is measured on the period before go-live
    comparison: Comparison | None = None
    made_on: date


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("agent.analysis", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v, lang="de": number(v * 100, lang) + " %"
    env.filters["num"] = lambda v, digits=0, lang="de": number(v, lang, digits)
    env.filters["money"] = lambda v, cur="EUR", lang="de": money(v, cur, lang)
    env.filters["day"] = lambda d, lang="de": d.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")
    return env


def number(value: float, language: str, digits: int = 0) -> str:
    """A number as the language writes it: 1,234.5 in English, 1.234,5 in German."""
    text = f"{value:,.{digits}f}"
    if language == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def money(value: float, currency: str, language: str) -> str:
    return number(value, language) + (" €" if currency == "EUR" else f" {currency}")


def render_report(data: ReportInput) -> str:
    """The report as one HTML file (A4, prints on one page)."""
    lang = data.language if data.language in REASONS else "en"
    weekdays = WEEKDAYS_DE if lang == "de" else WEEKDAYS_EN
    charts = {
        "heatmap": base64.b64encode(missed_heatmap(data.figures, lang)).decode(),
        "daily": base64.b64encode(daily_bars(data.figures, lang)).decode(),
    }
    template = _environment().get_template("analysis.html.j2")
    return template.render(
        d=data,
        f=data.figures,
        g=data.gain,
        c=data.comparison,
        lang=lang,
        charts=charts,
        reasons=REASONS[lang],
        weekdays=weekdays,
        t=TEXT[lang],
    )
