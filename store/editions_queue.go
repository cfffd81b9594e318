package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The delivery queue is the deliveries table itself (see
// newsletter/delivery.go for why): this file holds its operations. Every
// one is a short transaction, so that SQLite's single writer is never held
// for long; PostgreSQL adds FOR UPDATE SKIP LOCKED to the claim so that
// instances claim different rows without waiting for each other.

// Delivery statuses.
const (
	DeliveryQueued  = "queued"  // to send, at next_at or later
	DeliverySending = "sending" // claimed by a worker until next_at
	DeliverySent    = "sent"    // the server accepted it
	DeliveryFailed  = "failed"  // given up: attempts or age exhausted, or refused for a reason not the address's
	DeliveryBounced = "bounced" // the server refused the address
	DeliverySkipped = "skipped" // not sent: the subscriber left, nothing new for them, or the edition was skipped
)

// Claim is one delivery a worker has claimed.
type Claim struct {
	EditionID    int64
	SubscriberID int64
	// Attempts is how many times sending it has failed temporarily.
	Attempts int
}

// ClaimDeliveries claims up to limit deliveries of edition that are due at
// now, for owner, until now+lease: queued ones whose backoff has passed, and
// ones whose previous owner's lease ran out (it crashed, or stalled).
func (db *DB) ClaimDeliveries(ctx context.Context, edition int64, owner string, now time.Time, lease time.Duration, limit int) ([]Claim, error) {
	lock := ""
	if db.dialect.name() == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// The batch is picked once, in a materialized CTE, before any row is
	// updated. Written as "IN (SELECT ... LIMIT n)", PostgreSQL may run
	// the subquery once per row of the edition when its statistics predate
	// the edition's rows (the usual case right after planning), and, SKIP
	// LOCKED seeing other rows each time, claim the whole edition in one
	// statement that runs for minutes.
	rows, err := db.cachedQuery(ctx, db.dialect.rebind(`WITH batch AS MATERIALIZED (SELECT subscriber_id AS claimed FROM deliveries
    WHERE edition_id = ? AND status IN ('queued', 'sending') AND next_at <= ?
    ORDER BY next_at LIMIT ?`+lock+`)
UPDATE deliveries AS d SET status = 'sending', owner = ?, next_at = ?
FROM batch WHERE d.edition_id = ? AND d.subscriber_id = batch.claimed
RETURNING subscriber_id, attempts`), edition, micros(now), limit, owner, micros(now.Add(lease)), edition)
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries of edition %d: %w", edition, err)
	}
	defer rows.Close()
	claims := make([]Claim, 0, limit)
	for rows.Next() {
		c := Claim{EditionID: edition}
		if err := rows.Scan(&c.SubscriberID, &c.Attempts); err != nil {
			return nil, fmt.Errorf("store: claim deliveries of edition %d: %w", edition, err)
		}
		claims = append(claims, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: claim deliveries of edition %d: %w", edition, err)
	}
	return claims, nil
}

// RenewClaims moves the lease of owner's claims on subscribers of edition
// to until, for a worker still busy with them.
func (db *DB) RenewClaims(ctx context.Context, edition int64, owner string, subscribers []int64, until time.Time) error {
	if len(subscribers) == 0 {
		return nil
	}
	in, ids := db.idsIn("subscriber_id", subscribers)
	_, err := db.cachedExec(ctx, nil, db.dialect.rebind(`UPDATE deliveries SET next_at = ?
WHERE edition_id = ? AND owner = ? AND status = 'sending' AND `+in), append([]any{micros(until), edition, owner}, ids...)...)
	if err != nil {
		return fmt.Errorf("store: renew claims on edition %d: %w", edition, err)
	}
	return nil
}

// ReleaseClaims gives back owner's claims on subscribers of edition that
// it did not get to, due again at at, without counting an attempt.
func (db *DB) ReleaseClaims(ctx context.Context, edition int64, owner string, subscribers []int64, at time.Time) error {
	if len(subscribers) == 0 {
		return nil
	}
	in, ids := db.idsIn("subscriber_id", subscribers)
	_, err := db.sql.ExecContext(ctx, db.dialect.rebind(`UPDATE deliveries SET status = 'queued', owner = '', next_at = ?
WHERE edition_id = ? AND owner = ? AND status = 'sending' AND `+in), append([]any{micros(at), edition, owner}, ids...)...)
	if err != nil {
		return fmt.Errorf("store: release claims on edition %d: %w", edition, err)
	}
	return nil
}

// SubscribersByIDs returns the subscribers with these ids that exist, by
// id.
func (db *DB) SubscribersByIDs(ctx context.Context, ids []int64) (map[int64]*Subscriber, error) {
	out := make(map[int64]*Subscriber, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := db.idsIn("id", ids)
	rows, err := db.cachedQuery(ctx, db.dialect.rebind("SELECT "+subscriberColumns+" FROM subscribers WHERE "+in), args...)
	if err != nil {
		return nil, fmt.Errorf("store: subscribers by id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanSubscriber(rows)
		if err != nil {
			return nil, fmt.Errorf("store: subscribers by id: %w", err)
		}
		out[s.ID] = s
	}
	return out, rows.Err()
}

// DeliveryResult is what became of one claimed delivery.
type DeliveryResult struct {
	EditionID, SubscriberID int64
	// Status is DeliverySent, DeliveryQueued (try again at NextAt),
	// DeliveryFailed, DeliveryBounced or DeliverySkipped.
	Status string
	NextAt time.Time
	// Attempted counts this try as an attempt; a try that never reached
	// the server (it was down) does not count.
	Attempted bool
	// Error says why it was not sent; empty when it was.
	Error string
	// Until, when set, moves the subscriber's last edition on to it: they
	// got the edition, or there was nothing new for them in it.
	Until time.Time
}

// RecordDeliveries stores the results of owner's claims, in one
// transaction. A sent delivery is recorded whoever holds the claim now (it
// went out); any other result only while owner still holds it. A bounce
// counts against the subscriber, who is marked bounced at
// bounceThreshold; a delivery that went out clears their count.
func (db *DB) RecordDeliveries(ctx context.Context, owner string, results []DeliveryResult, bounceThreshold int) error {
	if len(results) == 0 {
		return nil
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: record deliveries: %w", err)
	}
	defer tx.Rollback()
	now := micros(db.now())

	// Sent deliveries, the bulk of them, are recorded a statement per
	// edition, not per row.
	type group struct {
		until int64
		ids   []int64
	}
	sent := map[int64]*group{}
	advance := map[int64][]int64{} // until -> subscribers, for "nothing new"
	for _, r := range results {
		if r.Status == DeliverySent {
			g := sent[r.EditionID]
			if g == nil {
				g = &group{until: micros(r.Until)}
				sent[r.EditionID] = g
			}
			g.ids = append(g.ids, r.SubscriberID)
			continue
		}
		attempted := 0
		if r.Attempted {
			attempted = 1
		}
		_, err := db.cachedExec(ctx, tx, db.dialect.rebind(`UPDATE deliveries SET status = ?, next_at = ?, attempts = attempts + ?,
    owner = '', error = ? WHERE edition_id = ? AND subscriber_id = ? AND owner = ? AND status = 'sending'`),
			r.Status, micros(r.NextAt), attempted, clipText(r.Error, 500), r.EditionID, r.SubscriberID, owner)
		if err != nil {
			return fmt.Errorf("store: record delivery: %w", err)
		}
		if r.Status == DeliveryBounced {
			_, err := tx.ExecContext(ctx, db.dialect.rebind(`UPDATE subscribers SET bounces = bounces + 1,
    status = CASE WHEN status = ? AND bounces + 1 >= ? THEN ? ELSE status END, updated_at = ? WHERE id = ?`),
				StatusActive, bounceThreshold, StatusBounced, now, r.SubscriberID)
			if err != nil {
				return fmt.Errorf("store: record bounce: %w", err)
			}
		}
		if !r.Until.IsZero() {
			u := micros(r.Until)
			advance[u] = append(advance[u], r.SubscriberID)
		}
	}
	for edition, g := range sent {
		in, ids := db.idsIn("subscriber_id", g.ids)
		_, err := db.cachedExec(ctx, tx, db.dialect.rebind(`UPDATE deliveries SET status = 'sent', sent_at = ?,
    attempts = attempts + 1, owner = '', error = '' WHERE edition_id = ? AND `+in), append([]any{now, edition}, ids...)...)
		if err != nil {
			return fmt.Errorf("store: record sent deliveries: %w", err)
		}
		in, ids = db.idsIn("id", g.ids)
		_, err = db.cachedExec(ctx, tx, db.dialect.rebind(`UPDATE subscribers SET bounces = 0,
    last_edition_until = CASE WHEN last_edition_until < ? THEN ? ELSE last_edition_until END
WHERE `+in), append([]any{g.until, g.until}, ids...)...)
		if err != nil {
			return fmt.Errorf("store: record sent deliveries: %w", err)
		}
	}
	for until, ids := range advance {
		in, idArgs := db.idsIn("id", ids)
		_, err = db.cachedExec(ctx, tx, db.dialect.rebind(`UPDATE subscribers SET
    last_edition_until = CASE WHEN last_edition_until < ? THEN ? ELSE last_edition_until END
WHERE `+in), append([]any{until, until}, idArgs...)...)
		if err != nil {
			return fmt.Errorf("store: record deliveries: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: record deliveries: %w", err)
	}
	return nil
}

// DeliveryCounts is how many deliveries of an edition are in each state.
type DeliveryCounts map[string]int

// Pending returns how many are still to send.
func (c DeliveryCounts) Pending() int { return c[DeliveryQueued] + c[DeliverySending] }

// Total returns how many there are.
func (c DeliveryCounts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// EditionDeliveryCounts counts edition's deliveries by status.
func (db *DB) EditionDeliveryCounts(ctx context.Context, edition int64) (DeliveryCounts, error) {
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(
		"SELECT status, COUNT(*) FROM deliveries WHERE edition_id = ? GROUP BY status"), edition)
	if err != nil {
		return nil, fmt.Errorf("store: delivery counts of edition %d: %w", edition, err)
	}
	defer rows.Close()
	c := DeliveryCounts{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("store: delivery counts of edition %d: %w", edition, err)
		}
		c[s] = n
	}
	return c, rows.Err()
}

// SentSince counts edition's deliveries sent after t, for a sending rate.
func (db *DB) SentSince(ctx context.Context, edition int64, t time.Time) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT COUNT(*) FROM deliveries WHERE edition_id = ? AND status = ? AND sent_at > ?"),
		edition, DeliverySent, micros(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: sent deliveries of edition %d: %w", edition, err)
	}
	return n, nil
}

// QueueState says what is left of an edition's queue at a moment.
type QueueState struct {
	// Due is how many deliveries could be claimed now.
	Due int
	// Claimed is how many are claimed, their lease still running.
	Claimed int
	// Waiting is how many wait for a retry later; NextAt is the first.
	Waiting int
	NextAt  time.Time
}

// EditionQueue reports what is left to send of edition at now.
func (db *DB) EditionQueue(ctx context.Context, edition int64, now time.Time) (QueueState, error) {
	var q QueueState
	var next sql.NullInt64
	err := db.sql.QueryRowContext(ctx, db.dialect.rebind(`SELECT
    COALESCE(SUM(CASE WHEN next_at <= ? THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = 'sending' AND next_at > ? THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = 'queued' AND next_at > ? THEN 1 ELSE 0 END), 0),
    MIN(CASE WHEN status = 'queued' AND next_at > ? THEN next_at END)
FROM deliveries WHERE edition_id = ? AND status IN ('queued', 'sending')`),
		micros(now), micros(now), micros(now), micros(now), edition).Scan(&q.Due, &q.Claimed, &q.Waiting, &next)
	if err != nil {
		return q, fmt.Errorf("store: queue of edition %d: %w", edition, err)
	}
	if next.Valid {
		q.NextAt = fromMicros(next.Int64)
	}
	return q, nil
}

// PauseDelivery pauses delivery everywhere: workers claim nothing until
// ResumeDelivery. Pausing twice is the same as once.
func (db *DB) PauseDelivery(ctx context.Context) error {
	_, err := db.sql.ExecContext(ctx, db.dialect.rebind(
		"INSERT INTO delivery_pause (id, paused_at) VALUES (1, ?) ON CONFLICT (id) DO NOTHING"), micros(db.now()))
	if err != nil {
		return fmt.Errorf("store: pause delivery: %w", err)
	}
	return nil
}

// ResumeDelivery ends a pause.
func (db *DB) ResumeDelivery(ctx context.Context) error {
	if _, err := db.sql.ExecContext(ctx, "DELETE FROM delivery_pause"); err != nil {
		return fmt.Errorf("store: resume delivery: %w", err)
	}
	return nil
}

// DeliveryPausedAt returns when delivery was paused, or the zero time
// when it is not.
func (db *DB) DeliveryPausedAt(ctx context.Context) (time.Time, error) {
	var at int64
	err := db.sql.QueryRowContext(ctx, "SELECT paused_at FROM delivery_pause WHERE id = 1").Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: delivery pause: %w", err)
	}
	return fromMicros(at), nil
}

// EditionTick is the schedule state of one cadence.
type EditionTick struct {
	// Last is the last schedule tick handled; zero before the first.
	Last time.Time
	// SkipThrough is the tick through which editions are skipped.
	SkipThrough time.Time
}

// EditionTick returns the schedule state of cadence.
func (db *DB) EditionTick(ctx context.Context, cadence string) (EditionTick, error) {
	var last, skip int64
	err := db.sql.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT last_tick, skip_through FROM edition_ticks WHERE cadence = ?"), cadence).Scan(&last, &skip)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return EditionTick{}, fmt.Errorf("store: schedule of %s: %w", cadence, err)
	}
	return EditionTick{Last: fromMicros(last), SkipThrough: fromMicros(skip)}, nil
}

