-- Three changes that make sending an edition cheaper on PostgreSQL.
--
-- 1. Every edition updates each recipient's row once (last_edition_until,
-- bounces), in groups of neighbouring ids. None of those columns is
-- indexed, so PostgreSQL can rewrite the row in place (a HOT update) when
-- its page has room; on a full page it writes the new version elsewhere
-- and adds an entry to each of the table's three indexes. Pages kept part
-- empty make most of those updates HOT. Rows already stored move to such
-- pages as the next edition updates them.
ALTER TABLE subscribers SET (fillfactor = 80);

-- 2. Planning an edition inserts a delivery per recipient, and the
-- foreign key to editions cost a lookup and a row lock on the edition per
-- insert: more than half of planning. Deliveries are only ever inserted
-- for the edition being planned, in the transaction that reads it, and no
-- code deletes editions; the key guarded nothing that can happen. SQLite
-- keeps its key (dropping one means rebuilding the table, and its checks
-- are cheap lookups in the same process).
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_edition_id_fkey;

-- 3. Delivery workers read their recipients once per batch and are told
-- of any change to one of them after that read, instead of reading them
-- again every 20 messages (see newsletter.SubscriberWatch). The trigger
-- covers every writer: the instances, the commands and hand-made SQL.
-- Only the columns a message depends on count: the updates that sending
-- itself makes (last_edition_until, bounces, updated_at) notify nobody.
-- Channels are database-wide: the payload names the schema.
CREATE FUNCTION bantin_notify_subscriber_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('bantin_subscribers', TG_TABLE_SCHEMA || ':' || OLD.id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER subscribers_changed AFTER UPDATE ON subscribers FOR EACH ROW
    WHEN ((OLD.email, OLD.name, OLD.status, OLD.cadence, OLD.categories, OLD.send_hour, OLD.language)
        IS DISTINCT FROM (NEW.email, NEW.name, NEW.status, NEW.cadence, NEW.categories, NEW.send_hour, NEW.language))
    EXECUTE FUNCTION bantin_notify_subscriber_change();

CREATE TRIGGER subscribers_deleted AFTER DELETE ON subscribers FOR EACH ROW
    EXECUTE FUNCTION bantin_notify_subscriber_change();
