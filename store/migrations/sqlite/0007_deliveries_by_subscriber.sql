-- Erasing a subscriber (store.EraseSubscriber) deletes their delivery
-- history with them: which editions a person was sent, and what became of
-- each, is data about them. This index finds their rows without scanning
-- the table. (Building it holds writes to deliveries back until it is
-- done, which on a large installation may take a while.)
CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id);

-- Erasures before this migration left their subscribers' deliveries
-- behind. A subscriber row is deleted only by an erasure, so a delivery
-- whose subscriber is gone belongs to someone who asked to be erased.
-- editions.recipients, counted at planning, keeps counting them.
DELETE FROM deliveries
WHERE NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = deliveries.subscriber_id);