// SetLastTick records that the tick at t of cadence has been handled.
func (db *DB) SetLastTick(ctx context.Context, cadence string, t time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.dialect.rebind(`INSERT INTO edition_ticks (cadence, last_tick) VALUES (?, ?)
ON CONFLICT (cadence) DO UPDATE SET last_tick = excluded.last_tick`), cadence, micros(t))
	if err != nil {
		return fmt.Errorf("store: schedule of %s: %w", cadence, err)
	}
	return nil
}

// SkipThrough makes the scheduler skip the editions of cadence due up to
// and including t.
func (db *DB) SkipThrough(ctx context.Context, cadence string, t time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.dialect.rebind(`INSERT INTO edition_ticks (cadence, skip_through) VALUES (?, ?)
ON CONFLICT (cadence) DO UPDATE SET skip_through = excluded.skip_through`), cadence, micros(t))
	if err != nil {
		return fmt.Errorf("store: skip %s: %w", cadence, err)
	}
	return nil
}

// idsIn returns the condition that column is one of ids, and its
// arguments. On PostgreSQL it is one array parameter, "column = ANY(?)":
// the statement's text is then the same however many ids there are, so
// each connection prepares it once, where an IN list of n placeholders is
// a new statement to parse and plan for every n. SQLite has no arrays.
func (db *DB) idsIn(column string, ids []int64) (string, []any) {
	if db.dialect.name() == "postgres" {
		return column + " = ANY(?)", []any{ids}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return column + " IN (?" + strings.Repeat(", ?", len(ids)-1) + ")", args
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
