"""The report's picture: the assistant's calls per hour, coloured by how they ended."""

from __future__ import annotations

from matplotlib.ticker import MaxNLocator

from agent.analysis.charts import new_figure, to_png

from .figures import OUTCOMES, ReportFigures

LABELS = {
    "de": {
        "title": "Anrufe pro Stunde",
        "hour": "Uhrzeit",
        "calls": "Anrufe",
        "resolved": "erledigt",
        "handed_over": "übergeben",
        "callback": "Rückruf",
        "caller_hung_up": "aufgelegt",
        "fallback": "an Mitarbeiter (Störung)",
    },
    "en": {
        "title": "Calls per hour",
        "hour": "hour",
        "calls": "calls",
        "resolved": "resolved",
        "handed_over": "handed over",
        "callback": "call back",
        "caller_hung_up": "caller hung up",
        "fallback": "to staff (fault)",
    },
}
COLOURS = {
    "resolved": "#2a9d6f",
    "handed_over": "#3b7dd8",
    "callback": "#e0a030",
    "caller_hung_up": "#9aa3b2",
    "fallback": "#d1495b",
}


def calls_per_hour(f: ReportFigures, language: str = "de") -> bytes:
    text = LABELS.get(language, LABELS["en"])
    fig = new_figure(6.4, 2.4)
    ax = fig.add_subplot()
    hours = list(range(24))
    bottom = [0] * 24
    for outcome in OUTCOMES:
        values = [f.per_hour[h][outcome] for h in hours]
        if any(values):
            ax.bar(hours, values, 0.8, bottom=bottom, label=text[outcome], color=COLOURS[outcome])
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(range(0, 24, 2), [str(h) for h in range(0, 24, 2)], fontsize=8)
    ax.set_xlabel(text["hour"], fontsize=8)
    ax.set_ylabel(text["calls"], fontsize=8)
    ax.set_title(text["title"], fontsize=10, loc="left")
    if any(bottom):
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return to_png(fig)
