-- Challenges: collective goals over a window. Their progress is counted from `events` when asked (cached a second),
-- so a program's events are found by time: the index below (per partition of `events`).
CREATE TABLE challenges (
    program_id    text NOT NULL REFERENCES programs (id),
    challenge_id  text NOT NULL,
    name          text NOT NULL,
    scope_team    text,
    scope_region  text,
    action        text,             -- NULL: the metric is points
    target        bigint NOT NULL CHECK (target > 0),
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
    badge_id      text,
    -- When the progress reached the target (the occurredAt of the event that reached it), set once by the scheduler's
    -- instance; a reached challenge stays reached whatever happens to its progress afterwards.
    reached_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, challenge_id),
    CHECK (scope_team IS NULL OR scope_region IS NULL)
);
CREATE INDEX challenges_open ON challenges (program_id) WHERE reached_at IS NULL;

CREATE INDEX events_program_time ON events (program_id, occurred_at);
