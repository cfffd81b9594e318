-- One worker's turn before migration 8: claim 100 rows, re-read the
-- subscribers in groups of 20, record 2 groups of 50 (deliveries and
-- subscribers, in a transaction each).
WITH batch AS MATERIALIZED (SELECT subscriber_id AS claimed FROM queuefloor.deliveries WHERE edition_id = 3 AND status IN ('queued', 'sending') AND next_at <= 2000 ORDER BY next_at LIMIT 100 FOR UPDATE SKIP LOCKED), u AS (UPDATE queuefloor.deliveries AS d SET status = 'sending', owner = 'w', next_at = 100000 FROM batch WHERE d.edition_id = 3 AND d.subscriber_id = batch.claimed RETURNING subscriber_id) SELECT array_agg(subscriber_id) AS ids FROM u \gset
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[1:20]);
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[21:40]);
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[41:60]);
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[61:80]);
SELECT * FROM queuefloor.subscribers WHERE id = ANY((:ids::bigint[])[81:100]);
BEGIN;
UPDATE queuefloor.deliveries SET status = 'sent', sent_at = 5, attempts = attempts + 1, owner = '', error = '' WHERE edition_id = 3 AND subscriber_id = ANY((:ids::bigint[])[1:50]);
UPDATE queuefloor.subscribers SET bounces = 0, last_edition_until = CASE WHEN last_edition_until < 7 THEN 7 ELSE last_edition_until END WHERE id = ANY((:ids::bigint[])[1:50]);
COMMIT;
BEGIN;
UPDATE queuefloor.deliveries SET status = 'sent', sent_at = 5, attempts = attempts + 1, owner = '', error = '' WHERE edition_id = 3 AND subscriber_id = ANY((:ids::bigint[])[51:100]);
UPDATE queuefloor.subscribers SET bounces = 0, last_edition_until = CASE WHEN last_edition_until < 7 THEN 7 ELSE last_edition_until END WHERE id = ANY((:ids::bigint[])[51:100]);
COMMIT;
