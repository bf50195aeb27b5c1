-- What each member did with each action, ever: the events the rules scored, those that earned points, the points, and
-- the first local day. What lifetime badges count (`actionCount` over `all`), without summing a member's every day.
CREATE TABLE member_action_totals (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    action      text NOT NULL,
    events      integer NOT NULL,
    earning     integer NOT NULL,
    points      bigint NOT NULL,
    first_day   date NOT NULL,
    PRIMARY KEY (program_id, member_id, action)
) WITH (fillfactor = 70);

INSERT INTO member_action_totals (program_id, member_id, action, events, earning, points, first_day)
SELECT program_id, member_id, action, sum(events), sum(earning), sum(points), min(day)
FROM member_activity GROUP BY 1, 2, 3;

-- The badges members hold: one row per badge and tier ('' without tiers), and per period for rank badges ('' for the
-- others), recorded with the event that earned it (NULL for awards given retroactively or when a period closed).
-- A revoked award keeps its row (revoked_at): it is not given again by the member's next event.
CREATE TABLE member_badges (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    badge_id    text NOT NULL,
    tier        text NOT NULL DEFAULT '',
    period_key  text NOT NULL DEFAULT '',
    awarded_at  timestamptz NOT NULL DEFAULT now(),
    event_id    text,
    revoked_at  timestamptz,
    PRIMARY KEY (program_id, member_id, badge_id, tier, period_key)
);

-- The level an event made its member reach ({"name", "minPoints"}), to answer a retry as the first answer was.
ALTER TABLE events ADD COLUMN level_reached jsonb;

-- One more per change of a program's badges: writers compare it with the badges they hold, as with rules versions.
ALTER TABLE programs ADD COLUMN badges_version integer NOT NULL DEFAULT 0;

-- A badge created or changed is awarded to the members who already meet it, in the background, members in id order:
-- `retro_cursor` is the last member done (NULL: nothing left to do), `retro_lease` when the instance doing it lets go.
ALTER TABLE badges ADD COLUMN retro_cursor text, ADD COLUMN retro_lease timestamptz;

-- Where a program's platforms want to hear of awards, levels, retractions and closed periods (PUT …/webhooks/{id}).
-- The secret signs every delivery (HMAC-SHA256): it is kept as given, since signing needs it, and never shown again.
CREATE TABLE webhooks (
    program_id  text NOT NULL REFERENCES programs (id),
    webhook_id  text NOT NULL,
    url         text NOT NULL,
    events      text[] NOT NULL,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    PRIMARY KEY (program_id, webhook_id)
);

-- The durable queue of deliveries, written in the transaction that made what they announce: one row per webhook and
-- notification, its `id` the one receivers deduplicate by. `next_attempt_at` is NULL once delivered or given up.
CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    program_id       text NOT NULL,
    webhook_id       text NOT NULL,
    type             text NOT NULL,
    data             jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    last_attempt_at  timestamptz,
    last_status      integer,
    last_error       text,
    delivered_at     timestamptz,
    FOREIGN KEY (program_id, webhook_id) REFERENCES webhooks (program_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (program_id, webhook_id, created_at DESC);

-- The periods whose close was handled (rank badges given, leaderboard.closed queued): each once, whatever restarts.
CREATE TABLE period_closes (
    program_id  text NOT NULL REFERENCES programs (id),
    kind        text NOT NULL,
    period_key  text NOT NULL,
    closed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, kind, period_key)
);
