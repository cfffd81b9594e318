package share

import (
	"context"
	"slices"
	"time"

	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// NotifyMail is what templates/email/feedback_notify.* receive.
type NotifyMail struct {
	Items []NotifyItem
	// More is true when more feedback waits than one notice lists.
	More bool
}

// NotifyItem is one new feedback in an editors' notice.
type NotifyItem struct {
	ID           int64
	ArticleTitle string
	ArticleURL   string
	Name         string
	Email        string
	Phone        string
	Body         string
	Verified     bool
	CreatedAt    time.Time
}

// notifyBatch is the most feedback one notice lists.
const notifyBatch = 50

// NotifyEditors tells the editors (feedback.notify) about feedback they
// have not heard of, in one email, unless one went out less than
// feedback.notify_interval ago from any instance. It returns how many
// feedback the notice listed.
func (s *Service) NotifyEditors(ctx context.Context) (int, error) {
	if len(s.o.Feedback.Notify) == 0 {
		return 0, nil
	}
	items, err := s.st.UnnotifiedFeedback(ctx, notifyBatch+1)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	now := s.now()
	claimed, err := s.st.ClaimFeedbackNotice(ctx, now, s.o.Feedback.NotifyInterval)
	if err != nil || !claimed {
		return 0, err
	}
	more := len(items) > notifyBatch
	items = items[:min(len(items), notifyBatch)]
	data, err := s.notifyData(ctx, items)
	if err != nil {
		return 0, err
	}
	data.More = more
	e, err := s.pages.RenderEmail("feedback_notify", templates.EmailData{
		Lang: s.o.DefaultLanguage, SiteName: s.o.SiteName, SiteURL: s.o.SiteURL, Data: data,
	})
	if err != nil {
		return 0, err
	}
	// The claim stands even if sending fails: the next try comes after
	// the interval, so a mail outage does not turn into a retry storm.
	if err := s.mail.Send(ctx, &mailer.Message{To: s.o.Feedback.Notify, Subject: e.Subject, Text: e.Text, HTML: e.HTML}); err != nil {
		return 0, err
	}
	ids := make([]int64, len(items))
	for i, f := range items {
		ids[i] = f.ID
	}
	if err := s.st.MarkFeedbackNotified(ctx, ids, now); err != nil {
		return 0, err
	}
	s.log.InfoContext(ctx, "editors told about feedback", "count", len(items))
	return len(items), nil
}

func (s *Service) notifyData(ctx context.Context, items []*store.Feedback) (NotifyMail, error) {
	var ids []string
	for _, f := range items {
		if !slices.Contains(ids, f.ArticleID) {
			ids = append(ids, f.ArticleID)
		}
	}
	titles := map[string]string{}
	paths := map[string]string{}
	for len(ids) > 0 {
		n := min(len(ids), 64)
		arts, err := s.st.ArticlesByID(ctx, ids[:n])
		if err != nil {
			return NotifyMail{}, err
		}
		for _, a := range arts {
			titles[a.ID], paths[a.ID] = a.Title, a.Path()
		}
		ids = ids[n:]
	}
	var d NotifyMail
	for _, f := range items {
		it := NotifyItem{ID: f.ID, ArticleTitle: titles[f.ArticleID], Name: f.Name, Email: f.Email,
			Phone: f.Phone, Body: f.Body, Verified: f.Verified, CreatedAt: f.CreatedAt}
		if p, ok := paths[f.ArticleID]; ok {
			it.ArticleURL = s.absURL(p)
		} else {
			it.ArticleTitle = f.ArticleID
		}
		d.Items = append(d.Items, it)
	}
	return d, nil
}

// Run tells editors about new feedback every poll and purges expired
// limit counters, spent tokens and old rejected feedback every hour, until
// ctx is done.
func (s *Service) Run(ctx context.Context, poll time.Duration) error {
	if poll <= 0 {
		poll = 30 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var lastPurge time.Time
	for {
		if _, err := s.NotifyEditors(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "feedback notice failed", "err", err)
		}
		if now := s.now(); now.Sub(lastPurge) >= time.Hour {
			lastPurge = now
			if err := s.Purge(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "share purge failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Purge deletes expired limit counters and spent tokens, and rejected
// feedback older than feedback.rejected_retention.
func (s *Service) Purge(ctx context.Context) error {
	now := s.now()
	var before time.Time
	if r := s.o.Feedback.RejectedRetention; r > 0 {
		before = now.Add(-r)
	}
	n, err := s.st.PurgeShareState(ctx, now, before)
	if err == nil && n > 0 {
		s.log.DebugContext(ctx, "share state purged", "rows", n)
	}
	return err
}
