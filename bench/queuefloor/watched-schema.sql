-- Migration 9 leaves a fifth of each subscribers page free for in-place
-- updates; rewritten here as the next edition's updates would lay it out.
ALTER TABLE queuefloor.subscribers SET (fillfactor = 80);
VACUUM FULL queuefloor.subscribers;
-- And the trigger that tells workers of subscriber changes, whose WHEN
-- the per-send update evaluates (and passes over).
CREATE FUNCTION queuefloor.notify_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('bantin_subscribers', TG_TABLE_SCHEMA || ':' || OLD.id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER subscribers_changed AFTER UPDATE ON queuefloor.subscribers FOR EACH ROW
    WHEN ((OLD.email, OLD.name, OLD.status, OLD.cadence, OLD.categories, OLD.send_hour, OLD.language)
        IS DISTINCT FROM (NEW.email, NEW.name, NEW.status, NEW.cadence, NEW.categories, NEW.send_hour, NEW.language))
    EXECUTE FUNCTION queuefloor.notify_change();
