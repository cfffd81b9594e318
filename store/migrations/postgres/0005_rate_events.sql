-- Rate limits shared by every instance on the database (subscriptions per
-- IP address, confirmation emails per address): one row per event that a
-- limit allowed, kept until it leaves its window. subject is a keyed hash
-- of what is limited (an IP address, an email address), never the value.
CREATE TABLE rate_events (
    bucket     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    at         BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX rate_events_by_subject ON rate_events (bucket, subject, at);
CREATE INDEX rate_events_by_expiry ON rate_events (expires_at);
