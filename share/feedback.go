package share

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
)

// FeedbackRequest is one post of the feedback form.
type FeedbackRequest struct {
	Article *article.Article
	Form    FeedbackForm
	IP      netip.Addr
	Lang    string
	// SenderCookie is the share flow's sender cookie, if any: feedback
	// from an address it names is marked verified for the editors.
	SenderCookie string
}

// SubmitFeedback handles a post of the feedback form: after the same
// checks as a share, the feedback joins the moderation queue, pending.
// Nothing is sent to the submitter. It returns a *Rejection when the post
// is refused.
func (s *Service) SubmitFeedback(ctx context.Context, req FeedbackRequest) error {
	a := req.Article
	if !s.o.Feedback.Enabled {
		return errors.New("share: feedback is disabled")
	}
	claim, rej := s.checkForm(kindFeedback, req.Form.Token, req.Form.Honeypot, a.ID)
	if rej != nil {
		return s.rejected(ctx, kindFeedback, rej, a.ID, req.IP)
	}
	v, fields := validateFeedback(req.Form, formLimits{nameMax: s.o.Feedback.NameMax, textMax: s.o.Feedback.MaxLength})
	retry := func(r *Rejection) error {
		r.Token = s.retryToken(kindFeedback, claim)
		return s.rejected(ctx, kindFeedback, r, a.ID, req.IP)
	}
	if fields != nil {
		return retry(&Rejection{Status: http.StatusBadRequest, Reason: "invalid_fields", Form: Msg{Key: errFix}, Fields: fields})
	}
	ipHash := s.ipKey(req.IP)
	var ipLimit limits
	ipLimit.add(store.Charge{Key: "fb-ip:" + ipHash, N: 1, Limit: s.o.Feedback.PerIP, Window: time.Hour},
		tooMany("limit_ip", errLimitIP))
	if r, err := s.charge(ctx, ipLimit); err != nil || r != nil {
		return orReject(err, r, retry)
	}
	if r, err := s.spend(ctx, kindFeedback, claim); err != nil || r != nil {
		if r != nil {
			return s.rejected(ctx, kindFeedback, r, a.ID, req.IP)
		}
		return err
	}
	var lim limits
	perEmail := tooMany("limit_email", errLimitEmail)
	perEmail.Fields = FieldErrors{"email": {Key: errLimitEmail}}
	lim.add(store.Charge{Key: "fb-email:" + s.addrKey("fb-email", v.email), N: 1, Limit: s.o.Feedback.PerEmail, Window: 24 * time.Hour}, perEmail)
	lim.add(store.Charge{Key: "fb-global", N: 1, Limit: s.o.Feedback.GlobalPerHour, Window: time.Hour},
		tooMany("limit_global", errLimitGlobal))
	if r, err := s.charge(ctx, lim); err != nil || r != nil {
		return orReject(err, r, retry)
	}
	f := &store.Feedback{
		ArticleID: a.ID, Name: v.name, Email: v.email, Phone: v.phone, Body: v.body,
		Language: req.Lang, Verified: s.SenderFromCookie(req.SenderCookie) == v.email,
		IPHash: ipHash, CreatedAt: s.now(),
	}
	if err := s.st.AddFeedback(ctx, f); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "feedback queued", "id", f.ID, "article", a.ID, "verified", f.Verified, "ip_hash", ipHash)
	return nil
}

// ApprovedFeedback returns the approved feedback to show under an article,
// oldest first, or nothing when feedback.show_approved is off.
func (s *Service) ApprovedFeedback(ctx context.Context, articleID string) ([]*store.Feedback, error) {
	if !s.o.Feedback.ShowApproved {
		return nil, nil
	}
	list, err := s.queue.List(ctx, store.FeedbackQuery{Status: store.FeedbackApproved, ArticleID: articleID, Limit: 100})
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, nil
}
