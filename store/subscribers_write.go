package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrWrongStatus is returned by ChangeSubscriber when the subscriber is not
// in one of the statuses the change applies to: confirming someone already
// active, say. Nothing is written.
var ErrWrongStatus = errors.New("store: subscriber is not in a status the change applies to")

// Consent actions: the entries of a subscriber's consent record.
const (
	ConsentSubscribe   = "subscribe"   // the form was sent: a request, not yet consent
	ConsentConfirm     = "confirm"     // the confirmation link was followed: consent
	ConsentAdd         = "add"         // an operator added the address (bantin subscribers add)
	ConsentImport      = "import"      // imported from another list (bantin subscribers import)
	ConsentPreferences = "preferences" // cadence, categories or send hour changed
	ConsentPause       = "pause"
	ConsentResume      = "resume"
	ConsentUnsubscribe = "unsubscribe"
)

// Consent is one entry of a subscriber's consent record, which Decree
// 13/2023 asks us to be able to show: what was done, when, from where (a
// keyed hash of the IP address, never the address) and on which form and
// text.
type Consent struct {
	ID           int64
	SubscriberID int64
	// Action is one of the Consent constants.
	Action string
	At     time.Time
	IPHash string
	// FormVersion names the form (web page, embedded form, CLI) and its
	// revision; TextVersion the consent text the person was shown.
	FormVersion string
	TextVersion string
	// Detail is free text for the operator, never personal data.
	Detail string
}

// CreateSubscriber adds sub, with c as the first entry of its consent
// record, unless its email is already on the list. It returns the stored
// subscriber, new or existing, and whether it was created. The email must
// already be normalized; CreatedAt and UpdatedAt are set here.
func (db *DB) CreateSubscriber(ctx context.Context, sub *Subscriber, c Consent) (*Subscriber, bool, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("store: create subscriber: %w", err)
	}
	defer tx.Rollback()
	created, err := db.insertSubscriber(ctx, tx, sub, c)
	if err != nil {
		return nil, false, err
	}
	if created == nil {
		tx.Rollback()
		existing, err := db.SubscriberByEmail(ctx, sub.Email)
		return existing, false, err
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("store: create subscriber: %w", err)
	}
	return created, true, nil
}

// ImportSubscribers adds each of subs not already on the list, in one
// transaction, with the consent entry of the same index. It returns, for
// each, the stored subscriber, or nil when the address was already on the
// list: an existing row is left exactly as it is, so that an import never
// resubscribes someone who left.
func (db *DB) ImportSubscribers(ctx context.Context, subs []*Subscriber, cs []Consent) ([]*Subscriber, error) {
	if len(subs) != len(cs) {
		return nil, fmt.Errorf("store: import subscribers: %d subscribers but %d consents", len(subs), len(cs))
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: import subscribers: %w", err)
	}
	defer tx.Rollback()
	out := make([]*Subscriber, len(subs))
	for i, sub := range subs {
		if out[i], err = db.insertSubscriber(ctx, tx, sub, cs[i]); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: import subscribers: %w", err)
	}
	return out, nil
}

// insertSubscriber inserts sub and its consent entry in tx, or returns nil
// when the email is taken.
func (db *DB) insertSubscriber(ctx context.Context, tx *sql.Tx, sub *Subscriber, c Consent) (*Subscriber, error) {
	cats, err := encodeCategories(sub.Categories)
	if err != nil {
		return nil, err
	}
	s := *sub
	s.Categories = slices.Clone(sub.Categories)
	s.CreatedAt = db.now().UTC()
	s.UpdatedAt = s.CreatedAt
	if s.Language == "" {
		s.Language = "vi"
	}
	err = tx.QueryRowContext(ctx, db.dialect.rebind(`INSERT INTO subscribers
    (email, name, status, cadence, categories, send_hour, language, bounces, created_at, confirmed_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (email) DO NOTHING RETURNING id`),
		s.Email, s.Name, s.Status, s.Cadence, cats, s.SendHour, s.Language, s.Bounces,
		micros(s.CreatedAt), micros(s.ConfirmedAt), micros(s.UpdatedAt)).Scan(&s.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: create subscriber: %w", err)
	}
	c.SubscriberID = s.ID
	if err := db.insertConsent(ctx, tx, c); err != nil {
		return nil, err
	}
	return &s, nil
}

