-- Integrity: rules a program sets (`programs.integrity`, the document `PATCH` takes) that flag point farming and may
-- hold the points of the events that break them until an admin reviews the flag.
ALTER TABLE programs ADD COLUMN integrity jsonb;

-- A held event has `status = 'held'` and the points it was scored; a dismissal scores it again.
-- A member's events by time: the burst rule counts those within a minute of each new one.
CREATE INDEX events_member_time ON events (program_id, member_id, occurred_at);

-- Who posted which content (the `post` events that name a `contentId`), in the order recorded: the first poster owns
-- it (pairs, self-engagement); a member posting it again repeats it.
CREATE TABLE posted_content (
    program_id   text NOT NULL,
    content_id   text NOT NULL,
    member_id    text NOT NULL,
    event_id     text NOT NULL,
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (program_id, content_id, member_id)
);
-- A content's first poster, found with one index probe however many members posted it since.
CREATE INDEX posted_content_first ON posted_content (program_id, content_id, seq);

-- Likes and comments of one member on another's content, per local day, while the pair rule is on.
CREATE TABLE engagement_days (
    program_id  text NOT NULL,
    day         date NOT NULL,
    member_id   text NOT NULL,
    owner_id    text NOT NULL,
    events      integer NOT NULL,
    PRIMARY KEY (program_id, day, member_id, owner_id)
);

-- A rule broken by a member: one open flag per member, rule and subject (the local day for a burst, the day and the
-- other member for a pair, the content otherwise) gathers every event that broke it until an admin reviews it.
CREATE TABLE flags (
    program_id   text NOT NULL REFERENCES programs (id),
    flag_id      bigint GENERATED ALWAYS AS IDENTITY,
    member_id    text NOT NULL,
    rule         text NOT NULL CHECK (rule IN ('burstPerMinute', 'pairPerDay', 'repeatedContent', 'selfEngagement')),
    subject      text NOT NULL,
    evidence     jsonb NOT NULL,
    event_ids    text[] NOT NULL,
    -- Whether the rule held the points of its events when they broke it (a dismissal releases only events that no
    -- other open flag holds).
    holds        boolean NOT NULL,
    held_points  bigint NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'confirmed')),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    reviewed_by  text,
    PRIMARY KEY (program_id, flag_id)
);
CREATE UNIQUE INDEX flags_open ON flags (program_id, member_id, rule, subject) WHERE status = 'open';
CREATE INDEX flags_queue ON flags (program_id, status, flag_id);
