-- A subscriber's window (where their next digest starts) was written to
-- their row with every message sent: a second row write per recipient,
-- as costly as recording the delivery itself. The delivery row now says
-- it: until_at is the end of the window it used up (the edition's end,
-- when the recipient got the edition or had nothing new in it; 0 when
-- not). A subscriber's window starts at the until_at of their latest
-- delivery that has one, or at subscribers.last_edition_until if that is
-- later: the column is no longer written by sending, and keeps the
-- windows of the deliveries recorded before this migration.
ALTER TABLE deliveries ADD COLUMN until_at BIGINT NOT NULL DEFAULT 0;

-- That latest delivery is found from the subscriber, newest edition
-- first. (until_at stays out of every index, so that recording an
-- outcome remains an in-place update.)
DROP INDEX deliveries_by_subscriber;
CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id, edition_id);
