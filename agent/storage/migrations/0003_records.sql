-- What calls leave besides appointments (agent/actions/records_pg.py): leads, orders,
-- messages / callback requests, and emergencies handed to the on-call rota.
-- Ids are made by the writer, so a retried insert is a no-op (ON CONFLICT DO NOTHING).

CREATE TABLE leads (
    id         uuid PRIMARY KEY,
    call_id    uuid,
    created_at timestamptz NOT NULL,
    need       text NOT NULL,
    location   text NOT NULL DEFAULT '',
    budget     text NOT NULL DEFAULT '',
    urgency    text NOT NULL DEFAULT '',
    name       text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    status     text NOT NULL DEFAULT 'new'
);
CREATE INDEX leads_created_at_idx ON leads (created_at DESC);

CREATE TABLE orders (
    id         uuid PRIMARY KEY,
    call_id    uuid,
    created_at timestamptz NOT NULL,
    name       text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    note       text NOT NULL DEFAULT '',
    status     text NOT NULL DEFAULT 'new'
);
CREATE INDEX orders_created_at_idx ON orders (created_at DESC);

CREATE TABLE order_lines (
    order_id   uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position   integer NOT NULL,
    sku        text NOT NULL,
    name       text NOT NULL,
    quantity   integer NOT NULL CHECK (quantity > 0),
    unit       text NOT NULL,
    unit_price numeric(12, 2),
    backorder  integer NOT NULL DEFAULT 0 CHECK (backorder >= 0),
    PRIMARY KEY (order_id, position)
);

CREATE TABLE messages (
    id         uuid PRIMARY KEY,
    call_id    uuid,
    created_at timestamptz NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('message', 'callback')),
    name       text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    text       text NOT NULL DEFAULT '',
    reason     text NOT NULL DEFAULT '',
    due        date,
    status     text NOT NULL DEFAULT 'open'
);
CREATE INDEX messages_created_at_idx ON messages (created_at DESC);

CREATE TABLE escalation_requests (
    id            uuid PRIMARY KEY,
    call_id       uuid,
    created_at    timestamptz NOT NULL,
    kind          text NOT NULL,
    caller_name   text NOT NULL DEFAULT '',
    caller_number text NOT NULL DEFAULT '',
    address       text NOT NULL DEFAULT '',
    description   text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'requested'
);
CREATE INDEX escalation_requests_created_at_idx ON escalation_requests (created_at DESC);

COMMENT ON TABLE escalation_requests IS 'Emergencies the dialogue handed to the on-call escalation';
