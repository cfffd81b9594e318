-- The PostgreSQL migration of the same number tunes that database for
-- sending (page room for in-place updates, no per-insert foreign-key
-- check) and notifies delivery workers of subscriber changes. A SQLite
-- file has one serve process, whose workers read their recipients just
-- before sending: nothing to do here but keep the two dialects in step.
SELECT 1;
