-- The tables the queue touches, shaped as bantin's migrations make them
-- (PostgreSQL, after migration 8), holding 50,000 daily subscribers, two
-- past editions sent to all of them and a third queued.
DROP SCHEMA IF EXISTS queuefloor CASCADE;
CREATE SCHEMA queuefloor;
SET search_path = queuefloor;
CREATE TABLE subscribers (
    id BIGSERIAL PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL, cadence TEXT NOT NULL, categories TEXT NOT NULL DEFAULT '[]',
    send_hour INTEGER NOT NULL DEFAULT -1, language TEXT NOT NULL DEFAULT 'vi',
    bounces INTEGER NOT NULL DEFAULT 0, last_edition_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL DEFAULT 0, confirmed_at BIGINT NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL DEFAULT 0);
CREATE INDEX subscribers_by_cadence ON subscribers (cadence, status, id);
INSERT INTO subscribers (email, name, status, cadence)
SELECT 'doc-gia-' || g || '@example.vn', 'Độc giả ' || g, 'active', 'daily' FROM generate_series(1, 50000) g;
CREATE TABLE deliveries (
    edition_id BIGINT NOT NULL, subscriber_id BIGINT NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at BIGINT NOT NULL, owner TEXT NOT NULL DEFAULT '',
    sent_at BIGINT NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (edition_id, subscriber_id)) WITH (fillfactor = 80);
CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id);
INSERT INTO deliveries (edition_id, subscriber_id, status, next_at, sent_at)
SELECT e, id, 'sent', 0, 1 FROM subscribers, generate_series(1, 2) e;
UPDATE subscribers SET last_edition_until = 2;
INSERT INTO deliveries (edition_id, subscriber_id, status, next_at) SELECT 3, id, 'queued', 1000 FROM subscribers;
CREATE TABLE delivery_batches (
    edition_id BIGINT NOT NULL, first_subscriber BIGINT NOT NULL, last_subscriber BIGINT NOT NULL,
    next_at BIGINT NOT NULL, owner TEXT NOT NULL DEFAULT '', PRIMARY KEY (edition_id, first_subscriber));
CREATE INDEX delivery_batches_due ON delivery_batches (edition_id, next_at);
INSERT INTO delivery_batches (edition_id, first_subscriber, last_subscriber, next_at)
SELECT 3, MIN(subscriber_id), MAX(subscriber_id), MIN(next_at)
FROM (SELECT subscriber_id, next_at, (ROW_NUMBER() OVER (ORDER BY subscriber_id) - 1) / 100 AS batch
    FROM deliveries WHERE edition_id = 3) q GROUP BY batch;
