-- HR's rules: every version of a program's ruleset, each in force from its effective_from until the next one's.
-- A version is never changed or deleted: past awards name the version that scored them.
CREATE TABLE rulesets (
    program_id      text NOT NULL REFERENCES programs (id),
    version         integer NOT NULL CHECK (version > 0),
    effective_from  timestamptz NOT NULL,
    document        jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, version),
    UNIQUE (program_id, effective_from)
);

-- What each member did per local day (the program's time zone) and action: the events scored, those that earned
-- points, and the points. What caps count; the raw material of streaks and participation.
CREATE TABLE member_activity (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    day         date NOT NULL,
    action      text NOT NULL,
    events      integer NOT NULL,
    earning     integer NOT NULL,
    points      bigint NOT NULL,
    PRIMARY KEY (program_id, member_id, day, action)
) WITH (fillfactor = 70); -- room for HOT updates, as member_days

-- The content each once-per-content action of a member earned points on, and the event that earned them.
CREATE TABLE content_awards (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    action      text NOT NULL,
    content_id  text NOT NULL,
    event_id    text NOT NULL,
    PRIMARY KEY (program_id, member_id, action, content_id)
);

-- The points each campaign's multiplier applied to, per member and local day: the campaign's leaderboard.
CREATE TABLE member_campaign_days (
    program_id   text NOT NULL,
    member_id    text NOT NULL,
    campaign_id  text NOT NULL,
    day          date NOT NULL,
    points       bigint NOT NULL,
    reached_at   timestamptz NOT NULL,
    PRIMARY KEY (program_id, member_id, campaign_id, day)
) WITH (fillfactor = 70);
CREATE INDEX member_campaign_days_board ON member_campaign_days (program_id, campaign_id, day);

-- The ruleset version that scored each event (0: the defaults, all there was before this migration), the campaign
-- whose multiplier applied, and when the source retracted it (its points then reversed by a 'reversal' ledger entry).
ALTER TABLE events ADD COLUMN rules_version integer NOT NULL DEFAULT 0, ADD COLUMN campaign_id text, ADD COLUMN retracted_at timestamptz;

-- Activity so far, from the events scored (not those of members who were not enrolled).
INSERT INTO member_activity (program_id, member_id, day, action, events, earning, points)
SELECT e.program_id, e.member_id, (e.occurred_at AT TIME ZONE p.timezone)::date, e.action,
       count(*), count(*) FILTER (WHERE e.points > 0), sum(e.points)
FROM events e JOIN programs p ON p.id = e.program_id
WHERE e.status = 'awarded'
GROUP BY 1, 2, 3, 4;
