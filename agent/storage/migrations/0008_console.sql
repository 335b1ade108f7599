-- The owner's web console (agent/console): its users, their sessions, the log-in
-- attempts behind the lock-out, the record of who looked at what (DSGVO), and who marked
-- a lead, order, appointment, message or privacy request done.

CREATE TABLE console_users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    password_hash text NOT NULL,                  -- argon2id (agent/console/passwords.py)
    role          text NOT NULL CHECK (role IN ('owner', 'office', 'admin')),
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE console_sessions (
    token_hash   text PRIMARY KEY,                -- sha256 of the cookie's token, never the token
    user_id      uuid NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    csrf         text NOT NULL,
    address      text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX console_sessions_user_idx ON console_sessions (user_id);

CREATE TABLE console_logins (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    username text NOT NULL,
    address  text NOT NULL DEFAULT '',
    ok       boolean NOT NULL
);
CREATE INDEX console_logins_username_at_idx ON console_logins (username, at DESC);
CREATE INDEX console_logins_address_at_idx ON console_logins (address, at DESC);

CREATE TABLE console_audit (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    username text NOT NULL,
    action   text NOT NULL,                       -- e.g. transcript_viewed, lead_done, profile_saved
    call_id  uuid,
    subject  text NOT NULL DEFAULT ''             -- what was acted on (an id, a section name)
);
CREATE INDEX console_audit_at_idx ON console_audit (at DESC);
CREATE INDEX console_audit_call_idx ON console_audit (call_id);

COMMENT ON TABLE console_audit IS 'Who used the console for what: every transcript viewed, every item marked done';

ALTER TABLE leads ADD COLUMN done_at timestamptz, ADD COLUMN done_by text;
ALTER TABLE orders ADD COLUMN done_at timestamptz, ADD COLUMN done_by text;
ALTER TABLE messages ADD COLUMN done_at timestamptz, ADD COLUMN done_by text;
ALTER TABLE appointments ADD COLUMN done_at timestamptz, ADD COLUMN done_by text;
ALTER TABLE privacy_requests ADD COLUMN done_by text;
