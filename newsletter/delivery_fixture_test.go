package newsletter

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/store/storetest"
	"github.com/bantin/bantin/templates"
)

const testSite = "https://tin.example.vn"

var testZone = time.FixedZone("ICT", 7*3600)

// fixture is a real SQLite store, the real templates and a renderer and
// planner over them, as the daemon wires them.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	db      *store.DB
	tpl     *templates.Set
	render  *Renderer
	planner *Planner
	links   *tokenLinks
	metrics *Metrics
	// articles counts the renderer's article queries: one per variant
	// rendered.
	articles *countingArticles
	// now is the time the tests' editions are cut at: Monday 30/11/2026
	// 06:00 in Vietnam.
	now  time.Time
	nArt int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	// Batches of 10, so that the 4 workers of testDelivery share an
	// edition of a few dozen subscribers.
	db := storetest.OpenSQLite(t, store.WithDeliveryBatch(10))
	return newFixtureOn(t, db)
}

func newFixtureOn(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	tpl, err := templates.New(templates.Options{Location: testZone})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := token.New([]byte("0123456789abcdef0123456789abcdef-test-key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		t: t, ctx: context.Background(), db: db, tpl: tpl,
		links:    &tokenLinks{signer: signer},
		metrics:  NewMetrics(),
		articles: &countingArticles{db: db},
		now:      time.Date(2026, 11, 30, 6, 0, 0, 0, testZone),
	}
	f.render = NewRenderer(tpl, f.articles, RendererOptions{
		SiteName: "Tin Nhanh", SiteURL: testSite, Contact: "toasoan@tin.example.vn", Location: testZone,
		Categories: []DigestCategory{{"thoi-su", "Thời sự"}, {"kinh-te", "Kinh tế"}, {"the-thao", "Thể thao"}},
	})
	f.planner = NewPlanner(db, f.render, PlannerOptions{InstantWindow: 10 * time.Minute, Metrics: f.metrics, ChunkSize: 7})
	return f
}

// countingArticles counts the queries of the renderer.
type countingArticles struct {
	db    ArticleSource
	calls atomic.Int64
}

func (c *countingArticles) NewsletterArticles(ctx context.Context, q store.NewsletterQuery) ([]*article.Article, error) {
	c.calls.Add(1)
	return c.db.NewsletterArticles(ctx, q)
}

// tokenLinks makes links as Subscriptions does, with internal/token.
type tokenLinks struct{ signer *token.Signer }

func (l *tokenLinks) Links(sub *store.Subscriber) (string, string) {
	id := strconv.FormatInt(sub.ID, 10)
	return testSite + "/unsubscribe?t=" + url.QueryEscape(l.signer.Sign("unsubscribe", id, time.Hour)),
		testSite + "/preferences?t=" + url.QueryEscape(l.signer.Sign("preferences", id, time.Hour))
}

func (l *tokenLinks) ShareSenderToken(sub *store.Subscriber) string {
	return l.signer.Sign(token.PurposeShareSender, sub.Email, time.Hour)
}

// article saves an article published ago before f.now.
func (f *fixture) article(title, cat string, ago time.Duration, newsletter bool) *article.Article {
	f.t.Helper()
	f.nArt++
	names := map[string]string{"thoi-su": "Thời sự", "kinh-te": "Kinh tế", "the-thao": "Thể thao", "van-hoa": "Văn hóa"}
	a := &article.Article{
		ID:           fmt.Sprintf("a%03d", f.nArt),
		SourceKey:    fmt.Sprintf("file:%s/%d.txt", cat, f.nArt),
		Slug:         fmt.Sprintf("bai-%d", f.nArt),
		Title:        title,
		Lead:         "Sáng nay, ban tổ chức cho biết chương trình " + title + " sẽ kéo dài đến hết tuần, với nhiều hoạt động dành cho người dân.",
		BodyHTML:     "<p>Nội dung.</p>",
		Category:     names[cat],
		CategorySlug: cat,
		Newsletter:   newsletter,
		PublishedAt:  f.now.Add(-ago).UTC(),
		ContentHash:  fmt.Sprintf("h%d", f.nArt),
	}
	if _, err := f.db.SaveArticle(f.ctx, a); err != nil {
		f.t.Fatal(err)
	}
	return a
}

// subscriber adds an active subscriber.
func (f *fixture) subscriber(email, cadence string, cats ...string) *store.Subscriber {
	f.t.Helper()
	sub, created, err := f.db.CreateSubscriber(f.ctx, &store.Subscriber{
		Email: email, Name: "", Status: store.StatusActive, Cadence: cadence, Categories: cats,
		SendHour: -1, Language: "vi",
	}, store.Consent{Action: store.ConsentAdd, At: time.Now()})
	if err != nil || !created {
		f.t.Fatalf("create subscriber %s: %v", email, err)
	}
	return sub
}

func (f *fixture) setStatus(id int64, status string) {
	f.t.Helper()
	_, err := f.db.ChangeSubscriber(f.ctx, id, nil, func(s *store.Subscriber) { s.Status = status },
		store.Consent{Action: store.ConsentUnsubscribe, At: time.Now()})
	if err != nil {
		f.t.Fatal(err)
	}
}

// mailer returns a real Mailer to s.
func (f *fixture) mailer(s *sink, conns int, timeout time.Duration) *mailer.Mailer {
	f.t.Helper()
	m, err := mailer.New(mailer.Options{
		Transport: mailer.TransportSMTP,
		From:      mailer.Address{Name: "Tin Nhanh", Email: "no-reply@tin.example.vn"},
		Domain:    "tin.example.vn",
		SMTP: mailer.SMTPOptions{Host: "127.0.0.1", Port: s.port, TLS: mailer.TLSNone, Connections: conns,
			Timeout: timeout, HELO: "bantin.test"},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = m.Close() })
	return m
}

// testDelivery is DeliveryOptions made for tests: quick retries and
// leases.
func testDelivery() DeliveryOptions {
	return DeliveryOptions{
		Workers: 4, RecordEvery: 5, MaxUnrecorded: 10, MaxAttempts: 4,
		MaxAge: time.Hour, Backoff: 10 * time.Millisecond, Lease: 500 * time.Millisecond,
		BounceThreshold: 1, Poll: 20 * time.Millisecond,
	}
}

func (f *fixture) deliverer(m mailer.Sender, o DeliveryOptions) *Deliverer {
	if o.Metrics == nil {
		o.Metrics = f.metrics
	}
	return NewDeliverer(f.db, m, f.render, f.links, f.planner, o)
}

// chunks makes the planner queue n deliveries per chunk, and so cut
// batches of at most n (as well as the store's batch size).
func (f *fixture) chunks(n int) {
	f.planner = NewPlanner(f.db, f.render, PlannerOptions{InstantWindow: 10 * time.Minute, Metrics: f.metrics, ChunkSize: n})
}

// plan plans the edition of cadence at f.now, failing the test if there
// is none.
func (f *fixture) plan(cadence string) *store.Edition {
	f.t.Helper()
	e, err := f.planner.Plan(f.ctx, cadence, f.now)
	if err != nil {
		f.t.Fatalf("plan %s: %v", cadence, err)
	}
	return e
}

// deliver sends edition e to the end with a Deliverer over m.
func (f *fixture) deliver(m mailer.Sender, e *store.Edition, o DeliveryOptions) DrainResult {
	f.t.Helper()
	o.Edition = e.ID
	ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer cancel()
	res, err := f.deliverer(m, o).DeliverEdition(ctx)
	if err != nil {
		f.t.Fatalf("deliver edition %d: %v", e.ID, err)
	}
	return res
}

func (f *fixture) counts(e *store.Edition) store.DeliveryCounts {
	f.t.Helper()
	c, err := f.db.EditionDeliveryCounts(f.ctx, e.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// waitFor polls cond until it holds or the test has waited too long.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
