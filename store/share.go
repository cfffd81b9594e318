package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// UseToken records the single-use token identified by hash as spent until
// expires. It returns false, and changes nothing, if it was spent already:
// the caller is looking at a replay.
func (db *DB) UseToken(ctx context.Context, hash string, expires time.Time) (bool, error) {
	res, err := db.sql.ExecContext(ctx, db.dialect.rebind(
		"INSERT INTO share_used_tokens (token_hash, expires_at) VALUES (?, ?) ON CONFLICT (token_hash) DO NOTHING"),
		hash, micros(expires))
	if err != nil {
		return false, fmt.Errorf("store: use token: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: use token: %w", err)
	}
	return n == 1, nil
}

// Suppress adds the keyed hash of an address to the share suppression
// list. Adding it twice is not an error.
func (db *DB) Suppress(ctx context.Context, emailHash string, now time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.dialect.rebind(
		"INSERT INTO share_suppressions (email_hash, created_at) VALUES (?, ?) ON CONFLICT (email_hash) DO NOTHING"),
		emailHash, micros(now))
	if err != nil {
		return fmt.Errorf("store: suppress: %w", err)
	}
	return nil
}

// Suppressed returns which of the keyed address hashes are on the share
// suppression list.
func (db *DB) Suppressed(ctx context.Context, emailHashes []string) (map[string]bool, error) {
	out := make(map[string]bool, len(emailHashes))
	if len(emailHashes) == 0 {
		return out, nil
	}
	args := make([]any, len(emailHashes))
	for i, h := range emailHashes {
		args[i] = h
	}
	q := "SELECT email_hash FROM share_suppressions WHERE email_hash IN (?" + strings.Repeat(", ?", len(args)-1) + ")"
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: suppressed: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("store: suppressed: %w", err)
		}
		out[h] = true
	}
	return out, rows.Err()
}

// PurgeShareState deletes what has expired: counters past their window
// (share and feedback limits), rate events past theirs (the subscribe
// form's limits, TakeRate), spent
// tokens past their expiry (so the keyed hashes of friends' addresses
// in counters live no longer than the longest window), and rejected
// feedback moderated before rejectedBefore (the zero time keeps it). It
// returns how many rows went.
func (db *DB) PurgeShareState(ctx context.Context, now, rejectedBefore time.Time) (int64, error) {
	var total int64
	del := func(q string, args ...any) error {
		res, err := db.sql.ExecContext(ctx, db.dialect.rebind(q), args...)
		if err != nil {
			return fmt.Errorf("store: purge share state: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		return nil
	}
	if err := del("DELETE FROM share_counters WHERE expires_at <= ?", micros(now)); err != nil {
		return total, err
	}
	if err := del("DELETE FROM share_used_tokens WHERE expires_at <= ?", micros(now)); err != nil {
		return total, err
	}
	if err := del("DELETE FROM rate_events WHERE expires_at <= ?", micros(now)); err != nil {
		return total, err
	}
	if !rejectedBefore.IsZero() {
		if err := del("DELETE FROM feedback WHERE status = ? AND moderated_at < ?", FeedbackRejected, micros(rejectedBefore)); err != nil {
			return total, err
		}
	}
	return total, nil
}
