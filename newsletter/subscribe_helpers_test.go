package newsletter

import (
	"bytes"
	"github.com/bantin/bantin/internal/testutil"
	"mime"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/store/storetest"
	"github.com/bantin/bantin/templates"
)

// subEnv is a Subscriptions over a real SQLite store, delivering real mail
// into a Maildir.
type subEnv struct {
	db      *store.DB
	subs    *Subscriptions
	clock   *testutil.Clock
	maildir string
}

func newSubEnv(t *testing.T, opts ...func(*SubscriptionOptions)) *subEnv {
	t.Helper()
	clock := testutil.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	db := storetest.OpenSQLite(t, store.WithClock(clock.Now))
	return newSubEnvOn(t, db, clock, filepath.Join(t.TempDir(), "mail"), opts...)
}

// newSubEnvOn is newSubEnv over db, on clock, delivering into the Maildir
// dir: two of them on one database are two instances of bantin.
func newSubEnvOn(t *testing.T, db *store.DB, clock *testutil.Clock, dir string, opts ...func(*SubscriptionOptions)) *subEnv {
	t.Helper()
	signer, err := token.New(bytes.Repeat([]byte("khoá-bí-mật-thử "), 3), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mailer.New(mailer.Options{Transport: mailer.TransportMaildir, Maildir: dir,
		From: mailer.Address{Name: "Bản tin Phường", Email: "tin@example.vn"}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	tmpl, err := templates.New(templates.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := SubscriptionOptions{
		SiteName: "Bản tin Phường", SiteURL: "https://tin.example.vn/", Contact: "toasoan@example.vn",
		ConfirmTTL: 48 * time.Hour, LinkTTL: 365 * 24 * time.Hour, MinFillTime: 3 * time.Second,
		SubscribePerIP: 5, ConfirmationsPerAddress: 3, Now: clock.Now,
	}
	for _, fn := range opts {
		fn(&o)
	}
	return &subEnv{db: db, subs: NewSubscriptions(db, signer, m, tmpl, o), clock: clock, maildir: dir}
}

// sentMail is a message read back from the Maildir.
type sentMail struct{ testutil.Mail }

// mails returns every message delivered so far, oldest first.
func (e *subEnv) mails(t *testing.T) []sentMail {
	t.Helper()
	return readMaildir(t, e.maildir)
}

// mailsTo returns the messages to addr.
func (e *subEnv) mailsTo(t *testing.T, addr string) []sentMail {
	t.Helper()
	var out []sentMail
	for _, m := range e.mails(t) {
		if strings.Contains(m.Header.Get("To"), "<"+addr+">") || m.Header.Get("To") == addr {
			out = append(out, m)
		}
	}
	return out
}

func readMaildir(t *testing.T, dir string) []sentMail {
	t.Helper()
	var out []sentMail
	for _, m := range testutil.ReadMaildir(t, dir) {
		out = append(out, sentMail{m})
	}
	return out
}

func parseMail(t *testing.T, raw []byte) sentMail { return sentMail{testutil.ParseMail(t, raw)} }

// Subject returns the decoded subject.
func (m sentMail) Subject() string {
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return m.Header.Get("Subject")
	}
	return s
}

var linkPattern = regexp.MustCompile(`https://tin\.example\.vn(/[a-z/]+)\?t=([A-Za-z0-9._-]+)`)

// link returns the token of the first link to path in the text part.
func (m sentMail) link(t *testing.T, path string) string {
	t.Helper()
	for _, l := range linkPattern.FindAllStringSubmatch(m.Text, -1) {
		if l[1] == path {
			return l[2]
		}
	}
	t.Fatalf("no %s link in:\n%s", path, m.Text)
	return ""
}
