-- The record of every call: one row per call, plus its timeline of events.
-- Rows are written by agent/storage/call_log.py with idempotent upserts, in any order
-- (an event or the end may arrive before the start after a spool replay), so every
-- column except the id is nullable.

CREATE TABLE calls (
    id            uuid PRIMARY KEY,
    channel_id    text,
    caller_number text,
    called_number text,
    language      text,
    transport     text,
    started_at    timestamptz,
    answered_at   timestamptz,
    ended_at      timestamptz,
    -- whole call (ring + talk) and talk time, in seconds (millisecond precision)
    duration_s    numeric GENERATED ALWAYS AS (round(EXTRACT(EPOCH FROM ended_at - started_at), 3)) STORED,
    talk_s        numeric GENERATED ALWAYS AS (round(EXTRACT(EPOCH FROM ended_at - answered_at), 3)) STORED,
    outcome       text,
    hangup_cause  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX calls_started_at_idx ON calls (started_at DESC NULLS LAST);
CREATE INDEX calls_channel_id_idx ON calls (channel_id);

COMMENT ON TABLE calls IS 'One row per call handled by rufbereit (agent/storage/call_log.py)';
COMMENT ON COLUMN calls.outcome IS 'How the call ended for the business, e.g. resolved, handed_over, abandoned, error';
COMMENT ON COLUMN calls.hangup_cause IS 'Technical cause, e.g. the Asterisk hangup cause';

CREATE TABLE call_events (
    id       bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,          -- made by the writer: a replay never duplicates
    call_id  uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    at       timestamptz NOT NULL,
    kind     text NOT NULL,
    data     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX call_events_call_id_at_idx ON call_events (call_id, at, id);
CREATE INDEX call_events_kind_at_idx ON call_events (kind, at);

COMMENT ON TABLE call_events IS 'Timeline of a call: dialogue turns, actions, errors (kind + jsonb data)';
