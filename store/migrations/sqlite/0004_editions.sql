-- An edition is one digest of one cadence, cut at a schedule tick. Its
-- window (since_at, until_at] is what the web view and the archive show;
-- each recipient's own window starts at their last edition instead (see
-- newsletter/edition.go), so that one edition after downtime covers the gap.
CREATE TABLE editions (
    id              INTEGER PRIMARY KEY,
    cadence         TEXT NOT NULL,
    since_at        BIGINT NOT NULL,
    until_at        BIGINT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    -- planning (deliveries being queued), sending, done, skipped
    status          TEXT NOT NULL,
    recipients      INTEGER NOT NULL DEFAULT 0,
    -- the last subscriber id queued, so that planning resumes after a crash
    planned_through BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX editions_by_cadence ON editions (cadence, id);
-- One edition per cadence and tick, however many instances plan it.
CREATE UNIQUE INDEX editions_by_tick ON editions (cadence, until_at);
CREATE INDEX editions_by_status ON editions (status, id);

-- The truth about delivery: one row per recipient per edition, whatever
-- runs the queue. The queue is this table itself: a worker claims due rows
-- by setting status to sending, owner to itself and next_at to the end of
-- its lease; a claim whose owner died is claimable again once the lease
-- has passed.
CREATE TABLE deliveries (
    edition_id    BIGINT NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    -- no foreign key: deleting a subscriber must not scan this table; a
    -- delivery whose subscriber is gone is skipped
    subscriber_id BIGINT NOT NULL,
    -- queued, sending, sent, failed, bounced, skipped
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    -- queued: not before this time (backoff); sending: the lease's end
    next_at       BIGINT NOT NULL,
    owner         TEXT NOT NULL DEFAULT '',
    sent_at       BIGINT NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (edition_id, subscriber_id)
) WITHOUT ROWID;

-- Only rows still to send are indexed for claiming, so the index shrinks
-- as an edition goes out. Queries must spell the condition the same way,
-- with literals, for the planner to use it.
CREATE INDEX deliveries_due ON deliveries (edition_id, next_at)
    WHERE status IN ('queued', 'sending');

-- The last schedule tick handled per cadence, so that a restart after
-- downtime sends one edition for the gap and not one per missed tick; and
-- the tick through which editions are skipped (bantin digest skip).
CREATE TABLE edition_ticks (
    cadence      TEXT PRIMARY KEY,
    last_tick    BIGINT NOT NULL DEFAULT 0,
    skip_through BIGINT NOT NULL DEFAULT 0
);

-- One row while delivery is paused (bantin digest pause), none otherwise.
CREATE TABLE delivery_pause (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    paused_at BIGINT NOT NULL
);
