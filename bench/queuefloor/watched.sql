-- The queue now (migration 9): as pipelined, but the batch's recipients
-- are read once (a trigger tells workers of later changes; in bantin the
-- claim reads them, here a statement after it), the 100 outcomes are one
-- group (delivery.record_every 100), and the subscribers table leaves room
-- on its pages (watched-schema.sql) so that their update is in place.
WITH pick AS MATERIALIZED (SELECT first_subscriber AS first FROM queuefloor.delivery_batches WHERE edition_id = 3 AND next_at <= 2000 ORDER BY next_at LIMIT 1 FOR UPDATE SKIP LOCKED), claimed AS (UPDATE queuefloor.delivery_batches AS b SET owner = 'w', next_at = 100000 FROM pick WHERE b.edition_id = 3 AND b.first_subscriber = pick.first RETURNING first_subscriber, last_subscriber) SELECT min(c.first_subscriber) AS lo, min(c.last_subscriber) AS hi, array_agg(d.subscriber_id ORDER BY d.subscriber_id) AS ids FROM claimed c LEFT JOIN queuefloor.deliveries d ON d.edition_id = 3 AND d.subscriber_id BETWEEN c.first_subscriber AND c.last_subscriber AND d.status = 'queued' AND d.next_at <= 2000 \gset
SELECT * FROM queuefloor.subscribers WHERE id = ANY(:ids::bigint[]);
\startpipeline
UPDATE queuefloor.deliveries SET status = 'sent', sent_at = 5, attempts = attempts + 1, error = '' WHERE edition_id = 3 AND subscriber_id = ANY(:ids::bigint[]);
UPDATE queuefloor.subscribers SET bounces = 0, last_edition_until = CASE WHEN last_edition_until < 7 THEN 7 ELSE last_edition_until END WHERE id = ANY(:ids::bigint[]);
DELETE FROM queuefloor.delivery_batches WHERE edition_id = 3 AND first_subscriber = :lo AND owner = 'w' AND NOT EXISTS (SELECT 1 FROM queuefloor.deliveries d WHERE d.edition_id = 3 AND d.subscriber_id BETWEEN :lo AND :hi AND d.status = 'queued');
UPDATE queuefloor.delivery_batches SET owner = '', next_at = COALESCE((SELECT MIN(next_at) FROM queuefloor.deliveries d WHERE d.edition_id = 3 AND d.subscriber_id BETWEEN :lo AND :hi AND d.status = 'queued'), 0) WHERE edition_id = 3 AND first_subscriber = :lo AND owner = 'w';
\endpipeline
