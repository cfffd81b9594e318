package share

import (
	"context"
	"fmt"
	"time"

	"github.com/bantin/bantin/store"
)

// FeedbackStore keeps the moderation queue; *store.DB implements it.
type FeedbackStore interface {
	AddFeedback(ctx context.Context, f *store.Feedback) error
	FeedbackByID(ctx context.Context, id int64) (*store.Feedback, error)
	ListFeedback(ctx context.Context, q store.FeedbackQuery) ([]*store.Feedback, error)
	SetFeedbackStatus(ctx context.Context, id int64, status string, now time.Time) error
	DeleteFeedback(ctx context.Context, id int64) error
	UnnotifiedFeedback(ctx context.Context, limit int) ([]*store.Feedback, error)
	MarkFeedbackNotified(ctx context.Context, ids []int64, now time.Time) error
	ClaimFeedbackNotice(ctx context.Context, now time.Time, interval time.Duration) (bool, error)
}

// Queue is the feedback moderation queue, for the CLI (bantin feedback)
// and the admin API: list, approve, reject, delete. It needs nothing but
// the store, so the CLI can use it without mail or keys.
type Queue struct {
	st  FeedbackStore
	now func() time.Time
}

// NewQueue returns the queue kept in st; now, if nil, is time.Now.
func NewQueue(st FeedbackStore, now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	return &Queue{st: st, now: now}
}

// MaxList is the most feedback one List returns.
const MaxList = 500

// List returns feedback matching q, newest first. A Limit of 0 is 50;
// more than MaxList is MaxList.
func (q *Queue) List(ctx context.Context, fq store.FeedbackQuery) ([]*store.Feedback, error) {
	switch fq.Status {
	case "", store.FeedbackPending, store.FeedbackApproved, store.FeedbackRejected:
	default:
		return nil, fmt.Errorf("share: unknown feedback status %q; want pending, approved or rejected", fq.Status)
	}
	if fq.Limit <= 0 {
		fq.Limit = 50
	}
	fq.Limit = min(fq.Limit, MaxList)
	return q.st.ListFeedback(ctx, fq)
}

// Get returns one feedback, or store.ErrNotFound.
func (q *Queue) Get(ctx context.Context, id int64) (*store.Feedback, error) {
	return q.st.FeedbackByID(ctx, id)
}

// Approve marks feedback id approved: it may be shown under its article.
func (q *Queue) Approve(ctx context.Context, id int64) error {
	return q.st.SetFeedbackStatus(ctx, id, store.FeedbackApproved, q.now())
}

// Reject marks feedback id rejected; it is deleted after
// feedback.rejected_retention.
func (q *Queue) Reject(ctx context.Context, id int64) error {
	return q.st.SetFeedbackStatus(ctx, id, store.FeedbackRejected, q.now())
}

// Delete deletes feedback id for good (such as at the submitter's
// request).
func (q *Queue) Delete(ctx context.Context, id int64) error {
	return q.st.DeleteFeedback(ctx, id)
}
