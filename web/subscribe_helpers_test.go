package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/testutil"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/store/storetest"
	"github.com/bantin/bantin/templates"
)

// subWeb is a real server on loopback with the subscription pages over a
// real SQLite store, delivering real mail into a Maildir.
type subWeb struct {
	ts      *httptest.Server
	db      *store.DB
	subs    *newsletter.Subscriptions
	clock   *testutil.Clock
	maildir string
	logs    *testutil.LockedBuffer
	client  *http.Client // does not follow redirects
}

func newSubWeb(t *testing.T, opts ...func(*newsletter.SubscriptionOptions)) *subWeb {
	t.Helper()
	clock := testutil.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	db := storetest.OpenSQLite(t, store.WithClock(clock.Now))
	for _, a := range []struct{ key, cat, slug string }{{"a.txt", "Thời sự", "thoi-su"}, {"b.txt", "Văn hóa", "van-hoa"}} {
		art := &article.Article{ID: article.IDFromKey(a.key), SourceKey: a.key, Slug: "bai", Title: "Bài " + a.key,
			Category: a.cat, CategorySlug: a.slug, PublishedAt: time.Date(2026, 11, 20, 0, 0, 0, 0, ict)}
		art.ContentHash = article.ContentHash(art)
		if _, err := db.SaveArticle(context.Background(), art); err != nil {
			t.Fatal(err)
		}
	}
	signer, err := token.New([]byte("một khoá thử nghiệm đủ dài cho HMAC-SHA256"), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "mail")
	m, err := mailer.New(mailer.Options{Transport: mailer.TransportMaildir, Maildir: dir,
		From: mailer.Address{Name: "Bản tin Phường", Email: "tin@example.vn"}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	pages, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	logs := &testutil.LockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	so := newsletter.SubscriptionOptions{
		SiteName: "Bản tin Phường", SiteURL: "https://tin.example.vn", Contact: "toasoan@example.vn",
		ConfirmTTL: 48 * time.Hour, LinkTTL: 365 * 24 * time.Hour, MinFillTime: 3 * time.Second,
		SubscribePerIP: 10, ConfirmationsPerAddress: 3, Logger: logger, Now: clock.Now,
	}
	for _, fn := range opts {
		fn(&so)
	}
	subs := newsletter.NewSubscriptions(db, signer, m, pages, so)
	srv := New(Options{
		SiteName: "Bản tin Phường", SiteURL: "https://tin.example.vn", DefaultLanguage: "vi",
		Articles: db, DB: db, Templates: pages, Logger: logger, MaxBodySize: 1 << 20,
		Subscribe: SubscribeOptions{Subscriptions: subs, Categories: db, Contact: "toasoan@example.vn",
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
	})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &subWeb{ts: ts, db: db, subs: subs, clock: clock, maildir: dir, logs: logs, client: client}
}

// do sends a request and returns the response with its body read.
func (w *subWeb) do(t *testing.T, method, path string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, w.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := w.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func (w *subWeb) get(t *testing.T, path string, header ...string) (*http.Response, string) {
	t.Helper()
	return w.do(t, "GET", path, nil, header...)
}

func (w *subWeb) post(t *testing.T, path string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	header = append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)
	return w.do(t, "POST", path, strings.NewReader(form.Encode()), header...)
}

var formTokenPattern = regexp.MustCompile(`name="ft" value="([^"]+)"`)

// formToken loads the subscribe page and returns its form token, then
// lets enough time pass for a person to fill it in.
func (w *subWeb) formToken(t *testing.T) string {
	t.Helper()
	_, body := w.get(t, "/subscribe")
	m := formTokenPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form token in the subscribe page:\n%s", body)
	}
	w.clock.Advance(5 * time.Second)
	return m[1]
}

// subscribeForm is a filled-in subscribe form.
func (w *subWeb) subscribeForm(t *testing.T, email string) url.Values {
	t.Helper()
	return url.Values{"ft": {w.formToken(t)}, "email": {email}, "name": {"Lan"}, "cadence": {"daily"}, "category": {"thoi-su"}}
}

func (w *subWeb) subscriber(t *testing.T, email string) *store.Subscriber {
	t.Helper()
	sub, err := w.db.SubscriberByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("subscriber %s: %v", email, err)
	}
	return sub
}

// webMail is one message read back from the Maildir.
type webMail struct {
	To, Subject, Text string
	Header            mail.Header
}

func (w *subWeb) mails(t *testing.T) []webMail {
	t.Helper()
	var out []webMail
	for _, m := range testutil.ReadMaildir(t, w.maildir) {
		out = append(out, webMail{To: m.Header.Get("To"), Subject: m.Subject(t), Text: m.Text, Header: m.Header})
	}
	return out
}

func (w *subWeb) mailsTo(t *testing.T, addr string) []webMail {
	t.Helper()
	var out []webMail
	for _, m := range w.mails(t) {
		if strings.Contains(m.To, "<"+addr+">") || m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

var mailLinkPattern = regexp.MustCompile(`https://tin\.example\.vn(/[a-z/]+\?t=[A-Za-z0-9._-]+(?:&lang=[a-z]+)?)`)

// link returns the path and query of the first link to path in m.
func (m webMail) link(t *testing.T, path string) string {
	t.Helper()
	for _, l := range mailLinkPattern.FindAllStringSubmatch(m.Text, -1) {
		if strings.HasPrefix(l[1], path+"?") {
			return l[1]
		}
	}
	t.Fatalf("no %s link in:\n%s", path, m.Text)
	return ""
}

// confirmedSubscriber subscribes email through the pages and confirms it,
// returning its preferences and unsubscribe paths.
func (w *subWeb) confirmedSubscriber(t *testing.T, email string) (prefs, unsub string) {
	t.Helper()
	if resp, body := w.post(t, "/subscribe", w.subscribeForm(t, email)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("subscribe %s = %d\n%s", email, resp.StatusCode, body)
	}
	mails := w.mailsTo(t, email)
	confirm := mails[len(mails)-1].link(t, newsletter.PathConfirm)
	tok := strings.TrimPrefix(confirm, newsletter.PathConfirm+"?t=")
	if resp, body := w.post(t, "/subscribe/confirm", url.Values{"t": {tok}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm = %d\n%s", resp.StatusCode, body)
	}
	u, p := w.subs.Links(w.subscriber(t, email))
	return strings.TrimPrefix(p, "https://tin.example.vn"), strings.TrimPrefix(u, "https://tin.example.vn")
}

// tokenOf returns the t parameter of a path.
func tokenOf(t *testing.T, path string) string {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("t")
}
