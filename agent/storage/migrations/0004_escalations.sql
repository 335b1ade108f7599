-- The on-call escalation (agent/actions/escalation/store.py): one row per emergency,
-- every call to a technician in escalation_attempts, every SMS/e-mail in
-- escalation_notifications. The scheduler's own job table (escalation_jobs) is made by
-- APScheduler; the truth is here.

CREATE TABLE escalations (
    id              uuid PRIMARY KEY,
    request_id      uuid,
    call_id         uuid,
    dedupe_key      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    occurred_at     timestamptz NOT NULL,
    kind            text NOT NULL,
    caller_name     text NOT NULL DEFAULT '',
    caller_number   text NOT NULL DEFAULT '',
    address         text NOT NULL DEFAULT '',
    description     text NOT NULL DEFAULT '',
    language        text NOT NULL DEFAULT 'de',
    state           text NOT NULL DEFAULT 'created' CHECK (state IN
        ('created', 'calling', 'acknowledged', 'declined', 'no_answer', 'failed', 'exhausted')),
    people          jsonb NOT NULL,            -- the call order, fixed when it started
    attempts_made   integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    acknowledged_by text,
    closed_at       timestamptz,
    joined_calls    integer NOT NULL DEFAULT 0  -- further calls about the same emergency
);
-- One open escalation per emergency: a second call joins it instead of starting another.
CREATE UNIQUE INDEX escalations_one_open_idx ON escalations (dedupe_key)
    WHERE state NOT IN ('acknowledged', 'exhausted');
CREATE INDEX escalations_created_at_idx ON escalations (created_at DESC);

CREATE TABLE escalation_attempts (
    escalation_id uuid NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    attempt_no    integer NOT NULL CHECK (attempt_no >= 0),
    person        text NOT NULL,
    phone         text NOT NULL,
    owner         text NOT NULL,               -- the agent process that made the call
    channel_id    text,
    started_at    timestamptz NOT NULL DEFAULT now(),
    answered_at   timestamptz,
    ended_at      timestamptz,
    outcome       text CHECK (outcome IN
        ('acknowledged', 'declined', 'busy', 'no_answer', 'hangup', 'failed')),
    detail        text NOT NULL DEFAULT '',
    PRIMARY KEY (escalation_id, attempt_no)
);

CREATE TABLE escalation_notifications (
    id            bigserial PRIMARY KEY,
    escalation_id uuid NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    person        text NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('sms', 'email')),
    address       text NOT NULL,
    purpose       text NOT NULL,               -- acknowledged | exhausted
    subject       text NOT NULL DEFAULT '',
    body          text NOT NULL,
    status        text NOT NULL DEFAULT 'recorded',
    UNIQUE (escalation_id, person, channel, purpose)
);
