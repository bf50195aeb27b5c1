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
CREATE INDEX member_badges_event ON member_badges (program_id, event_id) WHERE event_id IS NOT NULL;

-- The level an event made its member reach ({"name", "minPoints"}), to answer a retry as the first answer was.
ALTER TABLE events ADD COLUMN level_reached jsonb;

-- One more per change of a program's badges: writers compare it with the badges they hold, as with rules versions.
ALTER TABLE programs ADD COLUMN badges_version integer NOT NULL DEFAULT 0;

-- A badge created or changed is awarded to the members who already meet it, in the background, members in id order:
-- `retro_cursor` is the last member done (NULL: nothing left to do), `retro_lease` when the instance doing it lets go.
ALTER TABLE badges ADD COLUMN retro_cursor text, ADD COLUMN retro_lease timestamptz;
