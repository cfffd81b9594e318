package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/article"
)

// Cadences: how often a subscriber gets a digest.
const (
	CadenceInstant = "instant"
	CadenceDaily   = "daily"
	CadenceWeekly  = "weekly"
)

// Edition statuses.
const (
	EditionPlanning = "planning" // deliveries are being queued
	EditionSending  = "sending"  // deliveries are queued; workers send them
	EditionDone     = "done"     // no delivery is left to send
	EditionSkipped  = "skipped"  // stopped by an operator; what was left was not sent
)

// Edition is one digest of one cadence.
type Edition struct {
	ID      int64
	Cadence string
	// Since and Until bound the edition's own window, (Since, Until]: what
	// the web view and the archive show. A recipient's digest covers their
	// own window, from their last edition to Until.
	Since, Until time.Time
	// Subject is the subject of the whole edition, for the archive.
	Subject    string
	Status     string
	Recipients int
	// PlannedThrough is the highest subscriber id queued so far.
	PlannedThrough int64
	CreatedAt      time.Time
	FinishedAt     time.Time
}

const editionColumns = `id, cadence, since_at, until_at, subject, status, recipients, planned_through, created_at, finished_at`

func scanEdition(s scanner) (*Edition, error) {
	var e Edition
	var since, until, created, finished int64
	if err := s.Scan(&e.ID, &e.Cadence, &since, &until, &e.Subject, &e.Status, &e.Recipients,
		&e.PlannedThrough, &created, &finished); err != nil {
		return nil, err
	}
	e.Since, e.Until = fromMicros(since), fromMicros(until)
	e.CreatedAt, e.FinishedAt = fromMicros(created), fromMicros(finished)
	return &e, nil
}

// ErrEditionExists is returned by CreateEdition when the cadence already
// has an edition cut at the same time: another instance planned it.
var ErrEditionExists = errors.New("store: an edition of this cadence and time exists")

// CreateEdition stores e as a new edition in the planning state and sets
// its ID and CreatedAt. Deliveries are queued by PlanDeliveries.
func (db *DB) CreateEdition(ctx context.Context, e *Edition) error {
	e.Status = EditionPlanning
	e.CreatedAt = db.now().UTC()
	err := db.sql.QueryRowContext(ctx, db.dialect.rebind(`INSERT INTO editions
    (cadence, since_at, until_at, subject, status, created_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (cadence, until_at) DO NOTHING RETURNING id`),
		e.Cadence, micros(e.Since), micros(e.Until), e.Subject, e.Status, micros(e.CreatedAt)).Scan(&e.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrEditionExists
	}
	if err != nil {
		return fmt.Errorf("store: create edition: %w", err)
	}
	return nil
}

// PlanDeliveries queues a delivery of edition e for the next active
// subscribers of its cadence, at most limit of them, after e.PlannedThrough
// in id order, in one transaction that also moves e.PlannedThrough on. It
// returns how many it queued and whether every subscriber has been
// considered, in which case e is now sending.
//
// A subscriber who still has a delivery to send in another unfinished
// edition of the cadence is left out: their next edition starts where
// that one ends, so nobody gets the same articles twice.
func (db *DB) PlanDeliveries(ctx context.Context, e *Edition, limit int) (queued int, done bool, err error) {
	return db.PlanDeliveriesAt(ctx, e, limit, time.Time{})
}

