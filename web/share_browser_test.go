package web

import (
	"bytes"
	"context"
	"github.com/bantin/bantin/internal/testutil"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/share"
	"github.com/bantin/bantin/store/storetest"
	"github.com/bantin/bantin/templates"
)

// chromiumPath is Debian's Chromium (apt-get install -y chromium).
const chromiumPath = "/usr/bin/chromium"

// smtpSink is a real SMTP server (go-smtp) on loopback that keeps what it
// receives.
type smtpSink struct {
	mu   sync.Mutex
	msgs []sinkMsg
}

type sinkMsg struct {
	From string
	To   []string
	Data string
}

func (s *smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }

func (s *smtpSink) received() []sinkMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMsg(nil), s.msgs...)
}

// wait returns the received messages once there are n, or fails.
func (s *smtpSink) wait(t *testing.T, n int) []sinkMsg {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if got := s.received(); len(got) >= n {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the SMTP server got %d messages, want %d", len(s.received()), n)
	return nil
}

type sinkSession struct {
	sink *smtpSink
	from string
	to   []string
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error { ss.from = from; return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.sink.mu.Lock()
	defer ss.sink.mu.Unlock()
	ss.sink.msgs = append(ss.sink.msgs, sinkMsg{From: ss.from, To: ss.to, Data: string(b)})
	return nil
}
func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }

func startSMTPSink(t *testing.T) (*smtpSink, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := &smtpSink{}
	srv := smtp.NewServer(sink)
	srv.Domain = "mx.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return sink, ln.Addr().(*net.TCPAddr).Port
}

// TestBrowserShareAndFeedback drives headless Chromium through the real
// flow: the article page, "Gửi cho bạn bè", the form, the confirmation
// email at a real SMTP server, its button, the share email; then "Phản
// hồi". It saves screenshots of the pages at 390 and 1280 pixels wide
// into $BANTIN_TEST_ARTIFACTS (default: a temporary directory).
func TestBrowserShareAndFeedback(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip(chromiumPath + " is missing: install Debian's chromium (apt-get install -y chromium) to run the browser test")
	}
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	artifacts := os.Getenv("BANTIN_TEST_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	sink, port := startSMTPSink(t)

	// The site, on a loopback port known before the service is made, so
	// that the links in the mail point at it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	siteURL := "http://" + ln.Addr().String()
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	signer, err := token.New([]byte("khoá của phép thử trình duyệt, đủ dài cho HMAC"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mailer.New(mailer.Options{Transport: mailer.TransportSMTP,
		SMTP: mailer.SMTPOptions{Host: "127.0.0.1", Port: port, TLS: mailer.TLSNone, Connections: 1, Timeout: 5 * time.Second, HELO: "bantin.test"},
		From: mailer.Address{Name: "Bản tin Phường", Email: "no-reply@tin.example.vn"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	pages, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	so := shOptions()
	so.SiteURL = siteURL
	so.Share.MinFillTime = time.Second // the test waits it out
	so.Feedback.MinFillTime = time.Second
	so.Store, so.Mailer, so.Templates, so.Signer = db, m, pages, signer
	so.Logger = slog.New(slog.DiscardHandler)
	svc, err := share.New(ctx, so)
	if err != nil {
		t.Fatal(err)
	}
	site := New(Options{
		SiteName: "Bản tin Phường", SiteURL: siteURL, DefaultLanguage: "vi",
		Articles: db, DB: db, Templates: pages, MaxBodySize: 1 << 20,
		Article: ArticleOptions{Articles: db, Share: svc, Queue: svc.Queue()},
	}).Handler()
	// The article's photo, served beside the site (same origin, as the
	// CSP wants), so that the screenshots show a real picture offline.
	photo := testPhoto(t)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/anh/cau.png" {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(photo)
			return
		}
		site.ServeHTTP(w, r)
	}))
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	w := &shWeb{ts: ts, db: db}
	art := w.addArticle(t, "file:thoi-su/cau-moi.txt", "", "Khánh thành cầu Ông Lãnh mới")
	art.Images[1].URL = "/anh/cau.png"
	article.NewParser(article.Options{}).Normalize(art)
	if _, err := db.SaveArticle(ctx, art); err != nil {
		t.Fatal(err)
	}

	alloc, cancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		// A Vietnamese reader's browser: the pages answer its
		// Accept-Language.
		chromedp.Flag("lang", "vi-VN"),
		chromedp.Flag("accept-lang", "vi-VN,vi"),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancel()
	bctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	// shoot saves the page at 390 and 1280 pixels wide, then goes back to
	// the phone's width, where the rest of the test runs.
	shoot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			for _, width := range []int64{390, 1280} {
				if _, err := chromedp.EmulateViewport(width, 900)(ctx, tg); err != nil {
					return err
				}
				shot, err := chromedp.FullScreenshot(100)(ctx, tg)
				if err != nil {
					return err
				}
				path := filepath.Join(artifacts, name+"-"+strconv.FormatInt(width, 10)+".png")
				if err := os.WriteFile(path, shot, 0o644); err != nil {
					return err
				}
				t.Logf("screenshot %s", path)
			}
			_, err := chromedp.EmulateViewport(390, 900)(ctx, tg)
			return err
		})
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel chromedp.CSS) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	value := func(id chromedp.ID) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Value(id))
		if err != nil {
			t.Fatalf("value of %s: %v", id, err)
		}
		return s
	}

	do("article page",
		chromedp.EmulateViewport(390, 900),
		chromedp.Navigate(ts.URL+art.Path()),
		chromedp.WaitVisible(chromedp.CSS(`nav.actions`)),
		shoot("article"),
	)
	mailto, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS(`nav.actions a.mailto`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	if h := text("h1"); h != art.Title || !strings.HasPrefix(mailto.Value, "mailto:?subject=") {
		t.Fatalf("article page: h1 %q, mailto %q", h, mailto.Value)
	}

	// A mistake first: a link in the note. The page says so beside the
	// field and keeps what was typed.
	do("share link",
		chromedp.Click(chromedp.CSS(`nav.actions a.action[href$="/share"]`)),
		chromedp.WaitVisible(chromedp.ID(`f-name`)),
		shoot("share-form"),
	)
	do("share form with a mistake",
		chromedp.SendKeys(chromedp.ID(`f-name`), "Nguyễn Thu Hà"),
		chromedp.SendKeys(chromedp.ID(`f-email`), "ha@example.com"),
		chromedp.SendKeys(chromedp.ID(`f-to-0`), "lan@example.org"),
		chromedp.SendKeys(chromedp.ID(`f-note`), "Xem thêm ở khuyenmai.vn nhé"),
		chromedp.Sleep(1200*time.Millisecond),
	)
	do("submit with a mistake",
		chromedp.Click(chromedp.CSS(`form.share button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID(`f-note-error`)),
		shoot("share-form-errors"),
	)
	if e, name := text("#f-note-error"), value("f-name"); !strings.Contains(e, "Không được chứa đường link") || name != "Nguyễn Thu Hà" {
		t.Fatalf("after the mistake: error %q, name %q", e, name)
	}
	do("share form",
		chromedp.SetValue(chromedp.ID(`f-note`), "Bài này hay, đọc nhé!"),
		chromedp.Click(chromedp.CSS(`form.share button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.form-notice`)),
		shoot("share-pending"),
	)
	if h := text("h1"); h != "Kiểm tra hộp thư của bạn" {
		t.Fatalf("after sending: %q", h)
	}
	msgs := sink.wait(t, 1)
	confirm := testutil.ParseMail(t, []byte(msgs[0].Data))
	if len(msgs[0].To) != 1 || msgs[0].To[0] != "ha@example.com" {
		t.Fatalf("the confirmation went to %v", msgs[0].To)
	}
	link := confirm.Text[strings.Index(confirm.Text, siteURL+"/share/confirm?t="):]
	link = link[:strings.IndexAny(link, "\r\n")]

	do("confirmation",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`form button`)),
		shoot("share-confirm"),
		chromedp.Click(chromedp.CSS(`form button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form button`)),
	)
	if h := text("h1"); h != "Đã gửi bài viết" {
		t.Fatalf("after confirming: %q", h)
	}
	msgs = sink.wait(t, 2)
	got := msgs[1]
	if len(got.To) != 1 || got.To[0] != "lan@example.org" || got.From != "no-reply@tin.example.vn" {
		t.Fatalf("envelope: from %q to %v", got.From, got.To)
	}
	shareMail := testutil.ParseMail(t, []byte(got.Data))
	checkShareMail(t, shareMail, "lan@example.org", art.Title)
	// The email as a mail client would show it, for the eye.
	mailFile := filepath.Join(artifacts, "share-email.html")
	if err := os.WriteFile(mailFile, []byte(shareMail.HTML), 0o644); err != nil {
		t.Fatal(err)
	}
	do("share email", chromedp.Navigate("file://"+mailFile), shoot("share-email"))

	do("feedback",
		chromedp.Navigate(ts.URL+art.Path()),
		chromedp.Click(chromedp.CSS(`nav.actions a.action[href$="/feedback"]`)),
		chromedp.WaitVisible(chromedp.ID(`f-body`)),
		shoot("feedback-form"),
		chromedp.SendKeys(chromedp.ID(`f-name`), "Trần Văn Minh"),
		chromedp.SetValue(chromedp.ID(`f-email`), "minh@example.com"),
		chromedp.SendKeys(chromedp.ID(`f-body`), "Cảm ơn bài viết. Cầu thông xe ngày 20/11."),
		chromedp.Sleep(1200*time.Millisecond),
		chromedp.Click(chromedp.CSS(`form.feedback button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.form-notice`)),
	)
	if h := text("h1"); h != "Cảm ơn bạn" {
		t.Fatalf("after feedback: %q", h)
	}
	if n := len(sink.received()); n != 2 {
		t.Errorf("the feedback sent mail (%d messages); the submitter gets no copy", n)
	}
	t.Logf("screenshots in %s", artifacts)
}

// testPhoto returns a 1200x675 PNG of sky, river and a bridge.
func testPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1200, 675))
	for y := range 675 {
		for x := range 1200 {
			c := color.RGBA{R: uint8(120 + y/8), G: uint8(170 + y/12), B: 230, A: 255}
			switch {
			case y > 420:
				c = color.RGBA{R: 40, G: uint8(90 + (x+y)%20), B: 120, A: 255}
			case y > 330 && y < 360, y >= 360 && y <= 420 && (x/150)%2 == 0 && x%150 < 18:
				c = color.RGBA{R: 200, G: 90, B: 40, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
