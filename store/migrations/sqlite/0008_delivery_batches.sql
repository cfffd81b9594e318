-- Deliveries are claimed a batch at a time instead of a row at a time.
-- Claiming rows one by one wrote every delivery twice (claimed, then its
-- outcome), and instances claiming at once fought over the same pages of
-- the queue's index: on PostgreSQL most of the queue's cost. A batch is a
-- range of an edition's subscriber ids, cut when the edition is planned;
-- ranges never overlap, so holding the batch is holding its deliveries,
-- and a delivery row is written once, with its outcome.
--
-- A batch is due at next_at: its earliest queued delivery's next_at, or,
-- while a worker holds it (owner set), the end of that worker's lease. A
-- worker that dies leaves the batch to whoever claims it after the lease;
-- its deliveries still queued are sent then. A batch with nothing queued
-- left is deleted, so an edition whose batches are gone is sent.
CREATE TABLE delivery_batches (
    edition_id       BIGINT NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    first_subscriber BIGINT NOT NULL,
    last_subscriber  BIGINT NOT NULL,
    next_at          BIGINT NOT NULL,
    owner            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (edition_id, first_subscriber)
);
CREATE INDEX delivery_batches_due ON delivery_batches (edition_id, next_at);

-- Rows no longer move through "sending", and deliveries.owner stays empty
-- (the batch has the owner): give back what was claimed, and cut batches
-- of 100 for what is still to send.
UPDATE deliveries SET status = 'queued', owner = '' WHERE status = 'sending';
INSERT INTO delivery_batches (edition_id, first_subscriber, last_subscriber, next_at)
SELECT edition_id, MIN(subscriber_id), MAX(subscriber_id), MIN(next_at)
FROM (SELECT edition_id, subscriber_id, next_at,
        (ROW_NUMBER() OVER (PARTITION BY edition_id ORDER BY subscriber_id) - 1) / 100 AS batch
    FROM deliveries WHERE status = 'queued') queued
GROUP BY edition_id, batch;

-- Nothing looks deliveries up by status and time any more: the batches
-- do. Without this index, recording an outcome changes no indexed column,
-- and the index need not follow the row.
DROP INDEX deliveries_due;
