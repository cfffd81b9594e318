-- The queue after migration 10: as watched, but each recipient's window
-- is read with them from their latest delivery that used one up, and
-- recording the outcomes writes the deliveries only (until_at), no
-- subscriber row.
WITH pick AS MATERIALIZED (SELECT first_subscriber AS first FROM queuefloor.delivery_batches WHERE edition_id = 3 AND next_at <= 2000 ORDER BY next_at LIMIT 1 FOR UPDATE SKIP LOCKED), claimed AS (UPDATE queuefloor.delivery_batches AS b SET owner = 'w', next_at = 100000 FROM pick WHERE b.edition_id = 3 AND b.first_subscriber = pick.first RETURNING first_subscriber, last_subscriber) SELECT min(c.first_subscriber) AS lo, min(c.last_subscriber) AS hi, array_agg(d.subscriber_id ORDER BY d.subscriber_id) AS ids FROM claimed c LEFT JOIN queuefloor.deliveries d ON d.edition_id = 3 AND d.subscriber_id BETWEEN c.first_subscriber AND c.last_subscriber AND d.status = 'queued' AND d.next_at <= 2000 \gset
SELECT s.*, GREATEST(s.last_edition_until, COALESCE((SELECT w.until_at FROM queuefloor.deliveries w WHERE w.subscriber_id = s.id AND w.until_at > 0 ORDER BY w.edition_id DESC LIMIT 1), 0)) FROM queuefloor.subscribers s WHERE id = ANY(:ids::bigint[]);
\startpipeline
UPDATE queuefloor.deliveries SET status = 'sent', sent_at = 5, attempts = attempts + 1, error = '', until_at = 7 WHERE edition_id = 3 AND subscriber_id = ANY(:ids::bigint[]);
DELETE FROM queuefloor.delivery_batches WHERE edition_id = 3 AND first_subscriber = :lo AND owner = 'w' AND NOT EXISTS (SELECT 1 FROM queuefloor.deliveries d WHERE d.edition_id = 3 AND d.subscriber_id BETWEEN :lo AND :hi AND d.status = 'queued');
UPDATE queuefloor.delivery_batches SET owner = '', next_at = COALESCE((SELECT MIN(next_at) FROM queuefloor.deliveries d WHERE d.edition_id = 3 AND d.subscriber_id BETWEEN :lo AND :hi AND d.status = 'queued'), 0) WHERE edition_id = 3 AND first_subscriber = :lo AND owner = 'w';
\endpipeline
