package store

import (
	"context"
	"fmt"
	"time"
)

// TakeRate counts one event of subject in bucket if fewer than limit were
// counted in the window before now, and reports whether it did. A limit
// below 1 allows everything and counts nothing. The count lives in the
// database, so every instance on it shares the limit; subject should be a
// keyed hash, never an address.
//
// The window slides: at most limit events in any span of window, however
// they fall, which a counter reset at fixed times cannot promise (limit at
// the end of one period and limit at the start of the next). Only allowed
// events are stored, so a flood of refused ones costs no space: a subject
// holds at most limit rows, deleted once they leave the window when the
// subject is next counted or by PurgeShareState.
func (db *DB) TakeRate(ctx context.Context, bucket, subject string, limit int, window time.Duration) (bool, error) {
	if limit < 1 {
		return true, nil
	}
	now := db.now()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: rate %s: %w", bucket, err)
	}
	defer tx.Rollback()
	if db.dialect.name() == "postgres" {
		// Serialize the count and the insert per subject across instances;
		// SQLite's immediate transactions already serialize all writers.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", bucket+":"+subject); err != nil {
			return false, fmt.Errorf("store: rate %s: %w", bucket, err)
		}
	}
	// Only this subject's expired rows: the rest are PurgeShareState's work, off
	// the path of a form post.
	if _, err := tx.ExecContext(ctx, db.dialect.rebind(
		"DELETE FROM rate_events WHERE bucket = ? AND subject = ? AND expires_at <= ?"), bucket, subject, micros(now)); err != nil {
		return false, fmt.Errorf("store: rate %s: %w", bucket, err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT COUNT(*) FROM rate_events WHERE bucket = ? AND subject = ? AND at > ?"),
		bucket, subject, micros(now.Add(-window))).Scan(&n); err != nil {
		return false, fmt.Errorf("store: rate %s: %w", bucket, err)
	}
	allowed := n < limit
	if allowed {
		if _, err := tx.ExecContext(ctx, db.dialect.rebind(
			"INSERT INTO rate_events (bucket, subject, at, expires_at) VALUES (?, ?, ?, ?)"),
			bucket, subject, micros(now), micros(now.Add(window))); err != nil {
			return false, fmt.Errorf("store: rate %s: %w", bucket, err)
		}
	}
	// Committed even when refused, to keep the clean-up of expired rows.
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: rate %s: %w", bucket, err)
	}
	return allowed, nil
}
