-- Trust: when each key was last used (kept to the minute: written at most once a minute per key).
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;

-- Every administrative change of a program, written in the transaction that makes it: who made it (a key id, or
-- "operator"), what (`action`), on what (`target`), and the resource before and after (null: it did not exist, or no
-- longer does). Secrets never enter it.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    program_id  text NOT NULL REFERENCES programs (id),
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL,
    before      jsonb,
    after       jsonb
);
CREATE INDEX audit_log_program ON audit_log (program_id, id);
