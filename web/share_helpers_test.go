package web

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
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
	"github.com/bantin/bantin/share"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/store/storetest"
	"github.com/bantin/bantin/templates"
)

// shWeb is a real server on loopback with article pages, both forms and
// the admin API over a real SQLite store, delivering into a Maildir.
type shWeb struct {
	ts      *httptest.Server
	db      *store.DB
	svc     *share.Service
	signer  *token.Signer
	clock   *testutil.Clock
	maildir string
	logs    *testutil.LockedBuffer
	art     *article.Article
}

const shAdminToken = "admin-token-for-tests-0123456789abcdef"

// shOptions are the configuration's defaults, with one editor to notify.
func shOptions() share.Options {
	return share.Options{
		SiteName: "Bản tin Phường", SiteURL: "https://tin.example.vn", DefaultLanguage: "vi",
		Share: share.ShareOptions{
			Enabled: true, MaxRecipients: 3, NoteMax: 140, NameMax: 80,
			MinFillTime: 3 * time.Second, FormTTL: 2 * time.Hour, ConfirmTTL: 24 * time.Hour,
			SenderTTL: 30 * 24 * time.Hour, StopLinkTTL: 365 * 24 * time.Hour, HashRetention: 30 * 24 * time.Hour,
			PerIP: 10, PerSender: 20, ConfirmationsPerAddress: 3, PerRecipient: 3, PerRecipientArticle: 1,
			GlobalPerHour: 500, MaxFormSize: 16 << 10,
		},
		Feedback: share.FeedbackOptions{
			Enabled: true, Notify: []mailer.Address{{Email: "toasoan@tin.example.vn"}},
			NotifyInterval: 15 * time.Minute, ShowApproved: true, NameMax: 80, MaxLength: 2000,
			MinFillTime: 3 * time.Second, FormTTL: 2 * time.Hour, PerIP: 5, PerEmail: 5, GlobalPerHour: 200,
			MaxFormSize: 64 << 10,
		},
	}
}

func newShWeb(t *testing.T, change func(*share.Options), changeWeb func(*Options)) *shWeb {
	t.Helper()
	ctx := context.Background()
	clock := testutil.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	db := storetest.OpenSQLite(t)
	signer, err := token.New([]byte("khoá thử nghiệm của bài viết, đủ dài cho HMAC"), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "mail")
	m, err := mailer.New(mailer.Options{Transport: mailer.TransportMaildir, Maildir: dir,
		From: mailer.Address{Name: "Bản tin Phường", Email: "no-reply@tin.example.vn"}, Now: clock.Now})
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
	so := shOptions()
	so.Store, so.Mailer, so.Templates, so.Signer, so.Logger, so.Now = db, m, pages, signer, logger, clock.Now
	if change != nil {
		change(&so)
	}
	svc, err := share.New(ctx, so)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		SiteName: "Bản tin Phường", SiteURL: "https://tin.example.vn", DefaultLanguage: "vi",
		Articles: db, DB: db, Templates: pages, Logger: logger, MaxBodySize: 1 << 20,
		Article: ArticleOptions{Articles: db, Share: svc, Queue: svc.Queue(), AdminToken: shAdminToken},
	}
	if changeWeb != nil {
		changeWeb(&o)
	}
	ts := httptest.NewServer(New(o).Handler())
	t.Cleanup(ts.Close)
	w := &shWeb{ts: ts, db: db, svc: svc, signer: signer, clock: clock, maildir: dir, logs: logs}
	w.art = w.addArticle(t, "file:thoi-su/cau-moi.txt", "", "Khánh thành cầu Ông Lãnh mới")
	return w
}

