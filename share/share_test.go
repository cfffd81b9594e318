package share

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

func asRejection(t *testing.T, err error) *Rejection {
	t.Helper()
	var r *Rejection
	if !errors.As(err, &r) {
		t.Fatalf("err = %v, want a *Rejection", err)
	}
	return r
}

// confirmLink returns the token of the confirmation link in the one
// confirmation email delivered so far.
func confirmToken(t *testing.T, m message) string {
	t.Helper()
	link := linkAfter(t, m.Text, "https://tin.example.vn/share/confirm?t=")
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("t")
}

func TestFirstShareAsksTheSenderToConfirm(t *testing.T) {
	f := newFixture(t, nil)
	form := validShare()
	form.Name = `<b>Hà</b>`
	form.Note = "Ghé xem nhé <script>alert(1)</script>"
	form.To = []string{"lan@example.org", "minh@example.org"}
	out, err := f.share(form, "")
	if err != nil {
		t.Fatal(err)
	}
	if out.Sent || out.Recipients != 2 || out.RememberSender != "" {
		t.Fatalf("outcome = %+v, want a pending share", out)
	}
	mails := f.mails()
	if len(mails) != 1 {
		t.Fatalf("%d messages, want the one confirmation", len(mails))
	}
	m := mails[0]
	if to := m.Header.Get("To"); to != "ha@example.com" {
		t.Errorf("confirmation To = %q", to)
	}
	// The confirmation goes to an address nobody has proved yet: it must
	// carry nothing the form's user typed, or it would be the spam.
	for _, typed := range []string{"Hà", "script", "Ghé xem", "lan@example.org", "minh@example.org"} {
		if strings.Contains(m.Raw, typed) || strings.Contains(m.Text, typed) || strings.Contains(m.HTML, typed) {
			t.Errorf("the confirmation email carries the user's text %q", typed)
		}
	}
	if !strings.Contains(m.Text, f.art.Title) || !strings.Contains(m.Text, "2 người") {
		t.Errorf("confirmation text lacks the title or the count:\n%s", m.Text)
	}
	if m.Header.Get("Reply-To") != "" {
		t.Error("the confirmation has a Reply-To")
	}
	// Nothing in the database holds the friends' addresses.
	var n int
	if err := f.dbCount(&n, "SELECT COUNT(*) FROM share_counters WHERE key LIKE '%example.org%'"); err != nil || n != 0 {
		t.Errorf("a counter key holds an address (%d, %v)", n, err)
	}

	tok := confirmToken(t, m)
	p, err := f.svc.PendingShare(context.Background(), tok)
	if err != nil || p.Recipients != 2 || p.Article.ID != f.art.ID {
		t.Fatalf("PendingShare = %+v, %v", p, err)
	}
	if len(f.mails()) != 1 {
		t.Fatal("opening the confirmation page sent mail")
	}
	out, err = f.svc.Confirm(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Sent || out.RememberSender == "" {
		t.Fatalf("confirm outcome = %+v", out)
	}
	mails = f.mails()
	if len(mails) != 3 {
		t.Fatalf("%d messages after confirming, want 1 + 2 shares", len(mails))
	}
	for i, want := range []string{"lan@example.org", "minh@example.org"} {
		m := mails[1+i]
		if m.Header.Get("To") != want {
			t.Errorf("share %d To = %q, want %q alone", i, m.Header.Get("To"), want)
		}
		checkShareHeaders(t, m, f.art.Title)
		if !strings.Contains(m.HTML, "&lt;b&gt;Hà&lt;/b&gt;") || strings.Contains(m.HTML, "<b>Hà</b>") {
			t.Error("the HTML part does not escape the sender's name")
		}
		if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("the HTML part does not escape the note")
		}
		if !strings.Contains(m.Text, "Ghé xem nhé <script>alert(1)</script>") || !strings.Contains(m.Text, "https://tin.example.vn"+f.art.Path()) {
			t.Errorf("text part:\n%s", m.Text)
		}
		if !strings.Contains(m.Text, f.art.Lead) {
			t.Error("the share lacks the lead")
		}
	}

	// The link sends once.
	_, err = f.svc.Confirm(context.Background(), tok)
	if r := asRejection(t, err); r.Status != http.StatusBadRequest || r.Form.Key != errLinkUsed {
		t.Fatalf("second confirm = %+v", r)
	}
	if len(f.mails()) != 3 {
		t.Fatal("a used link sent again")
	}

	// The cookie remembers the sender: the next share goes at once.
	out, err = f.share(ShareForm{Name: "Hà", Email: "HA@example.com", To: []string{"an@example.org"}}, out.RememberSender)
	if err != nil || !out.Sent {
		t.Fatalf("share with the cookie = %+v, %v", out, err)
	}
	if got := len(f.mails()); got != 4 {
		t.Fatalf("%d messages, want 4", got)
	}
}

