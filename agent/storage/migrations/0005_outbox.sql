-- Delivery to the company's systems and appointment reminders (agent/actions/outbox.py,
-- agent/actions/reminders.py). Both are durable work queues: a row is written in the
-- same transaction as what it is about, a worker claims due rows with
-- FOR UPDATE SKIP LOCKED, and a row is done when delivered_at / sent_at is set.

CREATE TABLE outbox (
    id              uuid PRIMARY KEY,             -- also the idempotency key receivers see
    topic           text NOT NULL,                -- e.g. lead.created, order.created
    destination     text NOT NULL DEFAULT 'webhook',
    payload         jsonb NOT NULL,
    body            text NOT NULL,                -- the exact bytes that are signed and sent
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    delivered_at    timestamptz,
    locked_until    timestamptz                   -- a worker's lease while it sends
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

COMMENT ON TABLE outbox IS 'Webhook deliveries to the CRM/ERP, retried with backoff until delivered';

CREATE TABLE reminders (
    id             uuid PRIMARY KEY,
    appointment_id uuid NOT NULL,
    channel        text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient      text NOT NULL,
    lead_min       integer NOT NULL,              -- minutes before the appointment
    due_at         timestamptz NOT NULL,
    language       text NOT NULL DEFAULT 'de',
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'sent', 'cancelled', 'failed')),
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    sent_at        timestamptz,
    locked_until   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (appointment_id, channel, lead_min)
);
CREATE INDEX reminders_due_idx ON reminders (due_at) WHERE status = 'pending';
CREATE INDEX reminders_appointment_idx ON reminders (appointment_id);

COMMENT ON TABLE reminders IS 'Appointment reminders by e-mail/SMS (agent/actions/reminders.py)';

CREATE TABLE calendar_events (
    appointment_id uuid PRIMARY KEY,
    calendar_url   text NOT NULL,
    uid            text NOT NULL,                 -- the iCalendar UID of the CalDAV event
    pending        text CHECK (pending IN ('put', 'delete')),  -- NULL: in sync
    last_error     text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE calendar_events IS 'CalDAV events written for appointments (agent/actions/caldav_calendar.py)';
