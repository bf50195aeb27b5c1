-- Analytics: what HR asks of a program (participation, satisfaction, reach) needs the members' past as well as their
-- present, the surveys' answers, and two program settings.

-- Which actions make a member active, and the earned-media model that prices reach (null: none set).
ALTER TABLE programs
    ADD COLUMN qualifying_actions text[] NOT NULL DEFAULT ARRAY['comment', 'like', 'post', 'share'],
    ADD COLUMN media_value jsonb;

-- Each member's enrolment, team and region from an instant on: a row per change, written by the trigger below whatever
-- writes the member. A period's figures take each member as this history has them at the period's end.
CREATE TABLE member_enrolments (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    valid_from  timestamptz NOT NULL,
    enrolled    boolean NOT NULL,
    team        text,
    region      text,
    PRIMARY KEY (program_id, member_id, valid_from)
);

-- Each member's audience per network from an instant on: a share reaches the audience its sharer had then.
CREATE TABLE member_audiences (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    valid_from  timestamptz NOT NULL,
    audience    jsonb NOT NULL,
    PRIMARY KEY (program_id, member_id, valid_from)
);

CREATE FUNCTION rally_record_member_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR (NEW.enrolled, NEW.team, NEW.region) IS DISTINCT FROM (OLD.enrolled, OLD.team, OLD.region) THEN
        INSERT INTO member_enrolments (program_id, member_id, valid_from, enrolled, team, region)
        VALUES (NEW.program_id, NEW.member_id, now(), NEW.enrolled, NEW.team, NEW.region)
        ON CONFLICT (program_id, member_id, valid_from) DO UPDATE
            SET enrolled = EXCLUDED.enrolled, team = EXCLUDED.team, region = EXCLUDED.region;
    END IF;
    IF TG_OP = 'INSERT' OR NEW.audience IS DISTINCT FROM OLD.audience THEN
        INSERT INTO member_audiences (program_id, member_id, valid_from, audience)
        VALUES (NEW.program_id, NEW.member_id, now(), NEW.audience)
        ON CONFLICT (program_id, member_id, valid_from) DO UPDATE SET audience = EXCLUDED.audience;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER members_history AFTER INSERT OR UPDATE ON members
    FOR EACH ROW EXECUTE FUNCTION rally_record_member_history();

-- Members who exist already: their present state, from when they were created (the past before this is not known).
INSERT INTO member_enrolments (program_id, member_id, valid_from, enrolled, team, region)
SELECT program_id, member_id, created_at, enrolled, team, region FROM members;
INSERT INTO member_audiences (program_id, member_id, valid_from, audience)
SELECT program_id, member_id, created_at, audience FROM members;

-- Survey answers: eNPS (0-10) or satisfaction (1-5), from a member or anonymous, idempotent by the caller's id.
CREATE TABLE survey_responses (
    program_id   text NOT NULL REFERENCES programs (id),
    response_id  text NOT NULL,
    member_id    text,
    kind         text NOT NULL CHECK (kind IN ('enps', 'satisfaction')),
    score        smallint NOT NULL CHECK (score BETWEEN 0 AND 10),
    answered_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, response_id)
);
CREATE INDEX survey_responses_window ON survey_responses (program_id, kind, answered_at);
