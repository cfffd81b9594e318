-- One worker's turn as migration 8 first had it: claim a batch, read its
-- due deliveries, re-read the subscribers in groups of 20, record 2 groups
-- of 50 in a transaction each, give the batch back.
WITH pick AS MATERIALIZED (SELECT first_subscriber AS first FROM queuefloor.delivery_batches WHERE edition_id = 3 AND next_at <= 2000 ORDER BY next_at LIMIT 1 FOR UPDATE SKIP LOCKED) UPDATE queuefloor.delivery_batches AS b SET owner = 'w', next_at = 100000 FROM pick WHERE b.edition_id = 3 AND b.first_subscriber = pick.first RETURNING first_subscriber AS lo, last_subscriber AS hi \gset
SELECT array_agg(subscriber_id) AS ids FROM queuefloor.deliveries WHERE edition_id = 3 AND subscriber_id BETWEEN :lo AND :hi AND status = 'queued' AND next_at <= 2000 \gset
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[1:20]);
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[21:40]);
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[41:60]);
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[61:80]);
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[81:100]);
BEGIN;
UPDATE queuefloor.deliveries SET status = 'sent', sent_at = 5, attempts = attempts + 1, error = '' WHERE edition_id = 3 AND subscriber_id = ANY((:ids::bigint[])[1:50]);
UPDATE queuefloor.subscribers SET bounces = 0, last_edition_until = CASE WHEN last_edition_until < 7 THEN 7 ELSE last_edition_until END WHERE id = ANY((:ids::bigint[])[1:50]);
COMMIT;
BEGIN;
UPDATE queuefloor.deliveries SET status = 'sent', sent_at = 5, attempts = attempts + 1, error = '' WHERE edition_id = 3 AND subscriber_id = ANY((:ids::bigint[])[51:100]);
UPDATE queuefloor.subscribers SET bounces = 0, last_edition_until = CASE WHEN last_edition_until < 7 THEN 7 ELSE last_edition_until END WHERE id = ANY((:ids::bigint[])[51:100]);
COMMIT;
BEGIN;
DELETE FROM queuefloor.delivery_batches WHERE edition_id = 3 AND first_subscriber = :lo AND owner = 'w' AND NOT EXISTS (SELECT 1 FROM queuefloor.deliveries d WHERE d.edition_id = 3 AND d.subscriber_id BETWEEN :lo AND :hi AND d.status = 'queued');
UPDATE queuefloor.delivery_batches SET owner = '', next_at = COALESCE((SELECT MIN(next_at) FROM queuefloor.deliveries d WHERE d.edition_id = 3 AND d.subscriber_id BETWEEN :lo AND :hi AND d.status = 'queued'), 0) WHERE edition_id = 3 AND first_subscriber = :lo AND owner = 'w';
COMMIT;
