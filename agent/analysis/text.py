"""The analysis as plain text for the terminal (the same labels as the HTML report)."""

from __future__ import annotations

from .compare import Comparison
from .figures import WEEKDAYS_DE, WEEKDAYS_EN, Figures
from .gain import Gain
from .page import REASONS, TEXT


def pct(share: float) -> str:
    return f"{share * 100:.0f} %"


def summary(
    business: str,
    language: str,
    f: Figures,
    gain: Gain | None,
    gain_missing: str,
    comparison: Comparison | None,
) -> str:
    lang = language if language in TEXT else "en"
    t, reasons = TEXT[lang], REASONS[lang]
    days = WEEKDAYS_DE if lang == "de" else WEEKDAYS_EN
    lines = [
        f"{t['title']} · {business} · {f.period_from} – {f.period_to} ({f.days} {t['days']})",
        "",
        f"  {t['inbound']:<40} {f.inbound_calls:>7}   ({f.calls_per_day:.1f} {t['per_day']})",
        f"  {t['person']:<40} {f.answered_by_person:>7}",
        f"  {t['assistant']:<40} {f.answered_by_assistant:>7}",
        f"  {t['missed']:<40} {f.missed:>7}   ({pct(f.missed_share)})",
        f"    {t['open']:<38} {f.missed_in_opening_hours:>7}   "
        f"({pct(f.missed_share_in_opening_hours)} / {f.inbound_in_opening_hours})",
        f"    {t['after_hours']:<38} {f.missed_after_hours:>7}   "
        f"({pct(f.missed_share_after_hours)} / {f.inbound_after_hours})",
        f"  {t['reach']:<40} {pct(f.reachability):>7}",
        f"  {t['never']:<40} {f.callers_never_reached:>7}",
        f"  {t['repeated']:<40} {f.repeated_calls:>7}",
        "",
        f"  {t['why']}: "
        + ", ".join(
            f"{reasons[r]} {n}" for r, n in sorted(f.missed_by_reason.items(), key=lambda x: -x[1])
        ),
        f"  {t['busiest']}: "
        + ", ".join(
            f"{days[h.weekday]} {h.hour}–{h.hour + 1} {t['hour']} ({h.missed})"
            for h in f.busiest_missed_hours
        ),
    ]
    lines.append("")
    if gain is not None:
        a = gain.assumptions
        lines += [
            f"  {t['gain']}, {t['formula']}:",
            f"    {t['missed_month']:<44} {gain.missed_per_month:>10.1f}"
            + (f"   ({t['basis']})" if comparison is not None else ""),
            f"    × {t['new']} ({t['assumption']} {pct(a.new_customer_share)})".ljust(48)
            + f" {gain.new_customer_calls_per_month:>10.1f}",
            f"    × {t['jobs']} ({t['assumption']} {pct(a.close_rate)})".ljust(48)
            + f" {gain.jobs_lost_per_month:>10.1f}",
            f"    × {a.average_order_value:.0f} {a.currency} = {t['revenue']}".ljust(48)
            + f" {gain.revenue_lost_per_month:>10.0f} {a.currency}",
            f"    − {t['cost']}".ljust(48) + f" {a.assistant_monthly_cost:>10.0f} {a.currency}",
            f"    = {t['net']}".ljust(48) + f" {gain.net_gain_per_month:>10.0f} {a.currency}",
        ]
    else:
        lines.append(f"  {t['no_gain']}: {gain_missing}")
    if comparison is not None:
        b, a2 = comparison.before, comparison.after
        lines += ["", f"  {t['before_after']}: {b.since}–{b.until} | {a2.since}–{a2.until}"]
        rows = [
            (t["reach"], pct(b.reachability), pct(a2.reachability)),
            (t["missed_day"], f"{b.missed_per_day:.1f}", f"{a2.missed_per_day:.1f}"),
            (t["assistant"], str(b.answered_by_assistant), str(a2.answered_by_assistant)),
        ]
        for key in ("bookings", "leads", "orders", "handovers"):
            before, after = getattr(b, key), getattr(a2, key)
            rows.append(
                (
                    t[key],
                    "–" if before is None else str(before),
                    "–" if after is None else str(after),
                )
            )
        lines += [f"    {label:<40} {x:>8} {y:>8}" for label, x, y in rows]
        if comparison.records_note:
            lines.append(f"    ({comparison.records_note})")
    lines.append("")
    lines.append(
        f"  {t['left_out']}: {f.internal_calls} {t['internal']}, {f.outbound_calls} "
        f"{t['outbound']}, {f.assistant_own_calls} {t['own']}, "
        f"{f.unreadable_rows} {t['unreadable']}"
    )
    return "\n".join(lines)
