"""The report as an e-mail's two parts: HTML (with the chart as an inline image) and the
same figures as plain text. Labels per language; numbers in the language's style."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape

from agent.analysis.page import money, number

from .figures import ReportFigures

TEXT = {
    "de": {
        "daily": "Tagesbericht",
        "weekly": "Wochenbericht",
        "answered": "Anrufe angenommen",
        "after_hours": "davon außerhalb der Öffnungszeiten",
        "resolved": "vom Assistenten erledigt",
        "handed_over": "an Mitarbeiter übergeben",
        "callback": "Rückruf vereinbart",
        "caller_hung_up": "Anrufer hat aufgelegt",
        "fallback": "an Mitarbeiter wegen Störung",
        "appointments": "Termine gebucht",
        "leads": "Anfragen (Leads)",
        "orders": "Bestellungen",
        "messages": "Nachrichten",
        "callbacks": "Rückrufwünsche",
        "callbacks_open": "offene Rückrufe (insgesamt)",
        "emergencies": "Notfälle",
        "acknowledged": "bestätigt",
        "ack": "Zeit bis zur Bestätigung",
        "median": "Median",
        "max": "längste",
        "privacy": "Datenschutzanfragen",
        "rating": "Bewertung der Anrufer (Tasten 1–5)",
        "revenue": "Geschätzter Umsatz aus den Anfragen",
        "formula": "Anfragen × Abschlussquote {close} × Ø Auftragswert {value}",
        "assumption": "Annahmen aus dem Profil (business.economics)",
        "no_economics": "Für eine Umsatzschätzung fehlen die Annahmen (business.economics).",
        "calls": "Anrufe",
        "records": "Was dabei herauskam",
        "footer": "rufbereit · dieser Bericht wird automatisch erstellt",
    },
    "en": {
        "daily": "Daily report",
        "weekly": "Weekly report",
        "answered": "Calls answered",
        "after_hours": "of them after hours",
        "resolved": "resolved by the assistant",
        "handed_over": "handed to staff",
        "callback": "call back arranged",
        "caller_hung_up": "caller hung up",
        "fallback": "to staff after a fault",
        "appointments": "Appointments booked",
        "leads": "Leads",
        "orders": "Orders",
        "messages": "Messages",
        "callbacks": "Call-back requests",
        "callbacks_open": "call-backs still open (all)",
        "emergencies": "Emergencies",
        "acknowledged": "acknowledged",
        "ack": "time to acknowledgement",
        "median": "median",
        "max": "longest",
        "privacy": "Privacy requests",
        "rating": "Callers' rating (keys 1-5)",
        "revenue": "Estimated revenue from the leads",
        "formula": "leads × close rate {close} × average order value {value}",
        "assumption": "assumptions from the profile (business.economics)",
        "no_economics": "No revenue estimate: the assumptions are not set (business.economics).",
        "calls": "Calls",
        "records": "What came of them",
        "footer": "rufbereit · this report is made automatically",
    },
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def seconds(value: float | None, language: str) -> str:
    if value is None:
        return "–"
    minutes, secs = divmod(round(value), 60)
    return f"{minutes}:{secs:02d} min" if minutes else f"{secs} s"


def period(f: ReportFigures, language: str) -> str:
    fmt = "%d.%m.%Y" if language == "de" else "%Y-%m-%d"
    if f.since == f.until:
        return f.since.strftime(fmt)
    return f"{f.since.strftime(fmt)} – {f.until.strftime(fmt)}"


def rows(f: ReportFigures, language: str) -> list[tuple[str, str, bool]]:
    """(label, value, indented) in the report's order."""
    t = TEXT[language]
    out = [
        (t["answered"], number(f.calls_answered, language), False),
        (t["after_hours"], number(f.after_hours, language), True),
    ]
    out += [(t[o], number(n, language), True) for o, n in f.by_outcome.items() if n]
    out += [
        (t["appointments"], number(f.appointments_booked, language), False),
        (t["leads"], number(f.leads, language), False),
        (t["orders"], number(f.orders, language), False),
        (t["messages"], number(f.messages, language), False),
        (t["callbacks"], number(f.callbacks_requested, language), False),
        (t["callbacks_open"], number(f.callbacks_open, language), True),
        (t["emergencies"], number(f.emergencies, language), False),
    ]
    if f.emergencies:
        out.append((t["acknowledged"], number(f.emergencies_acknowledged, language), True))
        out.append(
            (
                f"{t['ack']} ({t['median']} / {t['max']})",
                f"{seconds(f.ack_seconds_median, language)} / "
                f"{seconds(f.ack_seconds_max, language)}",
                True,
            )
        )
    if f.privacy_requests:
        out.append((t["privacy"], number(f.privacy_requests, language), False))
    if f.ratings and f.rating_average is not None:
        average = number(f.rating_average, language, 1)
        out.append((t["rating"], f"{average} / 5 ({f.ratings})", False))
    return out


def revenue_lines(f: ReportFigures, language: str) -> tuple[str, str]:
    t = TEXT[language]
    a = f.assumptions
    if a is None or f.estimated_revenue is None:
        return t["no_economics"], ""
    formula = t["formula"].format(
        close=f"{a.close_rate * 100:.0f} %",
        value=money(a.average_order_value, a.currency, language),
    )
    return (
        f"{t['revenue']}: {money(f.estimated_revenue, a.currency, language)}",
        f"{formula} ({t['assumption']})",
    )


def render(
    f: ReportFigures,
    business: str,
    language: str,
    *,
    weekly: bool = False,
    chart_cid: str = "chart",
) -> Rendered:
    lang = language if language in TEXT else "en"
    t = TEXT[lang]
    title = f"{t['weekly' if weekly else 'daily']} {business} · {period(f, lang)}"
    table = rows(f, lang)
    revenue, formula = revenue_lines(f, lang)
    width = max(len(label) + (2 if ind else 0) for label, _, ind in table) + 2
    text_lines = [title, "=" * len(title), ""]
    text_lines += [
        f"{'  ' if ind else ''}{label}".ljust(width) + value.rjust(10)
        for label, value, ind in table
    ]
    text_lines += ["", revenue] + ([formula] if formula else []) + ["", t["footer"]]
    env = Environment(
        loader=PackageLoader("agent.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    html = env.get_template("report.html.j2").render(
        title=title,
        rows=table,
        revenue=revenue,
        formula=formula,
        t=t,
        lang=lang,
        chart_cid=chart_cid,
    )
    return Rendered(subject=title, text="\n".join(text_lines) + "\n", html=html)
