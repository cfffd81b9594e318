package share

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/store"
)

func validFeedback() FeedbackForm {
	return FeedbackForm{Name: "Trần Văn Minh", Email: "minh@example.com", Phone: "0903 123 456",
		Body: "Ngày khánh thành là 19/11, không phải 18/11.\n<script>alert(1)</script>"}
}

func (f *fixture) feedback(form FeedbackForm, cookie string) error {
	if form.Token == "" {
		form.Token = f.feedbackToken()
	}
	return f.svc.SubmitFeedback(context.Background(), FeedbackRequest{Article: f.art, Form: form, IP: testIP, Lang: "vi", SenderCookie: cookie})
}

func TestFeedbackGoesToTheQueueAndEditorsInBatches(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if err := f.feedback(validFeedback(), ""); err != nil {
		t.Fatal(err)
	}
	if n := len(f.mails()); n != 0 {
		t.Fatalf("%d messages right after feedback; the submitter gets no copy", n)
	}
	pending, err := f.svc.Queue().List(ctx, store.FeedbackQuery{Status: store.FeedbackPending})
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	fb := pending[0]
	if fb.Name != "Trần Văn Minh" || fb.Email != "minh@example.com" || fb.Phone != "0903 123 456" || fb.Verified || fb.IPHash == "" || fb.ArticleID != f.art.ID {
		t.Errorf("stored = %+v", fb)
	}

	n, err := f.svc.NotifyEditors(ctx)
	if err != nil || n != 1 {
		t.Fatalf("first notice = %d, %v", n, err)
	}
	mails := f.mails()
	if len(mails) != 1 {
		t.Fatalf("%d messages, want one notice", len(mails))
	}
	m := mails[0]
	if to := m.Header.Get("To"); !strings.Contains(to, "toasoan@tin.example.vn") || strings.Contains(to, "minh@example.com") {
		t.Errorf("notice To = %q", to)
	}
	if s := m.Subject(t); s != "[Bản tin Phường] 1 phản hồi mới chờ duyệt" {
		t.Errorf("notice subject %q", s)
	}
	if !strings.Contains(m.Text, "Ngày khánh thành là 19/11") || !strings.Contains(m.Text, f.art.Title) {
		t.Errorf("notice text:\n%s", m.Text)
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Error("the notice's HTML part does not escape the feedback")
	}

	// More feedback inside the interval waits for the next notice.
	for _, name := range []string{"Lan", "Hùng"} {
		fb := validFeedback()
		fb.Name, fb.Email = name, strings.ToLower(name[:1])+"@example.com"
		if err := f.feedback(fb, ""); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := f.svc.NotifyEditors(ctx); err != nil || n != 0 {
		t.Fatalf("notice inside the interval = %d, %v", n, err)
	}
	f.clock.advance(15 * time.Minute)
	if n, err := f.svc.NotifyEditors(ctx); err != nil || n != 2 {
		t.Fatalf("notice after the interval = %d, %v", n, err)
	}
	if got := len(f.mails()); got != 2 {
		t.Fatalf("%d messages, want 2 notices", got)
	}
	f.clock.advance(time.Hour)
	if n, _ := f.svc.NotifyEditors(ctx); n != 0 {
		t.Fatal("a notice with nothing new")
	}
}

func TestFeedbackVerifiedByTheSenderCookie(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.feedback(validFeedback(), f.svc.senderCookie("minh@example.com")); err != nil {
		t.Fatal(err)
	}
	list, _ := f.svc.Queue().List(context.Background(), store.FeedbackQuery{})
	if len(list) != 1 || !list[0].Verified {
		t.Fatalf("feedback = %+v, want verified", list)
	}
}

func TestFeedbackDefences(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Feedback.PerIP = 0; o.Feedback.PerEmail = 2 })
	ctx := context.Background()
	form := validFeedback()
	form.Honeypot = "x"
	if r := asRejection(t, f.feedback(form, "")); r.Reason != "honeypot" {
		t.Errorf("honeypot: %+v", r)
	}
	form = validFeedback()
	form.Token = f.svc.ShareFormToken(f.art.ID) // a share token
	f.clock.advance(5 * time.Second)
	if r := asRejection(t, f.feedback(form, "")); r.Reason != "token_invalid" {
		t.Errorf("share token on feedback: %+v", r)
	}
	form = validFeedback()
	form.Body = strings.Repeat("a", 2001)
	r := asRejection(t, f.feedback(form, ""))
	if r.Fields["body"].Key != errTooLong || r.Fields["body"].N != 2000 {
		t.Errorf("too long: %+v", r)
	}
	for i := range 3 {
		err := f.feedback(validFeedback(), "")
		if (i < 2) != (err == nil) {
			t.Fatalf("feedback %d: %v", i, err)
		}
		if i == 2 {
			if r := asRejection(t, err); r.Status != 429 || r.Fields["email"].Key != errLimitEmail {
				t.Fatalf("third from one address: %+v", r)
			}
		}
	}
	list, _ := f.svc.Queue().List(ctx, store.FeedbackQuery{})
	if len(list) != 2 {
		t.Fatalf("%d queued, want 2", len(list))
	}
}

func TestModerationAndShowingApproved(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	for _, name := range []string{"Một", "Hai", "Ba"} {
		fb := validFeedback()
		fb.Name = name
		if err := f.feedback(fb, ""); err != nil {
			t.Fatal(err)
		}
	}
	q := f.svc.Queue()
	list, _ := q.List(ctx, store.FeedbackQuery{})
	if len(list) != 3 || list[0].Name != "Ba" {
		t.Fatalf("list = %v", list)
	}
	if err := q.Approve(ctx, list[2].ID); err != nil {
		t.Fatal(err)
	}
	if err := q.Approve(ctx, list[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := q.Reject(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	shown, err := f.svc.ApprovedFeedback(ctx, f.art.ID)
	if err != nil || len(shown) != 2 || shown[0].Name != "Một" || shown[1].Name != "Hai" {
		t.Fatalf("approved = %v, %v; want oldest first", shown, err)
	}
	if err := q.Delete(ctx, list[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Get(ctx, list[1].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted feedback: %v", err)
	}
	if err := q.Approve(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("approving nothing: %v", err)
	}
	if _, err := q.List(ctx, store.FeedbackQuery{Status: "spam"}); err == nil {
		t.Error("unknown status listed")
	}
	// Rejected feedback goes after the retention.
	f.clock.advance(91 * 24 * time.Hour)
	if err := f.svc.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Get(ctx, list[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rejected feedback after the retention: %v", err)
	}

	off := newFixture(t, func(o *Options) { o.Feedback.ShowApproved = false })
	if shown, _ := off.svc.ApprovedFeedback(ctx, off.art.ID); shown != nil {
		t.Error("approved feedback shown while feedback.show_approved is off")
	}
}

func TestNoEditorsNoNotice(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Feedback.Notify = nil })
	if err := f.feedback(validFeedback(), ""); err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.NotifyEditors(context.Background()); n != 0 || err != nil || len(f.mails()) != 0 {
		t.Fatalf("notice without editors: %d, %v", n, err)
	}
}

func TestRunNotifiesAndStops(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.feedback(validFeedback(), ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.svc.Run(ctx, 10*time.Millisecond) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(f.mails()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(f.mails()) != 1 {
		t.Fatalf("Run sent %d notices, want 1", len(f.mails()))
	}
}
