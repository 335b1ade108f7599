"""Escalation SMS/e-mail to technicians (and the caller's SMS) really go out (real SMTP
server, local SMS gateway), exactly once per escalation, person, channel and purpose,
and a dead sender is retried."""

from __future__ import annotations

import json
import uuid

import pytest

from agent.actions.escalation.delivery import DeliveringNotifier
from agent.actions.escalation.notify import Notification, RecordingNotifier, notify_caller
from agent.actions.escalation.store import EscalationStore
from agent.actions.notify_mail import MailNotifier
from agent.actions.notify_sms import SmsNotifier
from agent.actions.settings import SmsSettings, SmtpSettings
from agent.storage import Database
from tests.actions.receiver import Receiver
from tests.support.smtp import Mailbox

pytestmark = pytest.mark.postgres


def _note(escalation_id: uuid.UUID, channel: str, address: str) -> Notification:
    return Notification(
        escalation_id=escalation_id,
        person="Thomas Huber",
        channel=channel,  # type: ignore[arg-type]
        address=address,
        purpose="acknowledged",
        subject="Notfall: Wasserrohrbruch",
        body="Wasserrohrbruch, Hauptstraße 5, Rückruf 0171 9876543",
    )


async def _escalation(db: Database) -> uuid.UUID:
    """An escalation row for the notifications to refer to (as the service makes one)."""
    escalation_id = uuid.uuid4()
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO escalations (id, dedupe_key, occurred_at, kind, people)"
            " VALUES (%s, %s, now(), 'wasserrohrbruch', '[]')",
            (escalation_id, str(escalation_id)),
        )
    return escalation_id


async def test_sms_and_mail_go_out_once(
    migrated_db: Database, smtp_server: tuple[Mailbox, int], receiver: Receiver
) -> None:
    box, port = smtp_server
    sms = SmsSettings.model_validate(
        {"url": receiver.url + "/sms", "body": '{"to": "{to}", "text": "{text}"}'}
    )
    notifier = DeliveringNotifier(
        RecordingNotifier(migrated_db),
        {
            "email": MailNotifier(SmtpSettings(port=port, sender="notdienst@mueller.example")),
            "sms": SmsNotifier(sms),
        },
    )
    escalation_id = await _escalation(migrated_db)
    mail, text = (
        _note(escalation_id, "email", "huber@x.example"),
        _note(escalation_id, "sms", "+4915112345671"),
    )
    assert await notifier.send(mail) and await notifier.send(text)
    assert not await notifier.send(mail), "a resumed escalation must not send twice"
    (message,) = await box.wait_for(1)
    assert message["To"] == "huber@x.example" and "Wasserrohrbruch" in message.get_content()
    (request,) = receiver.received()
    assert json.loads(request.body)["to"] == "+4915112345671"
    assert await RecordingNotifier(migrated_db).status(text) == "sent"


async def test_a_dead_gateway_is_retried_and_the_record_kept(
    migrated_db: Database, receiver: Receiver
) -> None:
    receiver.status = 503
    sms = SmsSettings.model_validate({"url": receiver.url + "/sms", "body": "{text}"})
    notifier = DeliveringNotifier(
        RecordingNotifier(migrated_db), {"sms": SmsNotifier(sms)}, retry_delays_s=(0.05, 0.05)
    )
    escalation_id = await _escalation(migrated_db)
    assert await notifier.send(_note(escalation_id, "sms", "+4915112345671"))
    assert len(receiver.received()) == 3  # first try + two retries
    note = _note(escalation_id, "sms", "+4915112345671")
    assert await RecordingNotifier(migrated_db).status(note) == "failed"  # kept, visibly


async def test_the_callers_sms_goes_out_once_in_the_callers_language(
    migrated_db: Database, receiver: Receiver
) -> None:
    """Nobody told the caller on the line: the SMS gateway gets their text, once."""
    sms = SmsSettings.model_validate(
        {"url": receiver.url + "/sms", "body": '{"to": "{to}", "text": "{text}"}'}
    )
    notifier = DeliveringNotifier(RecordingNotifier(migrated_db), {"sms": SmsNotifier(sms)})
    escalation_id = await _escalation(migrated_db)
    async with migrated_db.connection() as conn:
        await conn.execute(
            "UPDATE escalations SET caller_name = 'Erika Muster',"
            " caller_number = '0171 2345678', language = 'en' WHERE id = %s",
            (escalation_id,),
        )
    rec = await EscalationStore(migrated_db).get(escalation_id)
    assert rec is not None
    assert await notify_caller(notifier, rec, "Thomas Huber", "Müller Sanitär GmbH")
    assert not await notify_caller(notifier, rec, "Thomas Huber", "Müller Sanitär GmbH")
    (request,) = receiver.received()
    sent = json.loads(request.body)
    assert sent["to"] == "+491712345678"
    assert sent["text"] == (
        "Müller Sanitär GmbH: Thomas Huber from our on-call service has taken your emergency "
        "and will call you back."
    )
    [note] = await RecordingNotifier(migrated_db).sent(escalation_id)
    assert (note.person, note.purpose) == ("Erika Muster", "caller_acknowledged")
    assert await RecordingNotifier(migrated_db).status(note) == "sent"