// checkShareHeaders: From is the site, Reply-To the bare sender, the
// subject fixed text and the title, and no other header carries user text.
func checkShareHeaders(t *testing.T, m message, title string) {
	t.Helper()
	if from := m.Header.Get("From"); !strings.Contains(from, "<no-reply@tin.example.vn>") {
		t.Errorf("From = %q, want the site", from)
	}
	if rt := m.Header.Get("Reply-To"); rt != "ha@example.com" {
		t.Errorf("Reply-To = %q, want the sender's bare address", rt)
	}
	if s := m.Subject(t); s != "Bài viết gửi bạn từ Bản tin Phường: "+title {
		t.Errorf("Subject = %q", s)
	}
	if lu := m.Header.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<https://tin.example.vn/share/stop?t=") {
		t.Errorf("List-Unsubscribe = %q", lu)
	}
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Error("no one-click unsubscribe")
	}
	for k, vs := range m.Header {
		switch k {
		case "To", "Reply-To", "Subject":
			continue
		}
		for _, v := range vs {
			for _, typed := range []string{"Hà", "H=C3=A0", "ha@example", "Ghé", "script", "Bcc"} {
				if strings.Contains(v, typed) {
					t.Errorf("header %s: %q carries user text %q", k, v, typed)
				}
			}
		}
	}
	if m.Header.Get("Bcc") != "" || m.Header.Get("Cc") != "" {
		t.Error("a share has Cc or Bcc")
	}
}

func TestDigestTokenCountsAsConfirmed(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Share.ConfirmationsPerAddress = 20 })
	form := validShare()
	form.SenderToken = f.signer.Sign(PurposeSender, "ha@example.com", 24*time.Hour)
	out, err := f.share(form, "")
	if err != nil || !out.Sent || out.RememberSender == "" {
		t.Fatalf("share with a digest token = %+v, %v", out, err)
	}
	if got := f.svc.SenderFromCookie(out.RememberSender); got != "ha@example.com" {
		t.Errorf("the cookie remembers %q", got)
	}
	if got := f.svc.SenderFromToken(form.SenderToken); got != "ha@example.com" {
		t.Errorf("SenderFromToken = %q", got)
	}
	if len(f.mails()) != 1 {
		t.Fatalf("%d messages, want the share alone", len(f.mails()))
	}

	// A digest token for someone else, a forged one, or one of another
	// purpose, proves nothing.
	for _, tok := range []string{
		f.signer.Sign(PurposeSender, "other@example.com", time.Hour),
		f.signer.Sign("unsubscribe", "ha@example.com", time.Hour),
		"forged.token.value",
	} {
		form := validShare()
		form.To = []string{"x" + tok[:3] + "@example.org"}
		form.SenderToken = tok
		out, err := f.share(form, "")
		if err != nil || out.Sent {
			t.Errorf("share with token %q = %+v, %v; want a pending share", tok, out, err)
		}
	}
	// A forged cookie proves nothing either.
	out, err = f.share(ShareForm{Name: "Hà", Email: "ha@example.com", To: []string{"y@example.org"}}, "ha@example.com")
	if err != nil || out.Sent {
		t.Errorf("share with a forged cookie = %+v, %v", out, err)
	}
}

func TestConfirmLinkIsSealedAndExpires(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.share(validShare(), ""); err != nil {
		t.Fatal(err)
	}
	tok := confirmToken(t, f.mails()[0])
	if strings.Contains(tok, "lan") || strings.Contains(tok, "example") {
		t.Fatal("the confirmation token shows the recipient")
	}
	// Tampered with: one character changed.
	b := []byte(tok)
	b[len(b)/2] ^= 1
	if _, err := f.svc.Confirm(context.Background(), string(b)); asRejection(t, err).Form.Key != errLinkInvalid {
		t.Errorf("tampered link: %v", err)
	}
	f.clock.advance(24*time.Hour + time.Second)
	if _, err := f.svc.Confirm(context.Background(), tok); asRejection(t, err).Form.Key != errLinkExpired {
		t.Errorf("expired link: %v", err)
	}
	if len(f.mails()) != 1 {
		t.Error("a bad link sent mail")
	}
}

