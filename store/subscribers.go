package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Subscriber statuses. Only active subscribers receive digests; nothing but
// a confirmation is ever sent to a pending one.
const (
	StatusPending      = "pending"
	StatusActive       = "active"
	StatusPaused       = "paused"
	StatusUnsubscribed = "unsubscribed"
	StatusBounced      = "bounced"
)

// Subscriber is one address on the list.
type Subscriber struct {
	ID    int64
	Email string // normalized
	Name  string
	// Status is one of the Status constants.
	Status  string
	Cadence string // instant, daily or weekly
	// Categories are category slugs; empty means every category.
	Categories []string
	// SendHour is the local hour the subscriber asked for, or -1.
	SendHour int
	Language string
	Bounces  int
	// LastEditionUntil is the end of the window of the last edition sent
	// to this subscriber (or that had nothing new for them): where their
	// next digest starts. Zero before the first. It is read from their
	// deliveries (see subscriberWindowEnd).
	LastEditionUntil time.Time
	CreatedAt        time.Time
	ConfirmedAt      time.Time
	UpdatedAt        time.Time
}

// subscriberFields are the columns scanSubscriber reads, in its order,
// each with its value for a subscriber missing from an outer join.
var subscriberFields = []struct{ name, missing string }{
	{"id", "0"}, {"email", "''"}, {"name", "''"}, {"status", "''"}, {"cadence", "''"}, {"categories", "'[]'"},
	{"send_hour", "0"}, {"language", "''"}, {"bounces", "0"}, {"last_edition_until", "0"},
	{"created_at", "0"}, {"confirmed_at", "0"}, {"updated_at", "0"},
}

// subscriberColumns is the select list scanSubscriber reads from the
// subscribers row named table, with windowEnd the SQL for their window's
// end (LastEditionUntil). With outer (a LEFT JOIN), it starts with
// whether the row exists, and a missing row reads as zero values.
func subscriberColumns(table string, outer bool, windowEnd string) string {
	var b strings.Builder
	if outer {
		b.WriteString(table + ".id IS NOT NULL")
	}
	for _, f := range subscriberFields {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		col := table + "." + f.name
		if f.name == "last_edition_until" {
			col = windowEnd
		}
		if outer {
			col = "COALESCE(" + col + ", " + f.missing + ")"
		}
		b.WriteString(col)
	}
	return b.String()
}

// subscriberWindowEnd is the SQL for where the next digest of the
// subscriber row named table starts: the end of the window their latest
// delivery used up (deliveries.until_at, migration 10), or the
// subscriber's own last_edition_until, which sending wrote before that
// migration, if it is later. Sending writes no subscriber row: only the
// delivery's, with its outcome.
func (db *DB) subscriberWindowEnd(table string) string {
	return db.dialect.greatest(table+".last_edition_until", latestWindowEnd(table))
}

// claimedWindowEnd is the SQL for the window's end of a claim's
// recipient s, whose delivery is d: the since_at planning found, while
// they have not changed since the claimed edition was created (so not
// since planning either: planned.settled is its creation, less
// changeClockSkew), or else their latest delivery's, looked up.
func (db *DB) claimedWindowEnd() string {
	return db.dialect.greatest("s.last_edition_until", `CASE WHEN d.since_at > 0 AND s.updated_at < planned.settled
    THEN d.since_at ELSE `+latestWindowEnd("s")+" END")
}

// latestWindowEnd is the SQL for the until_at of the latest delivery of
// the subscriber row named table that used up a window, or 0.
func latestWindowEnd(table string) string {
	return `COALESCE((SELECT w.until_at FROM deliveries w
    WHERE w.subscriber_id = ` + table + `.id AND w.until_at > 0 ORDER BY w.edition_id DESC LIMIT 1), 0)`
}

func scanSubscriber(s scanner) (*Subscriber, error) {
	var r subscriberRow
	if err := s.Scan(r.dests()...); err != nil {
		return nil, err
	}
	return r.subscriber()
}

// subscriberRow is a row of subscriberColumns as scanned, with its scan
// destinations made once: reading many rows into one allocates only their
// strings.
type subscriberRow struct {
	sub                               Subscriber
	cats                              string
	last, created, confirmed, updated int64
	dest                              []any
}

func (r *subscriberRow) dests() []any {
	if r.dest == nil {
		r.dest = []any{&r.sub.ID, &r.sub.Email, &r.sub.Name, &r.sub.Status, &r.sub.Cadence, &r.cats, &r.sub.SendHour,
			&r.sub.Language, &r.sub.Bounces, &r.last, &r.created, &r.confirmed, &r.updated}
	}
	return r.dest
}

