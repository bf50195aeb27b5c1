-- Rewards: a catalogue HR keeps, and the points members spend on it. Spending never touches the earning ledger, the
-- totals or the boards: a member's balance is their lifetime points (`member_totals`) less what they spent net
-- (`member_balances.spent`, the sum of their `balance_entries` negated).

-- What a member may redeem: its cost, the units left (NULL: no limit) and whether it may be redeemed now.
CREATE TABLE rewards (
    program_id  text NOT NULL REFERENCES programs (id),
    reward_id   text NOT NULL,
    name        text NOT NULL,
    cost        bigint NOT NULL CHECK (cost > 0),
    stock       bigint CHECK (stock >= 0),
    active      boolean NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, reward_id)
);

-- One redemption per id (a retry finds it): `pending` until an admin approves, rejects (points and the unit given
-- back) or fulfils it. `balance` is the member's balance just after it was made, or refunded.
CREATE TABLE redemptions (
    program_id     text NOT NULL,
    redemption_id  text NOT NULL,
    member_id      text NOT NULL,
    reward_id      text NOT NULL,
    cost           bigint NOT NULL,
    status         text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'fulfilled')),
    balance        bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, redemption_id),
    FOREIGN KEY (program_id, reward_id) REFERENCES rewards (program_id, reward_id)
);
CREATE INDEX redemptions_queue ON redemptions (program_id, status, created_at, redemption_id);
CREATE INDEX redemptions_member ON redemptions (program_id, member_id, created_at);

-- What each member spent net; its row is what concurrent redemptions of one member queue on.
CREATE TABLE member_balances (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    spent       bigint NOT NULL,
    PRIMARY KEY (program_id, member_id)
);

-- Every step of every redemption, in order: `spent` (−cost), `approved` and `fulfilled` (0), `refunded` (+cost).
CREATE TABLE balance_entries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id     text NOT NULL,
    member_id      text NOT NULL,
    redemption_id  text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('spent', 'approved', 'refunded', 'fulfilled')),
    points         bigint NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX balance_entries_member ON balance_entries (program_id, member_id, id);
