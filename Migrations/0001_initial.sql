-- Rally's durable history. PostgreSQL is the source of truth; Redis leaderboards are rebuilt from period_totals.

CREATE TABLE programs (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    timezone    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Program keys, stored as SHA-256 of the secret: the secret is shown once, at creation.
CREATE TABLE api_keys (
    id          text PRIMARY KEY,
    program_id  text NOT NULL REFERENCES programs (id),
    role        text NOT NULL CHECK (role IN ('ingest', 'read', 'admin')),
    label       text,
    key_hash    bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_keys_program ON api_keys (program_id);

CREATE TABLE members (
    program_id    text NOT NULL REFERENCES programs (id),
    member_id     text NOT NULL,
    display_name  text,
    team          text,
    region        text,
    enrolled      boolean NOT NULL,
    visibility    text NOT NULL CHECK (visibility IN ('public', 'anonymous', 'hidden')),
    audience      jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, member_id)
);

-- Every event received, with what it earned. (program_id, event_id) is what makes an event scored once, ever.
CREATE TABLE events (
    program_id   text NOT NULL,
    event_id     text NOT NULL,
    member_id    text NOT NULL,
    action       text NOT NULL,
    network      text,
    content_id   text,
    occurred_at  timestamptz NOT NULL,
    tags         jsonb NOT NULL,
    status       text NOT NULL,
    points       integer NOT NULL,
    breakdown    jsonb NOT NULL,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (program_id, event_id)
);

-- Every point: one entry per award that earned points (later also reversals). Append-only.
CREATE TABLE ledger (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id   text NOT NULL,
    member_id    text NOT NULL,
    event_id     text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('award', 'reversal')),
    action       text NOT NULL,
    points       integer NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX ledger_member ON ledger (program_id, member_id, id DESC);

-- Each member's points per period ('2026-11-20', '2026-W47', '2026-11', 'all'), in the program's time zone,
-- and when that total was reached (the leaderboard tie-break). The sum of the ledger per period, kept in the same transaction.
CREATE TABLE period_totals (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    period      text NOT NULL,
    points      bigint NOT NULL,
    reached_at  timestamptz NOT NULL,
    PRIMARY KEY (program_id, member_id, period)
) WITH (fillfactor = 70); -- room on each page for HOT updates: totals change all day, their indexed columns never do
CREATE INDEX period_totals_board ON period_totals (program_id, period);
