"""The report as an e-mail: plain text, HTML, and the chart as an inline image (cid)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from agent.actions.notify_mail import MailNotifier

from .render import Rendered


def compose(notifier: MailNotifier, to: list[str], report: Rendered, chart_png: bytes,
            chart_cid: str) -> EmailMessage:  # fmt: skip
    msg = notifier.message(", ".join(to), report.subject, report.text)
    msg.add_alternative(report.html, subtype="html")
    html_part = msg.get_payload()[1]  # type: ignore[index]
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(chart_png, "image", "png", cid=f"<{chart_cid}>", filename="chart.png")
    return msg


def new_cid() -> str:
    return make_msgid(domain="rufbereit.local")[1:-1]