func TestFormTokenDefences(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	req := func(form ShareForm) error {
		_, err := f.svc.Share(ctx, ShareRequest{Article: f.art, Form: form, IP: testIP, Lang: "vi"})
		return err
	}
	form := validShare()

	// No token: a bot posting without loading the form.
	if r := asRejection(t, req(form)); r.Reason != "token_invalid" || r.Status != 400 || r.Token == "" {
		t.Errorf("no token: %+v", r)
	}
	// Too fast: the same token comes back, unspent.
	form.Token = f.svc.ShareFormToken(f.art.ID)
	r := asRejection(t, req(form))
	if r.Reason != "too_fast" || r.Token != form.Token {
		t.Errorf("too fast: %+v", r)
	}
	f.clock.advance(3 * time.Second)
	// Honeypot.
	hp := form
	hp.Honeypot = "http://spam.example"
	if r := asRejection(t, req(hp)); r.Reason != "honeypot" {
		t.Errorf("honeypot: %+v", r)
	}
	// Another article's token.
	other := f.addArticle("file:b.txt", "Bài khác")
	wrong := form
	wrong.Token = f.svc.ShareFormToken(other.ID)
	f.clock.advance(5 * time.Second)
	if r := asRejection(t, req(wrong)); r.Reason != "token_invalid" {
		t.Errorf("other article's token: %+v", r)
	}
	// A feedback token does not post a share.
	fb := form
	fb.Token = f.svc.FeedbackFormToken(f.art.ID)
	f.clock.advance(5 * time.Second)
	if r := asRejection(t, req(fb)); r.Reason != "token_invalid" {
		t.Errorf("feedback token: %+v", r)
	}
	// Good, then replayed.
	if err := req(form); err != nil {
		t.Fatalf("good post: %v", err)
	}
	if r := asRejection(t, req(form)); r.Reason != "token_replayed" || r.Form.Key != errTokenUsed {
		t.Errorf("replay: %+v", r)
	}
	// Expired.
	old := validShare()
	old.Token = f.svc.ShareFormToken(f.art.ID)
	f.clock.advance(2*time.Hour + time.Second)
	if r := asRejection(t, req(old)); r.Reason != "token_expired" || r.Form.Key != errTokenExpired {
		t.Errorf("expired: %+v", r)
	}
	if got := len(f.mails()); got != 1 {
		t.Errorf("%d messages, want the one good post's confirmation", got)
	}
}

func TestRetryTokenKeepsTheFillTime(t *testing.T) {
	f := newFixture(t, nil)
	form := validShare()
	form.Name = ""
	_, err := f.share(form, "")
	r := asRejection(t, err)
	if r.Fields["name"].Key != errRequired || r.Token == "" {
		t.Fatalf("rejection = %+v", r)
	}
	// Fixed at once: the new token keeps the first load time, so no new
	// wait.
	form.Name, form.Token = "Hà", r.Token
	if _, err := f.share(form, ""); err != nil {
		t.Fatalf("resubmission: %v", err)
	}
}

func TestSenderCookieNeedsMatchingAddress(t *testing.T) {
	f := newFixture(t, nil)
	cookie := f.svc.senderCookie("ha@example.com")
	form := validShare()
	form.Email = "someone-else@example.com"
	out, err := f.share(form, cookie)
	if err != nil || out.Sent {
		t.Fatalf("a cookie for another address sent at once: %+v, %v", out, err)
	}
	f.clock.advance(31 * 24 * time.Hour)
	out, err = f.share(validShare(), cookie)
	if err != nil || out.Sent {
		t.Fatalf("an expired cookie sent at once: %+v, %v", out, err)
	}
}

func TestLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("per IP", func(t *testing.T) {
		f := newFixture(t, func(o *Options) { o.Share.PerIP = 3; o.Share.ConfirmationsPerAddress = 20 })
		for i := range 3 {
			form := validShare()
			form.To = []string{"r" + itoa(i) + "@example.org"}
			if _, err := f.share(form, f.svc.senderCookie("ha@example.com")); err != nil {
				t.Fatalf("share %d: %v", i, err)
			}
		}
		_, err := f.share(validShare(), "")
		if r := asRejection(t, err); r.Status != http.StatusTooManyRequests || r.Reason != "limit_ip" {
			t.Fatalf("fourth share = %+v", r)
		}
		// Another network is not affected; the same IPv6 /64 is one.
		other := validShare()
		other.Token = f.shareToken()
		if _, err := f.svc.Share(ctx, ShareRequest{Article: f.art, Form: other, IP: netip.MustParseAddr("198.51.100.1"), Lang: "vi"}); err != nil {
			t.Errorf("another IP: %v", err)
		}
		for i, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9", "2001:db8:1:2::3"} {
			form := validShare()
			form.Token = f.shareToken()
			_, err := f.svc.Share(ctx, ShareRequest{Article: f.art, Form: form, IP: netip.MustParseAddr(ip), Lang: "vi"})
			if (i < 3) != (err == nil) {
				t.Errorf("IPv6 share %d from %s: %v", i, ip, err)
			}
		}
	})
	t.Run("recipient per article and per day", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie := f.svc.senderCookie("ha@example.com")
		if out, err := f.share(validShare(), cookie); err != nil || !out.Sent {
			t.Fatalf("first share: %+v, %v", out, err)
		}
		// The same article to the same friend: refused beside that field.
		form := validShare()
		form.To = []string{"an@example.org", "LAN@example.org"}
		_, err := f.share(form, cookie)
		r := asRejection(t, err)
		if r.Status != 429 || r.Fields["to.1"].Key != errLimitRcptArticle || r.Token == "" {
			t.Fatalf("same article again = %+v", r)
		}
		if len(f.mails()) != 1 {
			t.Fatal("a refused share sent mail to its other recipient: charges must be all or none")
		}
		// Other articles: three a day to one recipient, then no more.
		for i := range 3 {
			a := f.addArticle("file:x"+itoa(i)+".txt", "Bài số "+itoa(i))
			form := validShare()
			form.Token = f.svc.ShareFormToken(a.ID)
			f.clock.advance(5 * time.Second)
			_, err := f.svc.Share(ctx, ShareRequest{Article: a, Form: form, IP: testIP, Lang: "vi", SenderCookie: cookie})
			if (i < 2) != (err == nil) {
				t.Fatalf("article %d: %v", i, err)
			}
			if i == 2 && asRejection(t, err).Fields["to.0"].Key != errLimitRcptDay {
				t.Fatalf("fourth of the day: %v", err)
			}
		}
		// A day later the daily limit has passed, not the per-article one.
		f.clock.advance(24 * time.Hour)
		a := f.addArticle("file:y.txt", "Bài hôm sau")
		form = validShare()
		form.Token = f.svc.ShareFormToken(a.ID)
		f.clock.advance(5 * time.Second)
		if _, err := f.svc.Share(ctx, ShareRequest{Article: a, Form: form, IP: testIP, Lang: "vi", SenderCookie: cookie}); err != nil {
			t.Fatalf("next day: %v", err)
		}
		if _, err := f.share(validShare(), cookie); asRejection(t, err).Reason != "limit_recipient_article" {
			t.Fatalf("first article again next day: %v", err)
		}
	})
	t.Run("global", func(t *testing.T) {
		f := newFixture(t, func(o *Options) { o.Share.GlobalPerHour = 4; o.Share.PerIP = 0 })
		cookie := f.svc.senderCookie("ha@example.com")
		form := validShare()
		form.To = []string{"a@example.org", "b@example.org", "c@example.org"}
		if _, err := f.share(form, cookie); err != nil {
			t.Fatal(err)
		}
		form.To = []string{"d@example.org", "e@example.org"}
		if _, err := f.share(form, cookie); asRejection(t, err).Reason != "limit_global" {
			t.Fatalf("over the global cap: %v", err)
		}
		form.To = []string{"d@example.org"}
		if _, err := f.share(form, cookie); err != nil {
			t.Fatalf("the last unit: %v", err)
		}
		if n := len(f.mails()); n != 4 {
			t.Fatalf("%d messages, want 4", n)
		}
	})
	t.Run("sender and confirmations", func(t *testing.T) {
		f := newFixture(t, func(o *Options) { o.Share.PerSender = 2; o.Share.ConfirmationsPerAddress = 2; o.Share.PerIP = 0 })
		for i := range 3 {
			form := validShare()
			form.To = []string{"c" + itoa(i) + "@example.org"}
			_, err := f.share(form, "")
			if (i < 2) != (err == nil) {
				t.Fatalf("confirmation %d: %v", i, err)
			}
			if i == 2 && asRejection(t, err).Fields["email"].Key != errLimitConfirm {
				t.Fatalf("third confirmation: %v", err)
			}
		}
		cookie := f.svc.senderCookie("ha@example.com")
		for i := range 3 {
			form := validShare()
			form.To = []string{"s" + itoa(i) + "@example.org"}
			_, err := f.share(form, cookie)
			if (i < 2) != (err == nil) {
				t.Fatalf("share %d: %v", i, err)
			}
			if i == 2 && asRejection(t, err).Reason != "limit_sender" {
				t.Fatalf("third share: %v", err)
			}
		}
	})
}

