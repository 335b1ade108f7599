-- Delivery to the company's systems and appointment reminders (agent/actions/outbox.py,
-- agent/actions/reminders.py) and the CalDAV copies of appointments
-- (agent/actions/caldav_calendar.py). The first two are durable work queues: a worker
-- claims due rows with FOR UPDATE SKIP LOCKED; a row is done when delivered_at / sent_at
-- is set.

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
    delivered_at    timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

COMMENT ON TABLE outbox IS 'Webhook deliveries to the CRM/ERP, retried with backoff until delivered';

CREATE TABLE appointment_notices (
    id             uuid PRIMARY KEY,
    appointment_id uuid NOT NULL,
    kind           text NOT NULL
                   CHECK (kind IN ('confirmed', 'rescheduled', 'cancelled', 'reminder')),
    channel        text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient      text NOT NULL,
    language       text NOT NULL DEFAULT 'de',
    lead_s         integer NOT NULL DEFAULT 0,    -- reminders: seconds before the start
    due_at         timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'sent', 'cancelled', 'failed')),
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    sent_at        timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX appointment_notices_reminder_once
    ON appointment_notices (appointment_id, channel, lead_s) WHERE kind = 'reminder';
CREATE INDEX appointment_notices_due_idx ON appointment_notices (due_at) WHERE status = 'pending';
CREATE INDEX appointment_notices_appointment_idx ON appointment_notices (appointment_id);

COMMENT ON TABLE appointment_notices IS
    'Confirmations and reminders of appointments by e-mail/SMS (agent/actions/reminders.py)';

CREATE TABLE calendar_events (
    appointment_id uuid PRIMARY KEY,
    calendar_url   text NOT NULL,
    uid            text NOT NULL,                 -- the iCalendar UID of the CalDAV event
    pending        text CHECK (pending IN ('put', 'delete')),  -- NULL: in sync
    last_error     text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE calendar_events IS 'CalDAV events written for appointments (agent/actions/caldav_calendar.py)';
