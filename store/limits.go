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

// The abuse limits of "Gửi cho bạn bè" and "Phản hồi" are counters in the
// share_counters table, which is named after the
// feature that brought it: one row per counter, kept in the database so
// that every instance on it shares the limits. A request touches only the
// rows of its own counters: an expired counter is started again in place
// by the upsert of ChargeLimits, and expired rows are deleted in bulk by
// PurgeShareState, which bantin serve runs hourly, off the request path.
// The subscribe form's limits are sliding logs instead (TakeRate), since
// "at most 3 confirmation emails in 24 hours" must hold over any 24 hours.

// Charge is one abuse-limit counter that an action counts against: the
// action may happen only if, after adding N, the counter is at most Limit.
// A counter's window starts with its first hit and lasts Window; the next
// hit after it starts a new window at its N.
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
// every charge fit. The upsert takes a row lock, so two instances cannot
// both take the last unit.
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
			return 0, fmt.Errorf("store: charge %s: %w", c.Key, err)
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
		return 0, fmt.Errorf("store: limit hits of %s: %w", key, err)
	}
	return hits, nil
}
