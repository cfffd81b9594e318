-- Row-at-a-time claiming (before migration 8) needs the due index.
CREATE INDEX deliveries_due ON queuefloor.deliveries (edition_id, next_at) WHERE status IN ('queued', 'sending');
