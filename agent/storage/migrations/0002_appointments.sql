-- The appointment calendar (agent/actions/calendar_pg.py).
-- Two booked appointments of the same resource can never overlap, including the buffer
-- kept free after each one: the exclusion constraint compares the blocked range
-- [starts_at, blocked_until), where blocked_until = ends_at + the profile's buffer.
-- btree_gist (a trusted contrib extension since PostgreSQL 13: the database owner may
-- create it) lets the constraint also compare the resource with "=".

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE appointments (
    id               uuid PRIMARY KEY,
    resource         text NOT NULL DEFAULT 'default',
    appointment_type text NOT NULL,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    blocked_until    timestamptz NOT NULL,
    name             text NOT NULL,
    phone            text NOT NULL,
    phone_digits     text NOT NULL,
    note             text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
    call_id          uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (blocked_until >= ends_at),
    CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
        resource WITH =,
        tstzrange(starts_at, blocked_until, '[)') WITH &&
    ) WHERE (status = 'booked')
);

CREATE INDEX appointments_phone_idx ON appointments (phone_digits, starts_at);
CREATE INDEX appointments_starts_at_idx ON appointments (starts_at);

COMMENT ON TABLE appointments IS 'Appointments booked by phone (agent/actions/calendar_pg.py)';
COMMENT ON COLUMN appointments.blocked_until IS 'ends_at plus the buffer kept free before the next appointment';
COMMENT ON COLUMN appointments.phone_digits IS 'phone normalised for look-ups: digits only, +49 as 0';