// subscriber returns the subscriber last scanned into r.
func (r *subscriberRow) subscriber() (*Subscriber, error) {
	sub := r.sub
	cats, err := decodeCategories(r.cats)
	if err != nil {
		return nil, fmt.Errorf("subscriber %d: categories: %w", sub.ID, err)
	}
	sub.Categories = cats
	sub.LastEditionUntil = fromMicros(r.last)
	sub.CreatedAt = fromMicros(r.created)
	sub.ConfirmedAt = fromMicros(r.confirmed)
	sub.UpdatedAt = fromMicros(r.updated)
	return &sub, nil
}

// decodeCategories reads subscribers.categories, a JSON array of strings,
// as encodeCategories writes it. Its usual form, slugs with nothing to
// unescape, is cut up by hand: through encoding/json it was most of the
// allocations of reading a claim's recipients. Anything else goes to
// encoding/json, which has the last word.
func decodeCategories(s string) ([]string, error) {
	if cats, ok := plainStringArray(s); ok {
		return cats, nil
	}
	var cats []string
	if err := json.Unmarshal([]byte(s), &cats); err != nil {
		return nil, err
	}
	return cats, nil
}

// plainStringArray splits a compact JSON array of strings with no escape,
// quote, comma or control character inside them, and valid UTF-8; ok is
// false for anything else.
func plainStringArray(s string) (out []string, ok bool) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' || !utf8.ValidString(s) {
		return nil, false
	}
	inner := s[1 : len(s)-1]
	out = make([]string, 0, strings.Count(inner, ",")+1)
	for inner != "" {
		item, rest, more := strings.Cut(inner, ",")
		if len(item) < 2 || item[0] != '"' || item[len(item)-1] != '"' || (more && rest == "") {
			return nil, false
		}
		item = item[1 : len(item)-1]
		for i := 0; i < len(item); i++ {
			if c := item[i]; c < 0x20 || c == '"' || c == '\\' {
				return nil, false
			}
		}
		out = append(out, item)
		inner = rest
	}
	return out, true
}

// SubscriberByID returns one subscriber, or ErrNotFound.
func (db *DB) SubscriberByID(ctx context.Context, id int64) (*Subscriber, error) {
	return db.subscriberWhere(ctx, "id = ?", id)
}

// SubscriberByEmail returns the subscriber with the normalized address
// email, or ErrNotFound.
func (db *DB) SubscriberByEmail(ctx context.Context, email string) (*Subscriber, error) {
	return db.subscriberWhere(ctx, "email = ?", email)
}

func (db *DB) subscriberWhere(ctx context.Context, where string, arg any) (*Subscriber, error) {
	row := db.sql.QueryRowContext(ctx, db.dialect.rebind("SELECT "+db.subscriberCols+" FROM subscribers WHERE "+where), arg)
	s, err := scanSubscriber(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: subscriber: %w", err)
	}
	return s, nil
}

// ActiveSubscribers returns up to limit active subscribers of cadence with
// ids above afterID, in id order: a keyset page, so that planning an edition
// for a million subscribers never holds them all in memory.
func (db *DB) ActiveSubscribers(ctx context.Context, cadence string, afterID int64, limit int) ([]*Subscriber, error) {
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind("SELECT "+db.subscriberCols+
		" FROM subscribers WHERE cadence = ? AND status = ? AND id > ? ORDER BY id LIMIT ?"),
		cadence, StatusActive, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: active subscribers: %w", err)
	}
	defer rows.Close()
	var out []*Subscriber
	for rows.Next() {
		s, err := scanSubscriber(rows)
		if err != nil {
			return nil, fmt.Errorf("store: active subscribers: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SubscriberStatuses returns the current status of each id that exists. A
// delivery worker asks just before sending, so that an unsubscribe takes
// effect even in the middle of an edition.
func (db *DB) SubscriberStatuses(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := "SELECT id, status FROM subscribers WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: subscriber statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var status string
		if err := rows.Scan(&id, &status); err != nil {
			return nil, fmt.Errorf("store: subscriber statuses: %w", err)
		}
		out[id] = status
	}
	return out, rows.Err()
}

// SecretKey returns the key stored under name, creating it from 48 random
// bytes on first use. Concurrent first calls, from one process or several,
// all get the same key.
func (db *DB) SecretKey(ctx context.Context, name string) ([]byte, error) {
	raw := make([]byte, 48)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("store: generate secret %s: %w", name, err)
	}
	_, err := db.sql.ExecContext(ctx, db.dialect.rebind(
		"INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING"),
		name, base64.StdEncoding.EncodeToString(raw), micros(db.now()))
	if err != nil {
		return nil, fmt.Errorf("store: secret %s: %w", name, err)
	}
	var value string
	if err := db.sql.QueryRowContext(ctx, db.dialect.rebind("SELECT value FROM secrets WHERE name = ?"), name).Scan(&value); err != nil {
		return nil, fmt.Errorf("store: secret %s: %w", name, err)
	}
	key, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("store: secret %s is corrupt: %w", name, err)
	}
	return key, nil
}
