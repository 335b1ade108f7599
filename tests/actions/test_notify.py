"""Confirmation e-mails through a real SMTP server (aiosmtpd) and SMS through a local
HTTP receiver standing in for the provider's API."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from agent.actions.notify_mail import MailNotifier, NotifyError
from agent.actions.notify_sms import SmsNotifier
from agent.actions.notify_texts import notice
from agent.actions.settings import SmsSettings, SmtpSettings
from tests.support.smtp import Mailbox

from .receiver import Receiver, free_port
from .support import appointment, profile


def test_german_and_english_texts_name_the_appointment() -> None:
    p = profile()
    de = notice(p, appointment(), "confirmed", "de")
    assert de.subject == "Terminbestätigung: Heizungswartung, Dienstag, 01.12.2026 um 10:00 Uhr"
    assert "Guten Tag Anna Bauer" in de.text and "Lindwurmstraße 88" in de.text
    assert "+49 89 1234560" in de.short
    en = notice(p, appointment(), "reminder", "en")
    assert "heating maintenance, Tuesday, 1 December 2026 at 10:00" in en.subject
    assert "reminder" in en.text
    assert "abgesagt" in notice(p, appointment(), "cancelled", "de").text


async def test_confirmation_email_is_received_by_the_smtp_server(
    smtp_server: tuple[Mailbox, int],
) -> None:
    box, port = smtp_server
    mail = MailNotifier(SmtpSettings(host="127.0.0.1", port=port, sender="termine@mueller.example"))
    n = notice(profile(), appointment(), "confirmed", "de")
    await mail.send("anna@example.org", n.subject, n.text)
    (msg,) = await box.wait_for(1)
    assert box.envelopes == [("termine@mueller.example", ["anna@example.org"])]
    assert msg["Subject"] == n.subject  # decoded from RFC 2047
    body = msg.get_content()  # type: ignore[attr-defined]
    assert "Heizungswartung" in body and "Guten Tag Anna Bauer" in body


async def test_smtp_server_down_is_a_notify_error() -> None:
    mail = MailNotifier(SmtpSettings(port=free_port(), sender="a@b.example", timeout_s=2))
    with pytest.raises(NotifyError):
        await mail.send("x@example.org", "s", "t")


async def test_sms_json_body_with_bearer_token(receiver: Receiver) -> None:
    sms = SmsNotifier(
        SmsSettings.model_validate(
            {"url": receiver.url + "/v1/sms", "auth": "bearer", "token": "tok&=1",
             "body": '{"to": "{to}", "message": "{text}", "from": "{sender}"}'}
        )
    )  # fmt: skip
    await sms.send("+491711234567", "", 'Termin "Heizung" am Dienstag')
    (req,) = receiver.received()
    assert (req.method, req.path) == ("POST", "/v1/sms")
    assert req.headers["Authorization"] == "Bearer tok&=1"
    assert json.loads(req.body) == {
        "to": "+491711234567", "message": 'Termin "Heizung" am Dienstag', "from": "rufbereit",
    }  # fmt: skip


async def test_sms_get_with_url_template_and_basic_auth(receiver: Receiver) -> None:
    sms = SmsNotifier(
        SmsSettings.model_validate(
            {"url": receiver.url + "/send?to={to}&text={text}", "method": "GET",
             "auth": "basic", "user": "acme", "token": "pw:1"}
        )
    )  # fmt: skip
    await sms.send("+49 171 1", "", "Grüße & bis Dienstag")
    (req,) = receiver.received()
    query = parse_qs(urlsplit(req.path).query)
    assert query == {"to": ["+49 171 1"], "text": ["Grüße & bis Dienstag"]}
    assert req.headers["Authorization"] == "Basic " + base64.b64encode(b"acme:pw:1").decode()


async def test_sms_gateway_error_and_down_are_notify_errors(receiver: Receiver) -> None:
    settings = SmsSettings.model_validate(
        {"url": receiver.url, "auth": "header", "header_name": "X-Api-Key", "token": "k",
         "body": "to={to}&text={text}", "content_type": "application/x-www-form-urlencoded"}
    )  # fmt: skip
    receiver.status = 500
    with pytest.raises(NotifyError, match="HTTP 500"):
        await SmsNotifier(settings).send("1", "", "a b")
    assert receiver.received()[0].headers["X-Api-Key"] == "k"
    assert receiver.received()[0].body == b"to=1&text=a+b"
    receiver.stop()
    with pytest.raises(NotifyError):
        await SmsNotifier(settings).send("1", "", "x")


async def test_secrets_and_recipients_stay_out_of_the_info_log(
    receiver: Receiver, smtp_server: tuple[Mailbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sms = SmsNotifier(SmsSettings.model_validate(
        {"url": receiver.url, "auth": "basic", "user": "acme", "token": "t0ken-XYZ"}))  # fmt: skip
    await sms.send("+491711234567", "", "hallo")
    receiver.status = 401
    with pytest.raises(NotifyError):
        await sms.send("+491711234567", "", "hallo")
    mail = MailNotifier(SmtpSettings(port=smtp_server[1], sender="a@b.example",
                                     user=None, password=SecretStr("pw-ABC")))  # fmt: skip
    await mail.send("anna@example.org", "Betreff", "Text")
    ours = [r for r in caplog.records if r.name.startswith("agent.")]  # not aiosmtpd's
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert "SMS sent" in text and "e-mail sent" in text
    for secret in ("t0ken-XYZ", "pw-ABC", "+491711234567", "anna@example.org"):
        assert secret not in text
