-- Badges HR defines (PUT …/badges/{badgeId}): the document as the contract writes it. A deleted badge keeps its row
-- (deleted_at), so that awards already given keep their name.
CREATE TABLE badges (
    program_id  text NOT NULL REFERENCES programs (id),
    badge_id    text NOT NULL,
    document    jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    PRIMARY KEY (program_id, badge_id)
);
