-- Migration 10: each delivery carries the window it used up, and a
-- subscriber's window is read from their latest such delivery.
ALTER TABLE queuefloor.deliveries ADD COLUMN until_at BIGINT NOT NULL DEFAULT 0;
DROP INDEX queuefloor.deliveries_by_subscriber;
CREATE INDEX deliveries_by_subscriber ON queuefloor.deliveries (subscriber_id, edition_id);
UPDATE queuefloor.deliveries SET until_at = edition_id WHERE status = 'sent';
UPDATE queuefloor.subscribers SET last_edition_until = 0;
VACUUM FULL queuefloor.deliveries;
