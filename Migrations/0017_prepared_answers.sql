-- Answers about time under way (the participation of the month and week under way, the satisfaction of the last 30 and
-- 90 days, the `/metrics` gauges) as the scheduler's leader prepared them in the background, for every instance to read
-- instead of counting them again. Only what is costly to count is kept (a large program's answers, every program's
-- gauges); `good_until` is when the next preparation should have replaced it, after which an instance counts itself.
CREATE TABLE prepared_answers (
    program_id  text NOT NULL REFERENCES programs ON DELETE CASCADE,
    question    text NOT NULL,
    answer      jsonb NOT NULL,
    prepared_at timestamptz NOT NULL DEFAULT now(),
    good_until  timestamptz NOT NULL,
    PRIMARY KEY (program_id, question)
);