// ChangeSubscriber applies change to subscriber id and records c, in one
// transaction that holds the row, so that changes from several requests
// or instances never overwrite each other. When from is not empty the
// subscriber must be in one of those statuses, or ErrWrongStatus is
// returned, with the subscriber as it is, and nothing is written. change may set Name, Status, Cadence,
// Categories, SendHour, Language, Bounces and ConfirmedAt; UpdatedAt is set
// here. It returns the subscriber as written, or ErrNotFound.
func (db *DB) ChangeSubscriber(ctx context.Context, id int64, from []string, change func(*Subscriber), c Consent) (*Subscriber, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: change subscriber %d: %w", id, err)
	}
	defer tx.Rollback()
	query := "SELECT " + db.subscriberCols + " FROM subscribers WHERE id = ?"
	if db.dialect.name() == "postgres" {
		// SQLite's immediate transactions already hold the database.
		query += " FOR UPDATE"
	}
	sub, err := scanSubscriber(tx.QueryRowContext(ctx, db.dialect.rebind(query), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: change subscriber %d: %w", id, err)
	}
	if len(from) > 0 && !slices.Contains(from, sub.Status) {
		return sub, ErrWrongStatus
	}
	change(sub)
	sub.UpdatedAt = db.now().UTC()
	cats, err := encodeCategories(sub.Categories)
	if err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, db.dialect.rebind(`UPDATE subscribers SET
    name = ?, status = ?, cadence = ?, categories = ?, send_hour = ?, language = ?,
    bounces = ?, confirmed_at = ?, updated_at = ?
WHERE id = ?`),
		sub.Name, sub.Status, sub.Cadence, cats, sub.SendHour, sub.Language,
		sub.Bounces, micros(sub.ConfirmedAt), micros(sub.UpdatedAt), id)
	if err != nil {
		return nil, fmt.Errorf("store: change subscriber %d: %w", id, err)
	}
	c.SubscriberID = id
	if err := db.insertConsent(ctx, tx, c); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: change subscriber %d: %w", id, err)
	}
	return sub, nil
}

