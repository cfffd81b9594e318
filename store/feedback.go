package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Feedback statuses. Feedback arrives pending; an editor approves it (it
// may then be shown under its article) or rejects it.
const (
	FeedbackPending  = "pending"
	FeedbackApproved = "approved"
	FeedbackRejected = "rejected"
)

// Feedback is one reader's "Phản hồi" on an article.
type Feedback struct {
	ID        int64
	ArticleID string
	Name      string
	Email     string // normalized
	Phone     string // as typed, validated; may be empty
	Body      string
	Language  string
	// Verified is true when the submitter had confirmed their address
	// (the share flow's sender cookie) when they wrote.
	Verified bool
	// Status is one of the Feedback* constants.
	Status string
	// IPHash is a keyed hash of the submitter's network, for spotting a
	// flood; never the address.
	IPHash      string
	CreatedAt   time.Time
	ModeratedAt time.Time // zero while pending
	NotifiedAt  time.Time // zero until editors were told
}

// FeedbackQuery selects feedback, newest first.
type FeedbackQuery struct {
	// Status limits the result to one status; empty means every status.
	Status string
	// ArticleID limits the result to one article; empty means all.
	ArticleID string
	// BeforeID, when positive, returns only ids below it: the next page.
	BeforeID int64
	// Limit caps the number returned; it must be positive.
	Limit int
}

const feedbackColumns = `id, article_id, name, email, phone, body, language, verified, status, ip_hash,
    created_at, moderated_at, notified_at`

func scanFeedback(s scanner) (*Feedback, error) {
	var f Feedback
	var created, moderated, notified int64
	if err := s.Scan(&f.ID, &f.ArticleID, &f.Name, &f.Email, &f.Phone, &f.Body, &f.Language, &f.Verified,
		&f.Status, &f.IPHash, &created, &moderated, &notified); err != nil {
		return nil, err
	}
	f.CreatedAt = fromMicros(created)
	f.ModeratedAt = fromMicros(moderated)
	f.NotifiedAt = fromMicros(notified)
	return &f, nil
}

// AddFeedback stores f, pending, and sets its ID.
func (db *DB) AddFeedback(ctx context.Context, f *Feedback) error {
	if f.Status == "" {
		f.Status = FeedbackPending
	}
	err := db.sql.QueryRowContext(ctx, db.dialect.rebind(`INSERT INTO feedback
    (article_id, name, email, phone, body, language, verified, status, ip_hash, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		f.ArticleID, f.Name, f.Email, f.Phone, f.Body, f.Language, f.Verified, f.Status, f.IPHash,
		micros(f.CreatedAt)).Scan(&f.ID)
	if err != nil {
		return fmt.Errorf("store: add feedback: %w", err)
	}
	return nil
}

// FeedbackByID returns one feedback, or ErrNotFound.
func (db *DB) FeedbackByID(ctx context.Context, id int64) (*Feedback, error) {
	f, err := scanFeedback(db.sql.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT "+feedbackColumns+" FROM feedback WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: feedback %d: %w", id, err)
	}
	return f, nil
}

// ListFeedback returns feedback matching q, newest first.
func (db *DB) ListFeedback(ctx context.Context, q FeedbackQuery) ([]*Feedback, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("store: list feedback: limit must be positive, got %d", q.Limit)
	}
	var where []string
	var args []any
	if q.Status != "" {
		where = append(where, "status = ?")
		args = append(args, q.Status)
	}
	if q.ArticleID != "" {
		where = append(where, "article_id = ?")
		args = append(args, q.ArticleID)
	}
	if q.BeforeID > 0 {
		where = append(where, "id < ?")
		args = append(args, q.BeforeID)
	}
	query := "SELECT " + feedbackColumns + " FROM feedback"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, q.Limit)
	return db.queryFeedback(ctx, "list feedback", query, args...)
}

func (db *DB) queryFeedback(ctx context.Context, what, query string, args ...any) ([]*Feedback, error) {
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []*Feedback
	for rows.Next() {
		f, err := scanFeedback(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// SetFeedbackStatus moves feedback id to status (approved, rejected, or
// back to pending) and records when. It returns ErrNotFound for an unknown
// id.
func (db *DB) SetFeedbackStatus(ctx context.Context, id int64, status string, now time.Time) error {
	switch status {
	case FeedbackPending, FeedbackApproved, FeedbackRejected:
	default:
		return fmt.Errorf("store: feedback status %q: want pending, approved or rejected", status)
	}
	moderated := micros(now)
	if status == FeedbackPending {
		moderated = 0
	}
	res, err := db.sql.ExecContext(ctx, db.dialect.rebind(
		"UPDATE feedback SET status = ?, moderated_at = ? WHERE id = ?"), status, moderated, id)
	return affectedOne(res, err, fmt.Sprintf("set status of feedback %d", id))
}

// DeleteFeedback deletes feedback id for good, or returns ErrNotFound.
func (db *DB) DeleteFeedback(ctx context.Context, id int64) error {
	res, err := db.sql.ExecContext(ctx, db.dialect.rebind("DELETE FROM feedback WHERE id = ?"), id)
	return affectedOne(res, err, fmt.Sprintf("delete feedback %d", id))
}

func affectedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// UnnotifiedFeedback returns up to limit pending feedback that editors have
// not been told about yet, oldest first.
func (db *DB) UnnotifiedFeedback(ctx context.Context, limit int) ([]*Feedback, error) {
	return db.queryFeedback(ctx, "unnotified feedback", "SELECT "+feedbackColumns+
		" FROM feedback WHERE notified_at = 0 AND status = ? ORDER BY id LIMIT ?", FeedbackPending, limit)
}

// MarkFeedbackNotified records that editors were told about ids.
func (db *DB) MarkFeedbackNotified(ctx context.Context, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{micros(now)}
	for _, id := range ids {
		args = append(args, id)
	}
	q := "UPDATE feedback SET notified_at = ? WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
	if _, err := db.sql.ExecContext(ctx, db.dialect.rebind(q), args...); err != nil {
		return fmt.Errorf("store: mark feedback notified: %w", err)
	}
	return nil
}

// ClaimFeedbackNotice takes the right to send the editors' notice now: it
// succeeds for one caller at most per interval, across every instance on
// the database (a compare-and-set on the last time a notice went out).
func (db *DB) ClaimFeedbackNotice(ctx context.Context, now time.Time, interval time.Duration) (bool, error) {
	res, err := db.sql.ExecContext(ctx, db.dialect.rebind(
		"UPDATE feedback_notify SET last_sent_at = ? WHERE id = 1 AND last_sent_at <= ?"),
		micros(now), micros(now.Add(-interval)))
	if err != nil {
		return false, fmt.Errorf("store: claim feedback notice: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim feedback notice: %w", err)
	}
	return n == 1, nil
}
