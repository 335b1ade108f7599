"""The analysis's two pictures, as PNG: when calls are missed, and each day's calls."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from .figures import WEEKDAYS_DE, WEEKDAYS_EN, Figures

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LABELS = {
    "de": {
        "heatmap": "Verpasste Anrufe nach Wochentag und Uhrzeit",
        "hour": "Uhrzeit",
        "daily": "Anrufe pro Tag",
        "person": "Mitarbeiter angenommen",
        "assistant": "Assistent angenommen",
        "missed": "verpasst",
        "calls": "Anrufe",
    },
    "en": {
        "heatmap": "Missed calls by weekday and hour",
        "hour": "hour",
        "daily": "Calls per day",
        "person": "answered by staff",
        "assistant": "answered by the assistant",
        "missed": "missed",
        "calls": "calls",
    },
}
COLOURS = {"person": "#3b7dd8", "assistant": "#2a9d6f", "missed": "#d1495b"}


def new_figure(width: float, height: float) -> Figure:
    # The object API, not pyplot: no global state, safe in a server process.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def to_png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def missed_heatmap(figures: Figures, language: str = "de") -> bytes:
    """Weekdays down, hours across; darker is more missed calls, with the count written in."""
    text = LABELS.get(language, LABELS["en"])
    grid = [[0] * 24 for _ in range(7)]
    for cell in figures.per_hour_of_week:
        grid[cell.weekday][cell.hour] = cell.missed
    hours = [h for h in range(24) if any(grid[d][h] for d in range(7))] or list(range(7, 19))
    first, last = min(min(hours), 7), max(max(hours), 18)
    shown = [row[first : last + 1] for row in grid]
    fig = new_figure(7.6, 2.35)
    ax = fig.add_subplot()
    image = ax.imshow(shown, cmap="Reds", aspect="auto", vmin=0)
    ax.set_yticks(range(7), WEEKDAYS_DE if language == "de" else WEEKDAYS_EN)
    ax.set_xticks(range(last - first + 1), [str(h) for h in range(first, last + 1)])
    ax.set_xlabel(text["hour"])
    ax.set_title(text["heatmap"], fontsize=11)
    peak = max((v for row in shown for v in row), default=0)
    for d, row in enumerate(shown):
        for h, value in enumerate(row):
            if value:
                colour = "white" if value > peak * 0.6 else "black"
                ax.text(h, d, str(value), ha="center", va="center", fontsize=7, color=colour)
    fig.colorbar(image, ax=ax, shrink=0.8)
    return to_png(fig)


def daily_bars(figures: Figures, language: str = "de") -> bytes:
    """One stacked bar a day: answered by staff, by the assistant, missed."""
    text = LABELS.get(language, LABELS["en"])
    days = figures.per_day
    x = list(range(len(days)))
    person = [d.answered_by_person for d in days]
    assistant = [d.answered_by_assistant for d in days]
    missed = [d.missed for d in days]
    fig = new_figure(7.6, 2.0)
    ax = fig.add_subplot()
    width = 0.8 if len(days) < 60 else 1.0
    ax.bar(x, person, width, label=text["person"], color=COLOURS["person"])
    bottom = person
    if any(assistant):
        ax.bar(
            x, assistant, width, bottom=bottom, label=text["assistant"], color=COLOURS["assistant"]
        )
        bottom = [a + b for a, b in zip(person, assistant, strict=True)]
    ax.bar(x, missed, width, bottom=bottom, label=text["missed"], color=COLOURS["missed"])
    step = max(1, len(days) // 12)
    ax.set_xticks(x[::step], [d.day.strftime("%d.%m.") for d in days[::step]], fontsize=8)
    ax.set_ylabel(text["calls"])
    ax.set_title(text["daily"], fontsize=11, loc="left")
    ax.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.01)
    return to_png(fig)
