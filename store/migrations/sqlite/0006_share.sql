-- "Gửi cho bạn bè" and "Phản hồi" (package share). Times are BIGINT
-- microseconds since the Unix epoch, UTC, as everywhere.
--
-- Nothing here holds a friend's address in the clear: limits and the
-- suppression list key on keyed hashes (internal/token Hash, under a key kept
-- in the secrets table), and a share waiting for its sender's confirmation
-- lives only in the sealed confirmation link, never in the database.

-- Abuse-limit counters, shared by every instance on the database. A counter
-- is a window that starts at its first hit and lasts until expires_at; a hit
-- after that starts a new window. key names the limit and a keyed hash
-- ("rcpt-day:3f2a..."), never an address.
CREATE TABLE share_counters (
    key        TEXT PRIMARY KEY,
    hits       INTEGER NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX share_counters_by_expiry ON share_counters (expires_at);

-- Recipients who followed "Không nhận email chia sẻ nữa": the keyed hash of
-- the normalized address. Kept for good: that is what they asked for.
CREATE TABLE share_suppressions (
    email_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- Single-use tokens already spent (form tokens, confirmation links), by a
-- hash of their nonce, until the token would have expired anyway.
CREATE TABLE share_used_tokens (
    token_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE INDEX share_used_tokens_by_expiry ON share_used_tokens (expires_at);

-- The moderation queue of "Phản hồi". The submitter's name, address and
-- phone are kept in the clear: editors answer them. status is pending,
-- approved or rejected; notified_at is when editors were told (0: not yet).
CREATE TABLE feedback (
    id           INTEGER PRIMARY KEY,
    article_id   TEXT NOT NULL,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    language     TEXT NOT NULL DEFAULT 'vi',
    verified     BOOLEAN NOT NULL DEFAULT FALSE,
    status       TEXT NOT NULL,
    ip_hash      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    moderated_at BIGINT NOT NULL DEFAULT 0,
    notified_at  BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX feedback_by_status ON feedback (status, id);
CREATE INDEX feedback_by_article ON feedback (article_id, status, created_at);
CREATE INDEX feedback_unnotified ON feedback (notified_at, id);

-- When editors were last told about new feedback: one row, so that the
-- instances on one database send at most one notice per interval between
-- them (a compare-and-set on last_sent_at).
CREATE TABLE feedback_notify (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    last_sent_at BIGINT NOT NULL
);

INSERT INTO feedback_notify (id, last_sent_at) VALUES (1, 0);
