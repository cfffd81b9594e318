package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The delivery queue is the deliveries table itself (see
// newsletter/delivery.go for why), claimed in batches (delivery_batches,
// migration 0008): this file holds its operations. Every one is a short
// transaction, so that SQLite's single writer is never held for long;
// PostgreSQL adds FOR UPDATE SKIP LOCKED to the claim so that instances
// claim different batches without waiting for each other.

// Delivery statuses.
const (
	DeliveryQueued  = "queued"  // to send, at next_at or later (a claim holds its batch, not the row)
	DeliverySent    = "sent"    // the server accepted it
	DeliveryFailed  = "failed"  // given up: attempts or age exhausted, or refused for a reason not the address's
	DeliveryBounced = "bounced" // the server refused the address
	DeliverySkipped = "skipped" // not sent: the subscriber left, nothing new for them, or the edition was skipped
)

// Claim is one delivery of a batch a worker has claimed.
type Claim struct {
	EditionID    int64
	SubscriberID int64
	// Attempts is how many times sending it has failed temporarily.
	Attempts int
	// Subscriber is the recipient as read by the claim when
	// Batch.RecipientsRead; nil when they no longer exist, or were not
	// read.
	Subscriber *Subscriber
}

// Batch is a claimed range of an edition's deliveries: those of the
// subscribers with ids from First to Last. Claims are its deliveries due
// when it was claimed; the others wait for a later claim of the batch.
type Batch struct {
	EditionID   int64
	First, Last int64
	Claims      []Claim
	// RecipientsRead says that the claim read each delivery's recipient
	// (Claim.Subscriber); on SQLite it does not.
	RecipientsRead bool
}

// BatchRelease gives a batch back once the outcomes of its deliveries
// are recorded. The batch is due again at its earliest delivery still
// queued, but not before NotBefore (for a mail server that is down); with
// nothing queued left, it is gone.
type BatchRelease struct {
	EditionID, First int64
	NotBefore        time.Time
}

// claimTries bounds how many batches ClaimBatch looks at in one call: a
// due batch can hold nothing due (its owner died after recording every
// outcome), and is then released and the next one tried.
const claimTries = 8

// ClaimBatch claims the earliest due batch of edition for owner, until
// now+lease, and returns it with its deliveries due at now and their
// recipients; nil when no batch is due. Due batches are those released with deliveries due, and
// those whose owner's lease ran out (it crashed, or stalled): their
// deliveries not yet recorded are sent again.
func (db *DB) ClaimBatch(ctx context.Context, edition int64, owner string, now time.Time, lease time.Duration) (*Batch, error) {
	for range claimTries {
		b, err := db.claimBatch(ctx, edition, owner, now, lease)
		if err != nil || b == nil || len(b.Claims) > 0 {
			return b, err
		}
		err = db.RecordDeliveries(ctx, owner, nil, []BatchRelease{{EditionID: edition, First: b.First}}, 0)
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// The claim's statements. The batch is picked in a materialized CTE,
// before it is updated, so that the LIMIT holds whatever plan PostgreSQL
// chooses (written as "IN (SELECT ... LIMIT 1)", a semi join may re-run
// the subquery per row and, SKIP LOCKED seeing other rows each time,
// claim many).
const (
	claimPick = `WITH pick AS MATERIALIZED (SELECT first_subscriber AS first FROM delivery_batches
    WHERE edition_id = ? AND next_at <= ? ORDER BY next_at LIMIT 1%s)`
	claimUpdate = `UPDATE delivery_batches AS b SET owner = ?, next_at = ?
FROM pick WHERE b.edition_id = ? AND b.first_subscriber = pick.first
RETURNING first_subscriber, last_subscriber`
	// The batch's range, with its deliveries due: a row each, or one row
	// with none for a batch with nothing due. On PostgreSQL each comes
	// with its recipient and their window (claimedWindowEnd), which
	// delivery workers listening for subscriber changes need not read
	// again (newsletter.SubscriberWatch); on SQLite, where they read
	// recipients in small groups anyway, reading them all here would be
	// wasted.
	claimRead = `SELECT c.first_subscriber, c.last_subscriber, COALESCE(d.subscriber_id, 0), COALESCE(d.attempts, 0)%s FROM %s c
LEFT JOIN deliveries d ON d.edition_id = ? AND d.subscriber_id BETWEEN c.first_subscriber AND c.last_subscriber
    AND d.status = 'queued' AND d.next_at <= ?%s`
)

// postgresClaimQuery is PostgreSQL's claim: the claim and the read in one
// statement, one round trip. Its transaction commits without waiting for
// the WAL to reach the disk (synchronous_commit off for it alone, set in
// the statement): a flush per claim was half of the queue's commit time.
// Nothing is lost that a flushed claim would keep: a claim lost in a
// server crash only makes its batch due again, and its deliveries not yet
// recorded are sent again whether or not the claim survived, as after any
// crash. Recording outcomes, which does need to last, still waits for the
// flush, and that flush carries every claim committed before it.
func (db *DB) postgresClaimQuery() string {
	return db.dialect.rebind(fmt.Sprintf(claimPick, " FOR UPDATE SKIP LOCKED") + `,
claimed AS (` + claimUpdate + `),
async AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
` + fmt.Sprintf(claimRead, ", "+db.claimedSubscriberCols, `async
CROSS JOIN (SELECT (SELECT created_at FROM editions WHERE id = ?) - ? AS settled) planned CROSS JOIN claimed`,
		"\nLEFT JOIN subscribers s ON s.id = d.subscriber_id") + `
ORDER BY d.subscriber_id`)
}

// postgresClaimArgs returns the arguments of postgresClaimQuery.
func postgresClaimArgs(edition int64, owner string, now time.Time, lease time.Duration) []any {
	return []any{edition, micros(now), owner, micros(now.Add(lease)), edition,
		edition, changeClockSkew.Microseconds(), edition, micros(now)}
}

func (db *DB) claimBatch(ctx context.Context, edition int64, owner string, now time.Time, lease time.Duration) (*Batch, error) {
	if db.dialect.name() == "postgres" {
		// Straight through pgx: a claim returns hundreds of rows of
		// seventeen columns, and database/sql's scanning (a lock and
		// boxed values per row) cost bantin more than the claim cost the
		// server.
		var b *Batch
		err := db.withPgxConn(ctx, func(conn *pgx.Conn) error {
			rows, err := conn.Query(ctx, db.claimQuery, postgresClaimArgs(edition, owner, now, lease)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			b, err = scanBatch(edition, rows, true)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("store: claim a batch of edition %d: %w", edition, err)
		}
		return b, nil
	}
	// SQLite has no UPDATE in a WITH: the claim, then the read.
	var first, last int64
	err := db.cachedQueryRow(ctx, fmt.Sprintf(claimPick, "")+"\n"+claimUpdate, edition, micros(now), owner, micros(now.Add(lease)), edition).Scan(&first, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim a batch of edition %d: %w", edition, err)
	}
	rows, err := db.cachedQuery(ctx, fmt.Sprintf(claimRead, "", "delivery_batches", "")+`
WHERE c.edition_id = ? AND c.first_subscriber = ?
ORDER BY d.subscriber_id`, edition, micros(now), edition, first)
	if err != nil {
		return nil, fmt.Errorf("store: claim a batch of edition %d: %w", edition, err)
	}
	defer rows.Close()
	b, err := scanBatch(edition, rows, false)
	if err != nil {
		return nil, fmt.Errorf("store: claim a batch of edition %d: %w", edition, err)
	}
	return b, nil
}

// rowScanner is what scanBatch reads: *sql.Rows or pgx.Rows.
type rowScanner interface {
	scanner
	Next() bool
	Err() error
}

// scanBatch reads a claimed batch from the rows of claimBatch's read,
// with their recipients if withRecipients. Each row is scanned into the
// same variables.
func scanBatch(edition int64, rows rowScanner, withRecipients bool) (*Batch, error) {
	var first, last, sub int64
	var attempts int
	var exists bool
	var recipient subscriberRow
	dest := []any{&first, &last, &sub, &attempts}
	if withRecipients {
		dest = append(append(dest, &exists), recipient.dests()...)
	}
	var b *Batch
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if b == nil {
			b = &Batch{EditionID: edition, First: first, Last: last, RecipientsRead: withRecipients}
		}
		if sub == 0 {
			continue // the batch's one row when nothing in it is due
		}
		c := Claim{EditionID: edition, SubscriberID: sub, Attempts: attempts}
		if withRecipients && exists {
			s, err := recipient.subscriber()
			if err != nil {
				return nil, err
			}
			c.Subscriber = s
		}
		b.Claims = append(b.Claims, c)
	}
	return b, rows.Err()
}

// RenewBatch moves the lease of owner's batch of edition starting at
// first on to until, for a worker still busy with it.
func (db *DB) RenewBatch(ctx context.Context, edition, first int64, owner string, until time.Time) error {
	_, err := db.cachedExec(ctx, nil, db.dialect.rebind(`UPDATE delivery_batches SET next_at = ?
WHERE edition_id = ? AND first_subscriber = ? AND owner = ?`), micros(until), edition, first, owner)
	if err != nil {
		return fmt.Errorf("store: renew a batch of edition %d: %w", edition, err)
	}
	return nil
}

// releaseStatements give back owner's batches. A batch another worker
// holds now (owner's lease ran out) is left alone.
func (db *DB) releaseStatements(owner string, releases []BatchRelease) []sqlStatement {
	var stmts []sqlStatement
	for _, r := range releases {
		// Deleted first when nothing is left, so that the update after
		// always finds a queued delivery.
		notBefore := micros(r.NotBefore)
		stmts = append(stmts, sqlStatement{db.dialect.rebind(`DELETE FROM delivery_batches
WHERE edition_id = ? AND first_subscriber = ? AND owner = ? AND NOT EXISTS (SELECT 1 FROM deliveries d
    WHERE d.edition_id = delivery_batches.edition_id AND d.subscriber_id BETWEEN delivery_batches.first_subscriber
    AND delivery_batches.last_subscriber AND d.status = 'queued')`), []any{r.EditionID, r.First, owner}},
			sqlStatement{db.dialect.rebind(`UPDATE delivery_batches SET owner = '', next_at = COALESCE((
    SELECT MIN(CASE WHEN d.next_at > ? THEN d.next_at ELSE ? END) FROM deliveries d
    WHERE d.edition_id = delivery_batches.edition_id AND d.subscriber_id BETWEEN delivery_batches.first_subscriber
    AND delivery_batches.last_subscriber AND d.status = 'queued'), ?)
WHERE edition_id = ? AND first_subscriber = ? AND owner = ?`), []any{notBefore, notBefore, notBefore, r.EditionID, r.First, owner}})
	}
	return stmts
}

// SubscribersByIDs returns the subscribers with these ids that exist, by
// id.
func (db *DB) SubscribersByIDs(ctx context.Context, ids []int64) (map[int64]*Subscriber, error) {
	out := make(map[int64]*Subscriber, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := db.idsIn("id", ids)
	rows, err := db.cachedQuery(ctx, db.dialect.rebind("SELECT "+db.subscriberCols+" FROM subscribers WHERE "+in), args...)
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
	// Until, when set, is the end of the window the delivery used up:
	// they got the edition, or there was nothing new for them in it. Their
	// next edition starts there.
	Until time.Time
	// ClearBounces says the subscriber's bounce count, read above zero
	// before this delivery was sent, goes back to zero now that it went
	// out. (Left unset for a count read as zero, so that an ordinary send
	// writes no subscriber row.)
	ClearBounces bool
}

// RecordDeliveries stores the results of owner's deliveries and then
// gives back the batches in releases, in one transaction. A sent delivery
// is recorded whoever holds its batch now (it went out); any other result
// only while owner still holds the batch and the delivery is queued. A
// bounce counts against the subscriber, who is marked bounced at
// bounceThreshold; a delivery that went out clears a count it was sent
// with (ClearBounces).
func (db *DB) RecordDeliveries(ctx context.Context, owner string, results []DeliveryResult, releases []BatchRelease, bounceThreshold int) error {
	if len(results) == 0 && len(releases) == 0 {
		return nil
	}
	now := micros(db.now())
	var others []DeliveryResult
	for _, r := range results {
		if r.Status != DeliverySent {
			others = append(others, r)
		}
	}
	if len(others) == 0 && db.dialect.name() == "postgres" {
		// The usual group: sent deliveries and batches to give back,
		// sent to the server in one round trip.
		stmts := append(db.sentStatements(results, now), db.releaseStatements(owner, releases)...)
		if err := db.execPipelined(ctx, stmts); err != nil {
			return fmt.Errorf("store: record deliveries: %w", err)
		}
		return nil
	}

	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: record deliveries: %w", err)
	}
	defer tx.Rollback()
	for _, r := range others {
		attempted := 0
		if r.Attempted {
			attempted = 1
		}
		res, err := db.cachedExec(ctx, tx, db.dialect.rebind(`UPDATE deliveries SET status = ?, next_at = ?, attempts = attempts + ?,
    error = ?, until_at = ? WHERE edition_id = ? AND subscriber_id = ? AND status = 'queued' AND EXISTS (SELECT 1 FROM delivery_batches b
    WHERE b.edition_id = deliveries.edition_id AND deliveries.subscriber_id BETWEEN b.first_subscriber AND b.last_subscriber
    AND b.owner = ?)`),
			r.Status, micros(r.NextAt), attempted, clipText(r.Error, 500), windowMicros(r.Until), r.EditionID, r.SubscriberID, owner)
		if err != nil {
			return fmt.Errorf("store: record delivery: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			continue // owner's lease ran out: the batch's new owner decides
		}
		if r.Status == DeliveryBounced {
			_, err := tx.ExecContext(ctx, db.dialect.rebind(`UPDATE subscribers SET bounces = bounces + 1,
    status = CASE WHEN status = ? AND bounces + 1 >= ? THEN ? ELSE status END, updated_at = ? WHERE id = ?`),
				StatusActive, bounceThreshold, StatusBounced, now, r.SubscriberID)
			if err != nil {
				return fmt.Errorf("store: record bounce: %w", err)
			}
		}
	}
	stmts := append(db.sentStatements(results, now), db.releaseStatements(owner, releases)...)
	if err := db.execAll(ctx, tx, stmts); err != nil {
		return fmt.Errorf("store: record deliveries: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: record deliveries: %w", err)
	}
	return nil
}

// sentStatements records the sent deliveries among results, a statement
// per edition, not one per row, and clears the bounce counts they were
// sent with.
func (db *DB) sentStatements(results []DeliveryResult, now int64) []sqlStatement {
	type group struct {
		until int64
		ids   []int64
	}
	var editions, cleared []int64
	sent := map[int64]*group{}
	for _, r := range results {
		if r.Status != DeliverySent {
			continue
		}
		g := sent[r.EditionID]
		if g == nil {
			g = &group{until: windowMicros(r.Until)}
			sent[r.EditionID] = g
			editions = append(editions, r.EditionID)
		}
		g.ids = append(g.ids, r.SubscriberID)
		if r.ClearBounces {
			cleared = append(cleared, r.SubscriberID)
		}
	}
	var stmts []sqlStatement
	for _, edition := range editions {
		g := sent[edition]
		in, ids := db.idsIn("subscriber_id", g.ids)
		stmts = append(stmts, sqlStatement{db.dialect.rebind(`UPDATE deliveries SET status = 'sent', sent_at = ?,
    attempts = attempts + 1, error = '', until_at = ? WHERE edition_id = ? AND ` + in), append([]any{now, g.until, edition}, ids...)})
	}
	if len(cleared) > 0 {
		in, ids := db.idsIn("id", cleared)
		stmts = append(stmts, sqlStatement{db.dialect.rebind("UPDATE subscribers SET bounces = 0 WHERE bounces <> 0 AND " + in), ids})
	}
	return stmts
}

// windowMicros is the deliveries.until_at of a window's end: 0 for none.
func windowMicros(until time.Time) int64 {
	if until.IsZero() {
		return 0
	}
	return micros(until)
}

// DeliveryCounts is how many deliveries of an edition are in each state.
type DeliveryCounts map[string]int

// Pending returns how many are still to send.
func (c DeliveryCounts) Pending() int { return c[DeliveryQueued] }

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

// EditionQueue reports what is left to send of edition at now. A
// delivery still queued counts as claimed while a worker holds its batch,
// and is otherwise due at its own time or its batch's, whichever is later.
func (db *DB) EditionQueue(ctx context.Context, edition int64, now time.Time) (QueueState, error) {
	var q QueueState
	var next sql.NullInt64
	n := micros(now)
	err := db.sql.QueryRowContext(ctx, db.dialect.rebind(`SELECT
    COALESCE(SUM(CASE WHEN NOT held AND due <= ? THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN held THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN NOT held AND due > ? THEN 1 ELSE 0 END), 0),
    MIN(CASE WHEN NOT held AND due > ? THEN due END)
FROM (SELECT b.owner <> '' AND b.next_at > ? AS held,
        CASE WHEN d.next_at > b.next_at THEN d.next_at ELSE b.next_at END AS due
    FROM delivery_batches b JOIN deliveries d ON d.edition_id = b.edition_id
        AND d.subscriber_id BETWEEN b.first_subscriber AND b.last_subscriber
    WHERE b.edition_id = ? AND d.status = 'queued') queued`),
		n, n, n, n, edition).Scan(&q.Due, &q.Claimed, &q.Waiting, &next)
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