func (db *DB) insertConsent(ctx context.Context, tx *sql.Tx, c Consent) error {
	if c.At.IsZero() {
		c.At = db.now()
	}
	_, err := tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO consents
    (subscriber_id, action, at, ip_hash, form_version, text_version, detail)
VALUES (?, ?, ?, ?, ?, ?, ?)`),
		c.SubscriberID, c.Action, micros(c.At), c.IPHash, c.FormVersion, c.TextVersion, c.Detail)
	if err != nil {
		return fmt.Errorf("store: record consent of subscriber %d: %w", c.SubscriberID, err)
	}
	return nil
}

// Consents returns the consent record of a subscriber, oldest first.
func (db *DB) Consents(ctx context.Context, subscriberID int64) ([]Consent, error) {
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(`SELECT id, subscriber_id, action, at, ip_hash,
    form_version, text_version, detail FROM consents WHERE subscriber_id = ? ORDER BY at, id`), subscriberID)
	if err != nil {
		return nil, fmt.Errorf("store: consents of subscriber %d: %w", subscriberID, err)
	}
	defer rows.Close()
	var out []Consent
	for rows.Next() {
		var c Consent
		var at int64
		if err := rows.Scan(&c.ID, &c.SubscriberID, &c.Action, &at, &c.IPHash, &c.FormVersion, &c.TextVersion, &c.Detail); err != nil {
			return nil, fmt.Errorf("store: consents of subscriber %d: %w", subscriberID, err)
		}
		c.At = fromMicros(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: consents of subscriber %d: %w", subscriberID, err)
	}
	return out, nil
}

// EraseSubscriber deletes a subscriber with everything that names them,
// in one transaction: their consent record and their delivery history.
// After it, no row in this store holds their address or their id. It
// returns ErrNotFound when there is no such subscriber.
//
// Which editions a person was sent, and what became of each, is data about
// them, so it goes too; what is left of an edition is aggregate. Its
// Recipients, counted when it was planned, still counts them, while
// EditionDeliveryCounts (bantin digest status) counts the rows that remain
// and so shows one delivery fewer for every edition they were in.
func (db *DB) EraseSubscriber(ctx context.Context, id int64) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: erase subscriber %d: %w", id, err)
	}
	defer tx.Rollback()
	if db.dialect.name() == "postgres" {
		// A planner whose INSERT ... SELECT read the subscriber before this
		// transaction commits could add a delivery that the DELETE below
		// does not see. The lock waits for the delivery writers in flight
		// and holds new ones back until the erasure commits; erasures are
		// rare and short. It is taken first, before any row lock, so that it
		// cannot deadlock with a recorder waiting for this subscriber's row.
		// SQLite's immediate transactions already serialize every writer.
		if _, err := tx.ExecContext(ctx, "LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return fmt.Errorf("store: erase subscriber %d: %w", id, err)
		}
	}
	// Deleted explicitly, not left to ON DELETE CASCADE, which SQLite
	// honours only with foreign keys switched on; deliveries has no
	// foreign key at all.
	for _, q := range []string{
		"DELETE FROM deliveries WHERE subscriber_id = ?",
		"DELETE FROM consents WHERE subscriber_id = ?",
	} {
		if _, err := tx.ExecContext(ctx, db.dialect.rebind(q), id); err != nil {
			return fmt.Errorf("store: erase subscriber %d: %w", id, err)
		}
	}
	res, err := tx.ExecContext(ctx, db.dialect.rebind("DELETE FROM subscribers WHERE id = ?"), id)
	if err != nil {
		return fmt.Errorf("store: erase subscriber %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: erase subscriber %d: %w", id, err)
	}
	return nil
}

// SubscriberQuery selects a page of subscribers in id order.
type SubscriberQuery struct {
	// Status limits the page to one status; empty means all.
	Status string
	// AfterID starts the page after this id: a keyset page.
	AfterID int64
	// Limit caps the page; it must be positive.
	Limit int
}

// ListSubscribers returns a page of subscribers in id order, for listing
// and exporting a list of any size without holding it in memory.
func (db *DB) ListSubscribers(ctx context.Context, q SubscriberQuery) ([]*Subscriber, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("store: list subscribers: limit must be positive, got %d", q.Limit)
	}
	where, args := []string{"id > ?"}, []any{q.AfterID}
	if q.Status != "" {
		where = append(where, "status = ?")
		args = append(args, q.Status)
	}
	args = append(args, q.Limit)
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind("SELECT "+db.subscriberCols+
		" FROM subscribers WHERE "+strings.Join(where, " AND ")+" ORDER BY id LIMIT ?"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list subscribers: %w", err)
	}
	defer rows.Close()
	var out []*Subscriber
	for rows.Next() {
		s, err := scanSubscriber(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list subscribers: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list subscribers: %w", err)
	}
	return out, nil
}

// SubscriberCounts returns how many subscribers have each status.
func (db *DB) SubscriberCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT status, COUNT(*) FROM subscribers GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("store: count subscribers: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("store: count subscribers: %w", err)
		}
		out[status] = n
	}
	return out, rows.Err()
}

func encodeCategories(cats []string) (string, error) {
	if cats == nil {
		cats = []string{}
	}
	b, err := json.Marshal(cats)
	if err != nil {
		return "", fmt.Errorf("store: encode categories: %w", err)
	}
	return string(b), nil
}
