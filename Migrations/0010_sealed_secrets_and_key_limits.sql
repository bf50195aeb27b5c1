-- Webhook secrets sealed at rest (AES-256-GCM, `SecretKeyring`): `secret_sealed` is nonce, ciphertext and tag, under
-- the key whose id is `secret_key_id`. Rows from before keep their plain `secret` until `rally serve` starts and seals
-- them; a row has one form or the other, never both.
ALTER TABLE webhooks ALTER COLUMN secret DROP NOT NULL;
ALTER TABLE webhooks ADD COLUMN secret_sealed bytea;
ALTER TABLE webhooks ADD COLUMN secret_key_id text;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_secret_one_form
    CHECK ((secret IS NULL) <> (secret_sealed IS NULL) AND (secret_sealed IS NULL) = (secret_key_id IS NULL));

-- A key's own limit, in requests a second (NULL: its role's, from the operator's settings).
ALTER TABLE api_keys ADD COLUMN rate_limit integer CHECK (rate_limit > 0);