func TestStopLinkSuppressesForGood(t *testing.T) {
	f := newFixture(t, nil)
	cookie := f.svc.senderCookie("ha@example.com")
	if _, err := f.share(validShare(), cookie); err != nil {
		t.Fatal(err)
	}
	m := f.mails()[0]
	stop := linkAfter(t, m.Text, "https://tin.example.vn/share/stop?t=")
	u, _ := url.Parse(stop)
	tok := u.Query().Get("t")
	if strings.Contains(stop, "lan") {
		t.Fatal("the stop link shows the address")
	}
	if err := f.svc.CheckStop(tok); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Stop(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Stop(context.Background(), tok); err != nil {
		t.Fatalf("stopping twice: %v", err)
	}
	if err := f.svc.Stop(context.Background(), "forged"); asRejection(t, err).Status != 400 {
		t.Fatalf("forged stop link: %v", err)
	}
	// Any article, any sender, any spelling of the address: nothing more.
	a := f.addArticle("file:z.txt", "Bài mới")
	form := ShareForm{Name: "Minh", Email: "minh@example.com", To: []string{"Lan@Example.ORG", "other@example.org"}}
	form.Token = f.svc.ShareFormToken(a.ID)
	f.clock.advance(5 * time.Second)
	out, err := f.svc.Share(context.Background(), ShareRequest{Article: a, Form: form, IP: testIP, Lang: "vi", SenderCookie: f.svc.senderCookie("minh@example.com")})
	if err != nil || !out.Sent {
		t.Fatalf("share = %+v, %v", out, err)
	}
	mails := f.mails()
	if len(mails) != 2 || mails[1].Header.Get("To") != "other@example.org" {
		t.Fatalf("after the stop: %d messages, last to %q", len(mails), mails[len(mails)-1].Header.Get("To"))
	}
	var n int
	if err := f.dbCount(&n, "SELECT COUNT(*) FROM share_suppressions WHERE email_hash LIKE '%@%'"); err != nil || n != 0 {
		t.Errorf("the suppression list holds an address: %d, %v", n, err)
	}
}

func TestEnglishShare(t *testing.T) {
	f := newFixture(t, nil)
	form := validShare()
	form.Token = f.shareToken()
	out, err := f.svc.Share(context.Background(), ShareRequest{Article: f.art, Form: form, IP: testIP, Lang: "en", SenderCookie: f.svc.senderCookie("ha@example.com")})
	if err != nil || !out.Sent {
		t.Fatal(out, err)
	}
	m := f.mails()[0]
	if s := m.Subject(t); s != "An article for you from Bản tin Phường: "+f.art.Title {
		t.Errorf("subject %q", s)
	}
}

func TestPurgeForgetsCounters(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.share(validShare(), f.svc.senderCookie("ha@example.com")); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.dbCount(&n, "SELECT COUNT(*) FROM share_counters"); err != nil || n == 0 {
		t.Fatalf("counters = %d, %v", n, err)
	}
	f.clock.advance(31 * 24 * time.Hour)
	if err := f.svc.Purge(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.dbCount(&n, "SELECT COUNT(*) FROM share_counters"); err != nil || n != 0 {
		t.Errorf("after hash_retention, %d counters remain (%v)", n, err)
	}
}
