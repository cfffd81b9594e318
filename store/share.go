package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Charge is one abuse-limit counter that an action counts against: the
// action may happen only if, after adding N, the counter is at most Limit.
// A counter's window starts with its first hit and lasts Window; the next
// hit after it starts a new window at 1.
type Charge struct {
	// Key names the limit and its subject, such as "ip-hour:<hash>". It
	// must hold no personal data in the clear: hash addresses first.
	Key    string
	N      int
	Limit  int
	Window time.Duration
}

// ChargeLimits adds every charge's N to its counter, all or none: if any
// counter would exceed its Limit, nothing is added and the index of the
// first such charge met (in key order) is returned. It returns -1 when
// every charge fit. The counters live in the database so that every
// instance on it shares them; the upsert takes a row lock, so two
// instances cannot both take the last unit.
func (db *DB) ChargeLimits(ctx context.Context, now time.Time, charges []Charge) (int, error) {
	if len(charges) == 0 {
		return -1, nil
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: charge limits: %w", err)
	}
	defer tx.Rollback()
	q := db.dialect.rebind(`INSERT INTO share_counters (key, hits, expires_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN share_counters.expires_at <= ? THEN excluded.hits ELSE share_counters.hits + excluded.hits END,
    expires_at = CASE WHEN share_counters.expires_at <= ? THEN excluded.expires_at ELSE share_counters.expires_at END
RETURNING hits`)
	at := micros(now)
	// Rows are locked in key order, the same in every transaction, so
	// that two shares naming the same recipients in another order cannot
	// deadlock on PostgreSQL.
	order := make([]int, len(charges))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return charges[order[a]].Key < charges[order[b]].Key })
	for _, i := range order {
		c := charges[i]
		if c.N <= 0 || c.Window <= 0 {
			return 0, fmt.Errorf("store: charge %s: N and Window must be positive", c.Key)
		}
		var hits int
		if err := tx.QueryRowContext(ctx, q, c.Key, c.N, micros(now.Add(c.Window)), at, at).Scan(&hits); err != nil {
			return 0, fmt.Errorf("store: charge limits: %w", err)
		}
		if hits > c.Limit {
			return i, nil // the deferred rollback undoes every charge
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: charge limits: %w", err)
	}
	return -1, nil
}

// CheckLimits returns the index of the first charge that would take its
// counter over its limit, or -1, reading only. A flood is mostly requests
// already over a limit: answering them from a read keeps them off the one
// SQLite writer. It decides nothing: ChargeLimits, which writes, does.
func (db *DB) CheckLimits(ctx context.Context, now time.Time, charges []Charge) (int, error) {
	if len(charges) == 0 {
		return -1, nil
	}
	args := []any{micros(now)}
	for _, c := range charges {
		args = append(args, c.Key)
	}
	q := "SELECT key, hits FROM share_counters WHERE expires_at > ? AND key IN (?" + strings.Repeat(", ?", len(charges)-1) + ")"
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(q), args...)
	if err != nil {
		return 0, fmt.Errorf("store: check limits: %w", err)
	}
	defer rows.Close()
	hits := make(map[string]int, len(charges))
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return 0, fmt.Errorf("store: check limits: %w", err)
		}
		hits[k] = n
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: check limits: %w", err)
	}
	for i, c := range charges {
		if hits[c.Key]+c.N > c.Limit {
			return i, nil
		}
	}
	return -1, nil
}

// LimitHits returns the current count of the counter key, 0 when it has
// none or its window has passed; for tests and operators.
func (db *DB) LimitHits(ctx context.Context, now time.Time, key string) (int, error) {
	var hits int
	err := db.sql.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT hits FROM share_counters WHERE key = ? AND expires_at > ?"), key, micros(now)).Scan(&hits)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: limit hits: %w", err)
	}
	return hits, nil
}

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

// PurgeShareState deletes what has expired: counters past their window and
// spent tokens past their expiry (so the keyed hashes of friends' addresses
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
	if !rejectedBefore.IsZero() {
		if err := del("DELETE FROM feedback WHERE status = ? AND moderated_at < ?", FeedbackRejected, micros(rejectedBefore)); err != nil {
			return total, err
		}
	}
	return total, nil
}