// PlanDeliveriesAt is PlanDeliveries honouring subscribers' send hours:
// sendDay is the start of the local day the edition goes out, and a
// subscriber who chose hour H is queued for sendDay+H, or for the same
// hour the next day when that has passed. A zero sendDay, or an instant
// edition, queues everyone for now. (Hours are counted from local
// midnight, which is exact in zones without daylight saving, such as
// Asia/Ho_Chi_Minh.)
func (db *DB) PlanDeliveriesAt(ctx context.Context, e *Edition, limit int, sendDay time.Time) (queued int, done bool, err error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("store: plan edition %d: %w", e.ID, err)
	}
	defer tx.Rollback()

	// The last id of this chunk, so that the insert below is a range scan
	// of the subscribers_by_cadence index.
	var last sql.NullInt64
	err = tx.QueryRowContext(ctx, db.dialect.rebind(`SELECT MAX(id) FROM (SELECT id FROM subscribers
    WHERE cadence = ? AND status = ? AND id > ? ORDER BY id LIMIT ?) chunk`),
		e.Cadence, StatusActive, e.PlannedThrough, limit).Scan(&last)
	if err != nil {
		return 0, false, fmt.Errorf("store: plan edition %d: %w", e.ID, err)
	}
	if !last.Valid {
		_, err = tx.ExecContext(ctx, db.dialect.rebind(
			"UPDATE editions SET status = ? WHERE id = ? AND status = ?"), EditionSending, e.ID, EditionPlanning)
		if err != nil {
			return 0, false, fmt.Errorf("store: plan edition %d: %w", e.ID, err)
		}
		if err := tx.Commit(); err != nil {
			return 0, false, fmt.Errorf("store: plan edition %d: %w", e.ID, err)
		}
		e.Status = EditionSending
		return 0, true, nil
	}

	others, err := unfinishedEditions(ctx, tx, db, e.Cadence, e.ID)
	if err != nil {
		return 0, false, err
	}
	now := micros(db.now())
	nextAt, nextArgs := "CAST(? AS BIGINT)", []any{now}
	if !sendDay.IsZero() && e.Cadence != CadenceInstant {
		const hour = 3600000000 // microseconds
		day := micros(sendDay)
		nextAt = `CASE WHEN s.send_hour < 0 THEN CAST(? AS BIGINT)
    WHEN CAST(? AS BIGINT) + s.send_hour * ` + strconv.Itoa(hour) + ` >= CAST(? AS BIGINT) THEN CAST(? AS BIGINT) + s.send_hour * ` + strconv.Itoa(hour) + `
    ELSE CAST(? AS BIGINT) + (s.send_hour + 24) * ` + strconv.Itoa(hour) + ` END`
		nextArgs = []any{now, day, now, day, day}
	}
	prev, settled, err := previousEdition(ctx, tx, db, e)
	if err != nil {
		return 0, false, err
	}
	// since_at (migration 11): the recipient's window, read here for the
	// whole chunk in one join with the previous edition, so that claims
	// need not look it up recipient by recipient. The join repeats the
	// chunk's range so that PostgreSQL reads that range of the previous
	// edition, not all of the deliveries table.
	query := `INSERT INTO deliveries (edition_id, subscriber_id, status, next_at, since_at)
SELECT CAST(? AS BIGINT), s.id, 'queued', ` + nextAt + `,
    CASE WHEN p.until_at > 0 AND s.updated_at < ? THEN p.until_at ELSE 0 END
FROM subscribers s LEFT JOIN deliveries p ON p.edition_id = ? AND p.subscriber_id = s.id
    AND p.subscriber_id > ? AND p.subscriber_id <= ?
WHERE s.cadence = ? AND s.status = ? AND s.id > ? AND s.id <= ?`
	args := append([]any{e.ID}, nextArgs...)
	args = append(args, settled, prev, e.PlannedThrough, last.Int64, e.Cadence, StatusActive, e.PlannedThrough, last.Int64)
	for _, other := range others {
		query += ` AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.edition_id = ? AND d.subscriber_id = s.id
    AND d.status = 'queued')`
		args = append(args, other)
	}
	if err := db.planByRanges(ctx, tx); err != nil {
		return 0, false, fmt.Errorf("store: plan edition %d: %w", e.ID, err)
	}
	res, err := tx.ExecContext(ctx, db.dialect.rebind(query), args...)
	if err != nil {
		return 0, false, fmt.Errorf("store: plan edition %d: %w", e.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, false, fmt.Errorf("store: plan edition %d: %w", e.ID, err)
	}
	// The chunk's deliveries are cut into batches of consecutive
	// subscribers, the unit workers claim (editions_queue.go).
	_, err = tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO delivery_batches (edition_id, first_subscriber, last_subscriber, next_at)
SELECT edition_id, MIN(subscriber_id), MAX(subscriber_id), MIN(next_at)
FROM (SELECT edition_id, subscriber_id, next_at, (ROW_NUMBER() OVER (ORDER BY subscriber_id) - 1) / ? AS batch
    FROM deliveries WHERE edition_id = ? AND subscriber_id > ? AND subscriber_id <= ? AND status = 'queued') chunk
GROUP BY edition_id, batch`), db.batchSize(), e.ID, e.PlannedThrough, last.Int64)
	if err != nil {
		return 0, false, fmt.Errorf("store: plan edition %d: batches: %w", e.ID, err)
	}
	_, err = tx.ExecContext(ctx, db.dialect.rebind(
		"UPDATE editions SET planned_through = ?, recipients = recipients + ? WHERE id = ?"), last.Int64, n, e.ID)
	if err != nil {
		return 0, false, fmt.Errorf("store: plan edition %d: %w", e.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("store: plan edition %d: %w", e.ID, err)
	}
	e.PlannedThrough = last.Int64
	e.Recipients += int(n)
	return int(n), false, nil
}

// planByRanges makes PostgreSQL plan the rest of the planning
// transaction tx without nested loops or sequential scans: each of its
// statements reads a range of subscribers or deliveries by index. Planned
// on statistics older than the tables (a planning right after the edition
// before, before autovacuum has analyzed its rows), the join with the
// previous edition may otherwise scan the whole deliveries table once per
// subscriber: a chunk of 20,000 ran for minutes in a benchmark. Index
// range scans joined by hash or merge take time in proportion to the
// chunk, whatever the statistics say.
func (db *DB) planByRanges(ctx context.Context, tx *sql.Tx) error {
	if db.dialect.name() != "postgres" {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT set_config('enable_nestloop', 'off', true), set_config('enable_seqscan', 'off', true)")
	return err
}

// changeClockSkew is how far apart the clocks of the instances writing
// subscribers and creating editions may be. A subscriber counts as
// unchanged since an edition only if their last change is older than its
// creation by this much.
const changeClockSkew = 10 * time.Minute

// previousEdition returns the id of the edition of e's cadence before e
// (0 for none), and settled: a subscriber whose updated_at is earlier has
// not changed since it was created. For such a subscriber, the window
// their delivery in it used up is their latest: every change of cadence
// writes updated_at, so they cannot have had an edition of another
// cadence since, nor can one of this cadence come between the two.
func previousEdition(ctx context.Context, tx *sql.Tx, db *DB, e *Edition) (id, settled int64, err error) {
	var created int64
	err = tx.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT id, created_at FROM editions WHERE cadence = ? AND id < ? ORDER BY id DESC LIMIT 1"), e.Cadence, e.ID).Scan(&id, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: plan edition %d: previous edition: %w", e.ID, err)
	}
	return id, created - changeClockSkew.Microseconds(), nil
}

// unfinishedEditions returns the ids of the editions of cadence, except
// except, that still have deliveries to queue or send.
func unfinishedEditions(ctx context.Context, tx *sql.Tx, db *DB, cadence string, except int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, db.dialect.rebind(
		"SELECT id FROM editions WHERE cadence = ? AND status IN (?, ?) AND id <> ? ORDER BY id"),
		cadence, EditionPlanning, EditionSending, except)
	if err != nil {
		return nil, fmt.Errorf("store: unfinished editions: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: unfinished editions: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// EditionByID returns one edition, or ErrNotFound.
func (db *DB) EditionByID(ctx context.Context, id int64) (*Edition, error) {
	e, err := scanEdition(db.sql.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT "+editionColumns+" FROM editions WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: edition %d: %w", id, err)
	}
	return e, nil
}

// EditionQuery selects editions, newest first.
type EditionQuery struct {
	// Cadence limits the result to one cadence; empty means all.
	Cadence string
	// Statuses limits the result to editions in these states; empty
	// means all.
	Statuses []string
	// BeforeID, when positive, returns only editions with smaller ids,
	// for paging back.
	BeforeID int64
	// Limit caps the number of editions; it must be positive.
	Limit int
}

// Editions returns editions newest first.
func (db *DB) Editions(ctx context.Context, q EditionQuery) ([]*Edition, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("store: editions: limit must be positive, got %d", q.Limit)
	}
	var where []string
	var args []any
	if q.Cadence != "" {
		where = append(where, "cadence = ?")
		args = append(args, q.Cadence)
	}
	if len(q.Statuses) > 0 {
		where = append(where, "status IN (?"+strings.Repeat(", ?", len(q.Statuses)-1)+")")
		for _, s := range q.Statuses {
			args = append(args, s)
		}
	}
	if q.BeforeID > 0 {
		where = append(where, "id < ?")
		args = append(args, q.BeforeID)
	}
	query := "SELECT " + editionColumns + " FROM editions"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: editions: %w", err)
	}
	defer rows.Close()
	var out []*Edition
	for rows.Next() {
		e, err := scanEdition(rows)
		if err != nil {
			return nil, fmt.Errorf("store: editions: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetEditionSubject changes the archive subject of edition id.
func (db *DB) SetEditionSubject(ctx context.Context, id int64, subject string) error {
	_, err := db.sql.ExecContext(ctx, db.dialect.rebind("UPDATE editions SET subject = ? WHERE id = ?"), subject, id)
	if err != nil {
		return fmt.Errorf("store: edition %d subject: %w", id, err)
	}
	return nil
}

// SkipEdition stops edition id: its deliveries not yet sent are marked
// skipped, and it becomes skipped. Subscribers keep their last edition, so
// their next one covers what this one would have. It returns how many
// deliveries it skipped, or ErrNotFound when the edition is not planning
// or sending. A delivery being sent at this moment may still go out.
func (db *DB) SkipEdition(ctx context.Context, id int64) (int, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: skip edition %d: %w", id, err)
	}
	defer tx.Rollback()
	now := micros(db.now())
	res, err := tx.ExecContext(ctx, db.dialect.rebind(
		"UPDATE editions SET status = ?, finished_at = ? WHERE id = ? AND status IN (?, ?)"),
		EditionSkipped, now, id, EditionPlanning, EditionSending)
	if err != nil {
		return 0, fmt.Errorf("store: skip edition %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, ErrNotFound
	}
	res, err = tx.ExecContext(ctx, db.dialect.rebind(`UPDATE deliveries SET status = ?, error = ?
WHERE edition_id = ? AND status = 'queued'`), DeliverySkipped, "edition skipped", id)
	if err != nil {
		return 0, fmt.Errorf("store: skip edition %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, db.dialect.rebind("DELETE FROM delivery_batches WHERE edition_id = ?"), id); err != nil {
		return 0, fmt.Errorf("store: skip edition %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: skip edition %d: %w", id, err)
	}
	return int(n), nil
}

// FinishEditions marks done every sending edition that has no delivery
// left to send (no batch left), and returns their ids.
func (db *DB) FinishEditions(ctx context.Context) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(`UPDATE editions SET status = ?, finished_at = ?
WHERE status = ? AND NOT EXISTS (SELECT 1 FROM delivery_batches b WHERE b.edition_id = editions.id)
RETURNING id`), EditionDone, micros(db.now()), EditionSending)
	if err != nil {
		return nil, fmt.Errorf("store: finish editions: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: finish editions: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// NewsletterQuery selects the articles a digest may carry.
type NewsletterQuery struct {
	// Since and Until bound the publication time: (Since, Until].
	Since, Until time.Time
	// Categories limits the result to these category slugs; empty means
	// every category.
	Categories []string
	// Limit caps the number of articles, the newest kept; it must be
	// positive.
	Limit int
}

// NewsletterArticles returns the articles published in the window that
// may go in a digest (newsletter is not false), newest first.
func (db *DB) NewsletterArticles(ctx context.Context, q NewsletterQuery) ([]*article.Article, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("store: newsletter articles: limit must be positive, got %d", q.Limit)
	}
	query := "SELECT " + articleColumns + " FROM articles WHERE newsletter = TRUE AND published_at > ? AND published_at <= ?"
	args := []any{micros(q.Since), micros(q.Until)}
	if len(q.Categories) > 0 {
		query += " AND category_slug IN (?" + strings.Repeat(", ?", len(q.Categories)-1) + ")"
		for _, c := range q.Categories {
			args = append(args, c)
		}
	}
	query += " ORDER BY published_at DESC, id DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: newsletter articles: %w", err)
	}
	defer rows.Close()
	var out []*article.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("store: newsletter articles: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// EarliestSince returns the start of the earliest window among the active
// subscribers of cadence: their last edition's end or, for one who has had
// none yet, firstSince. ok is false when the cadence has no active
// subscriber.
//
// Most subscribers' window ends where the cadence's latest edition does,
// if that delivery used it up: that is read for all of them in one join,
// and only the others' latest deliveries are looked up one by one. (A
// subscriber who also got a later edition of another cadence reads as
// earlier than they are: at worst an edition is cut that is new to no
// one, and sends nothing.)
func (db *DB) EarliestSince(ctx context.Context, cadence string, firstSince time.Time) (since time.Time, ok bool, err error) {
	var us sql.NullInt64
	err = db.sql.QueryRowContext(ctx, db.dialect.rebind(`SELECT MIN(CASE WHEN until_at = 0 THEN ? ELSE until_at END)
FROM (SELECT `+db.dialect.greatest("s.last_edition_until", "CASE WHEN p.until_at > 0 THEN p.until_at ELSE "+latestWindowEnd("s")+" END")+` AS until_at
    FROM subscribers s LEFT JOIN deliveries p
        ON p.edition_id = (SELECT MAX(id) FROM editions WHERE cadence = ?) AND p.subscriber_id = s.id
    WHERE s.cadence = ? AND s.status = ?) windows`), micros(firstSince), cadence, cadence, StatusActive).Scan(&us)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: earliest window of %s: %w", cadence, err)
	}
	if !us.Valid {
		return time.Time{}, false, nil
	}
	return fromMicros(us.Int64), true, nil
}
