package share

import (
	"context"
	"database/sql"
	"github.com/bantin/bantin/internal/testutil"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

var ict = time.FixedZone("ICT", 7*3600)

// clock is a settable time source shared by the service, its signer and
// the mailer.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a Service over a real SQLite store, real templates and a real
// mailer delivering into a Maildir.
type fixture struct {
	t       *testing.T
	svc     *Service
	db      *store.DB
	raw     *sql.DB // the same database, for looking at what is stored
	clock   *clock
	signer  *token.Signer
	maildir string
	art     *article.Article
}

// testOptions are the defaults of the configuration, with the notice
// going to one editor.
func testOptions() Options {
	return Options{
		SiteName: "Bản tin Phường", SiteURL: "https://tin.example.vn", DefaultLanguage: "vi",
		Share: ShareOptions{
			Enabled: true, MaxRecipients: 3, NoteMax: 140, NameMax: 80,
			MinFillTime: 3 * time.Second, FormTTL: 2 * time.Hour, ConfirmTTL: 24 * time.Hour,
			SenderTTL: 30 * 24 * time.Hour, StopLinkTTL: 365 * 24 * time.Hour, HashRetention: 30 * 24 * time.Hour,
			PerIP: 10, PerSender: 20, ConfirmationsPerAddress: 3, PerRecipient: 3, PerRecipientArticle: 1,
			GlobalPerHour: 500, MaxFormSize: 16 << 10,
		},
		Feedback: FeedbackOptions{
			Enabled: true, Notify: []mailer.Address{{Name: "Ban biên tập", Email: "toasoan@tin.example.vn"}},
			NotifyInterval: 15 * time.Minute, ShowApproved: true, NameMax: 80, MaxLength: 2000,
			MinFillTime: 3 * time.Second, FormTTL: 2 * time.Hour, PerIP: 5, PerEmail: 5, GlobalPerHour: 200,
			RejectedRetention: 90 * 24 * time.Hour, MaxFormSize: 64 << 10,
		},
	}
}

func newFixture(t *testing.T, change func(o *Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "bantin.db")
	db, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	signer, err := token.New([]byte("test-key-0123456789abcdef0123456789abcdef"), c.now)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "mail")
	m, err := mailer.New(mailer.Options{Transport: mailer.TransportMaildir, Maildir: dir,
		From: mailer.Address{Name: "Bản tin Phường", Email: "no-reply@tin.example.vn"}, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	o := testOptions()
	o.Store, o.Mailer, o.Templates, o.Signer, o.Now = db, m, pages, signer, c.now
	if change != nil {
		change(&o)
	}
	svc, err := New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, svc: svc, db: db, raw: raw, clock: c, signer: signer, maildir: dir}
	f.art = f.addArticle("file:thoi-su/cau.txt", "Khánh thành cầu Ông Lãnh mới")
	return f
}

func (f *fixture) addArticle(key, title string) *article.Article {
	f.t.Helper()
	a := &article.Article{
		ID: article.IDFromKey(key), SourceKey: key, Slug: article.Slugify(title), Title: title,
		Lead: "Cây cầu mới rút ngắn đường về trung tâm còn 10 phút.", BodyHTML: "<p>Thân bài.</p>",
		Newsletter: true, PublishedAt: time.Date(2026, 11, 19, 8, 0, 0, 0, ict),
	}
	a.ContentHash = article.ContentHash(a)
	if _, err := f.db.SaveArticle(context.Background(), a); err != nil {
		f.t.Fatal(err)
	}
	return a
}

// token returns a share form token loaded long enough ago to pass the
// fill time.
func (f *fixture) shareToken() string {
	tok := f.svc.ShareFormToken(f.art.ID)
	f.clock.advance(5 * time.Second)
	return tok
}

func (f *fixture) feedbackToken() string {
	tok := f.svc.FeedbackFormToken(f.art.ID)
	f.clock.advance(5 * time.Second)
	return tok
}

var testIP = netip.MustParseAddr("203.0.113.7")

func (f *fixture) share(form ShareForm, cookie string) (Outcome, error) {
	if form.Token == "" {
		form.Token = f.shareToken()
	}
	return f.svc.Share(context.Background(), ShareRequest{Article: f.art, Form: form, IP: testIP, Lang: "vi", SenderCookie: cookie})
}

func validShare() ShareForm {
	return ShareForm{Name: "Nguyễn Thu Hà", Email: "ha@example.com", To: []string{"lan@example.org", "", ""}, Note: "Bài này hay lắm!"}
}

// message is one delivered email, parsed.
type message = testutil.Mail

// mails returns the messages in the Maildir, oldest first.
func (f *fixture) mails() []message {
	return testutil.ReadMaildir(f.t, f.maildir)
}

// linkAfter returns the first URL in text that starts with prefix.
func linkAfter(t *testing.T, text, prefix string) string {
	t.Helper()
	i := strings.Index(text, prefix)
	if i < 0 {
		t.Fatalf("no %s link in:\n%s", prefix, text)
	}
	end := strings.IndexAny(text[i:], " \r\n\"<")
	if end < 0 {
		end = len(text) - i
	}
	return text[i : i+end]
}

// dbCount runs a COUNT query on the raw database.
func (f *fixture) dbCount(n *int, q string) error {
	return f.raw.QueryRow(q).Scan(n)
}
