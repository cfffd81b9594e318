package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bantin/bantin/share"
	"github.com/bantin/bantin/store"
)

func (w *shWeb) feedbackForm(t *testing.T, c *http.Client) url.Values {
	return url.Values{
		"t": {w.formToken(t, c, w.feedbackPath())}, "name": {"Trần Văn Minh"}, "email": {"minh@example.com"},
		"phone": {"0903 123 456"}, "body": {"Ngày khánh thành là 20/11.\nCảm ơn toà soạn."}, "website": {""},
	}
}

func TestFeedbackFormAndQueue(t *testing.T) {
	w := newShWeb(t, nil, nil)
	c := w.client(t)
	_, body := w.do(t, c, "GET", w.feedbackPath(), nil)
	for _, want := range []string{
		`<label for="f-name">Họ và tên</label>`, `<label for="f-email">Email</label>`,
		`<label for="f-phone">Số điện thoại <span class="optional">(không bắt buộc)</span></label>`,
		`<label for="f-body">Nội dung</label>`, `maxlength="2000"`, "Tối đa 2000 ký tự.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("feedback form lacks %s", want)
		}
	}
	form := w.feedbackForm(t, c)
	form.Set("body", `<script>alert(1)</script> Bài viết sai ngày.`)
	resp, body := w.post(t, c, w.feedbackPath(), form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Cảm ơn bạn") {
		t.Fatalf("post: %d\n%s", resp.StatusCode, body)
	}
	if n := len(w.mails(t)); n != 0 {
		t.Fatalf("%d messages: the submitter gets no copy, editors are told in batches", n)
	}
	if n, err := w.svc.NotifyEditors(context.Background()); err != nil || n != 1 {
		t.Fatalf("notice: %d, %v", n, err)
	}
	m := w.mails(t)[0]
	if m.Header.Get("To") != "toasoan@tin.example.vn" || strings.Contains(m.Raw, "To: minh@example.com") {
		t.Errorf("the notice goes to %q", m.Header.Get("To"))
	}
	if strings.Contains(m.HTML, "<script>") {
		t.Error("the notice does not escape the feedback")
	}

	// Approved, it shows under the article, escaped, without the address
	// or phone.
	list, _ := w.svc.Queue().List(context.Background(), store.FeedbackQuery{})
	if err := w.svc.Queue().Approve(context.Background(), list[0].ID); err != nil {
		t.Fatal(err)
	}
	_, page := w.do(t, nil, "GET", w.art.Path(), nil)
	if !strings.Contains(page, "Ý kiến bạn đọc") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt; Bài viết sai ngày.") {
		t.Error("approved feedback is not shown, escaped")
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "minh@example.com") || strings.Contains(page, "0903") {
		t.Error("the article page shows a script, the address or the phone")
	}
}

func TestFeedbackRejectionsKeepWhatWasTyped(t *testing.T) {
	w := newShWeb(t, func(o *share.Options) { o.Feedback.PerEmail = 1; o.Feedback.PerIP = 0 }, nil)
	c := w.client(t)
	cases := []struct {
		name   string
		change func(url.Values)
		status int
		field  string
		msg    string
	}{
		{"CRLF in name", func(f url.Values) { f.Set("name", "Minh\r\nBcc: x@evil.example") }, 400, "f-name", "ký tự không hợp lệ"},
		{"CRLF in email", func(f url.Values) { f.Set("email", "minh@example.com\r\nCc: x@evil.example") }, 400, "f-email", "ký tự không hợp lệ"},
		{"CRLF in phone", func(f url.Values) { f.Set("phone", "0903\r\n123") }, 400, "f-phone", "ký tự không hợp lệ"},
		{"long body", func(f url.Values) { f.Set("body", strings.Repeat("ư", 2001)) }, 400, "f-body", "Tối đa 2000 ký tự."},
		{"invalid UTF-8", func(f url.Values) { f.Set("body", "sai \xff") }, 400, "f-body", "không đọc được"},
		{"homoglyph", func(f url.Values) { f.Set("email", "minh@gοogle.com") }, 400, "f-email", "nhiều bảng chữ cái"},
		{"bad phone", func(f url.Values) { f.Set("phone", "gọi tôi") }, 400, "f-phone", "Số điện thoại không hợp lệ"},
	}
	for _, tc := range cases {
		form := w.feedbackForm(t, c)
		tc.change(form)
		resp, body := w.post(t, c, w.feedbackPath(), form)
		if resp.StatusCode != tc.status || !strings.Contains(body, `id="`+tc.field+`-error">`) || !strings.Contains(body, tc.msg) {
			t.Errorf("%s: %d, want %d with %q beside %s", tc.name, resp.StatusCode, tc.status, tc.msg, tc.field)
		}
		if !strings.Contains(body, "Ngày khánh thành là 20/11.") && tc.field != "f-body" {
			t.Errorf("%s: the text typed is lost", tc.name)
		}
	}
	// Bots, replays, limits.
	hp := w.feedbackForm(t, c)
	hp.Set("website", "x")
	if resp, _ := w.post(t, c, w.feedbackPath(), hp); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("honeypot: %d", resp.StatusCode)
	}
	bot := w.feedbackForm(t, c)
	bot.Del("t")
	if resp, _ := w.post(t, c, w.feedbackPath(), bot); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no token: %d", resp.StatusCode)
	}
	ok := w.feedbackForm(t, c)
	if resp, _ := w.post(t, c, w.feedbackPath(), ok); resp.StatusCode != http.StatusOK {
		t.Fatalf("valid: %d", resp.StatusCode)
	}
	if resp, _ := w.post(t, c, w.feedbackPath(), ok); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replay: %d", resp.StatusCode)
	}
	resp, body := w.post(t, c, w.feedbackPath(), w.feedbackForm(t, c))
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Hôm nay bạn đã gửi nhiều phản hồi") {
		t.Errorf("second from one address: %d", resp.StatusCode)
	}
	big := w.feedbackForm(t, c)
	big.Set("body", strings.Repeat("a", 70<<10))
	if resp, _ := w.post(t, c, w.feedbackPath(), big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d", resp.StatusCode)
	}
	list, _ := w.svc.Queue().List(context.Background(), store.FeedbackQuery{})
	if len(list) != 1 {
		t.Errorf("%d feedback queued, want 1", len(list))
	}
}

func TestFeedbackFloodFromOneIP(t *testing.T) {
	w := newShWeb(t, func(o *share.Options) { o.Feedback.PerEmail, o.Feedback.GlobalPerHour = 1000, 0 }, nil)
	c := w.client(t)
	accepted := 0
	for i := range 20 {
		form := w.feedbackForm(t, c)
		resp, _ := w.post(t, c, w.feedbackPath(), form, "X-Forwarded-For", "198.51.100."+string(rune('0'+i%10)))
		if resp.StatusCode == http.StatusOK {
			accepted++
		} else if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("post %d: %d", i, resp.StatusCode)
		}
	}
	if accepted != 5 {
		t.Errorf("%d accepted from one IP, want feedback.per_ip = 5", accepted)
	}
}
