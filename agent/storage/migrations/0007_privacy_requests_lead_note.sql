-- Requests about a caller's personal data (DSGVO Art. 15-17, 21), taken by phone for the
-- owner to answer within a month; and the questions a caller asked on the way of a lead
-- that the profile could not answer (leads.note).

CREATE TABLE privacy_requests (
    id         uuid PRIMARY KEY,
    call_id    uuid,
    created_at timestamptz NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('access', 'correction', 'erasure', 'objection')),
    name       text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    text       text NOT NULL DEFAULT '',
    status     text NOT NULL DEFAULT 'open',
    answered_at timestamptz
);
CREATE INDEX privacy_requests_created_at_idx ON privacy_requests (created_at DESC);

ALTER TABLE leads ADD COLUMN note text NOT NULL DEFAULT '';
