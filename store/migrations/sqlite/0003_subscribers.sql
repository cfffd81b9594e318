-- Secrets the daemon generates for itself (the token key when
-- security.secret_key is empty), shared by every instance on the database.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per address. email is normalized: trimmed, lower-case, the
-- domain in punycode, so one person is one row however they typed it.
CREATE TABLE subscribers (
    id                 INTEGER PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL DEFAULT '',
    -- pending (not confirmed), active, paused, unsubscribed, bounced
    status             TEXT NOT NULL,
    -- instant, daily, weekly
    cadence            TEXT NOT NULL,
    -- JSON array of category slugs; empty means every category
    categories         TEXT NOT NULL DEFAULT '[]',
    -- local hour (0-23) the subscriber asked for; -1 follows the schedule
    send_hour          INTEGER NOT NULL DEFAULT -1,
    language           TEXT NOT NULL DEFAULT 'vi',
    bounces            INTEGER NOT NULL DEFAULT 0,
    -- end of the window of the last edition sent to this subscriber, in
    -- microseconds; 0 before the first
    last_edition_until BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    confirmed_at       BIGINT NOT NULL DEFAULT 0,
    updated_at         BIGINT NOT NULL
);

CREATE INDEX subscribers_by_cadence ON subscribers (cadence, status, id);

-- The consent record (Decree 13/2023): what was agreed, when, from where
-- (a keyed hash of the IP address, never the address) and on which form
-- and text.
CREATE TABLE consents (
    id            INTEGER PRIMARY KEY,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    action        TEXT NOT NULL,
    at            BIGINT NOT NULL,
    ip_hash       TEXT NOT NULL DEFAULT '',
    form_version  TEXT NOT NULL DEFAULT '',
    text_version  TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT ''
);

CREATE INDEX consents_by_subscriber ON consents (subscriber_id, at);
