-- Times are BIGINT microseconds since the Unix epoch, UTC, in every dialect,
-- so that the same Go code reads and writes them everywhere.
CREATE TABLE articles (
    id            TEXT PRIMARY KEY,
    source_key    TEXT NOT NULL UNIQUE,
    slug          TEXT NOT NULL,
    title         TEXT NOT NULL,
    lead          TEXT NOT NULL DEFAULT '',
    body_html     TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    category_slug TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '[]',
    byline        TEXT NOT NULL DEFAULT '',
    images        TEXT NOT NULL DEFAULT '[]',
    link          TEXT NOT NULL DEFAULT '',
    newsletter    BOOLEAN NOT NULL DEFAULT TRUE,
    published_at  BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    content_hash  TEXT NOT NULL
);

CREATE INDEX articles_by_published ON articles (published_at DESC, id DESC);
CREATE INDEX articles_by_category ON articles (category_slug, published_at DESC, id DESC);

CREATE TABLE source_states (
    url           TEXT PRIMARY KEY,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    checked_at    BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT ''
);