// addArticle saves a synthetic article in the portal's shape: a
// subheading, a captioned photo, a byline.
func (w *shWeb) addArticle(t *testing.T, key, id, title string) *article.Article {
	t.Helper()
	a := &article.Article{
		ID: id, SourceKey: key, Title: title, Category: "Thời sự",
		Lead:       "Sáng 20/11, cây cầu mới nối hai bờ kênh được thông xe, rút ngắn đường về trung tâm còn 10 phút.",
		BodyHTML:   `<p>Công trình dài 420 mét, khởi công từ tháng 3 năm ngoái.</p>` + "\n" + `<h2>Giảm ùn tắc giờ cao điểm</h2>` + "\n" + `<figure class="photo"><figcaption>Xe qua cầu sáng khánh thành</figcaption></figure>` + "\n" + `<p>Người dân hai phường vui mừng.</p>`,
		Byline:     "Mai Khôi",
		Images:     []article.Image{{Caption: "Xe qua cầu sáng khánh thành"}, {URL: "https://static.example.vn/cau.jpg", Caption: "Toàn cảnh cây cầu"}},
		Newsletter: true, PublishedAt: time.Date(2026, 11, 20, 8, 30, 0, 0, ict),
	}
	article.NewParser(article.Options{}).Normalize(a)
	if _, err := w.db.SaveArticle(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// client returns a client with its own cookie jar that does not follow
// redirects.
func (w *shWeb) client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request and returns the response with its body read;
// header is name, value pairs.
func (w *shWeb) do(t *testing.T, c *http.Client, method, path string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, w.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c == nil {
		c = w.client(t)
	}
	resp, err := c.Do(req)
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

func (w *shWeb) post(t *testing.T, c *http.Client, path string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	return w.do(t, c, "POST", path, strings.NewReader(form.Encode()), header...)
}

var hiddenToken = regexp.MustCompile(`name="t" value="([^"]+)"`)

// formToken loads the form at path, as a browser does, and returns its
// token, after waiting out the fill time.
func (w *shWeb) formToken(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	resp, body := w.do(t, c, "GET", path, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	m := hiddenToken.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token in %s", path)
	}
	w.clock.Advance(4 * time.Second)
	return html.UnescapeString(m[1])
}

// shareForm returns a valid share post of w.art with a fresh token.
func (w *shWeb) shareForm(t *testing.T, c *http.Client) url.Values {
	return url.Values{
		"t": {w.formToken(t, c, w.sharePath())}, "name": {"Nguyễn Thu Hà"}, "email": {"ha@example.com"},
		"to": {"lan@example.org", "", ""}, "note": {"Bài này hay, đọc nhé!"}, "website": {""},
	}
}

func (w *shWeb) sharePath() string    { return "/a/" + w.art.ID + "/share" }
func (w *shWeb) feedbackPath() string { return "/a/" + w.art.ID + "/feedback" }

// confirmedSender returns a client whose cookie says it confirmed
// ha@example.com, as after following a confirmation link.
func (w *shWeb) confirmedSender(t *testing.T) *http.Client {
	c := w.client(t)
	u, _ := url.Parse(w.ts.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: senderCookie, Value: w.signer.Sign("share-sender-cookie", "ha@example.com", time.Hour), Path: "/"}})
	return c
}

// shMail is one delivered message, parsed.
type shMail = testutil.Mail

// mails returns the delivered messages, oldest first.
func (w *shWeb) mails(t *testing.T) []shMail {
	t.Helper()
	return testutil.ReadMaildir(t, w.maildir)
}

// sitePath returns the path and query of a link to the site in text.
func sitePath(t *testing.T, text, prefix string) string {
	t.Helper()
	i := strings.Index(text, "https://tin.example.vn"+prefix)
	if i < 0 {
		t.Fatalf("no %s link in:\n%s", prefix, text)
	}
	s := text[i:]
	if j := strings.IndexAny(s, " \r\n\"<"); j >= 0 {
		s = s[:j]
	}
	return strings.TrimPrefix(s, "https://tin.example.vn")
}

func (w *shWeb) svcCatalog() templates.Catalog { return templates.NewCatalog() }
