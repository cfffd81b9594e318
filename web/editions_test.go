package web

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// editionFixture stores two articles and two editions: one sent, one
// skipped, and returns the server with the archive and metrics on.
func editionFixture(t *testing.T) (base string, sent, skipped *store.Edition) {
	t.Helper()
	ctx := context.Background()
	db := newTestStore(t)
	until := time.Date(2026, 11, 30, 6, 0, 0, 0, ict)
	addArticle(t, db, "file:thoi-su/cau.txt", "Khánh thành cầu Long Kiểng", "Cầu dài 300 m.", until.Add(-time.Hour))
	addArticle(t, db, "file:thoi-su/cho.txt", "Chợ đầu mối đổi giờ", "Từ tuần sau.", until.Add(-2*time.Hour))
	sent = &store.Edition{Cadence: store.CadenceDaily, Since: until.Add(-24 * time.Hour), Until: until,
		Subject: "Bản tin sáng 30/11: Khánh thành cầu Long Kiểng"}
	skipped = &store.Edition{Cadence: store.CadenceWeekly, Since: until.Add(-7 * 24 * time.Hour), Until: until}
	for _, e := range []*store.Edition{sent, skipped} {
		if err := db.CreateEdition(ctx, e); err != nil {
			t.Fatal(err)
		}
		for {
			if _, done, err := db.PlanDeliveries(ctx, e, 100); err != nil {
				t.Fatal(err)
			} else if done {
				break
			}
		}
	}
	if _, err := db.SkipEdition(ctx, skipped.ID); err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	render := newsletter.NewRenderer(tpl, db, newsletter.RendererOptions{SiteName: "Bản tin Phường", SiteURL: "http://127.0.0.1", Location: ict})
	metrics := newsletter.NewMetrics()
	ts := newTestServer(t, db, nil, Options{Editions: EditionOptions{
		Archive: newsletter.NewArchive(db, render), Metrics: metrics, Location: ict,
	}})
	return ts.URL, sent, skipped
}

func TestEditionPages(t *testing.T) {
	base, sent, skipped := editionFixture(t)

	resp, body := get(t, base+"/editions")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("index: %d", resp.StatusCode)
	}
	for _, want := range []string{"Các bản tin đã gửi", "/editions/" + strconv.FormatInt(sent.ID, 10), "Bản tin sáng 30/11: Khánh thành cầu Long Kiểng",
		"Thứ Hai, 30/11/2026", `href="/editions/atom.xml"`} {
		if !strings.Contains(body, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	if strings.Contains(body, "/editions/"+strconv.FormatInt(skipped.ID, 10)+`"`) {
		t.Error("index lists a skipped edition")
	}

	resp, body = get(t, base+"/editions/"+strconv.FormatInt(sent.ID, 10))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("edition page: %d", resp.StatusCode)
	}
	for _, want := range []string{"<h1>Bản tin sáng 30/11: Khánh thành cầu Long Kiểng</h1>", "Thời sự",
		"Khánh thành cầu Long Kiểng", "Chợ đầu mối đổi giờ", `/a/`, "/share", "Gửi cho bạn bè", "2 tin"} {
		if !strings.Contains(body, want) {
			t.Errorf("edition page lacks %q", want)
		}
	}
	for _, path := range []string{"/editions/" + strconv.FormatInt(skipped.ID, 10), "/editions/999", "/editions/abc"} {
		if resp, _ := get(t, base+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	if resp, _ := get(t, base+"/editions?before=x"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad before: %d", resp.StatusCode)
	}
}

func TestEditionsAtomFeed(t *testing.T) {
	base, sent, _ := editionFixture(t)
	resp, body := get(t, base+"/editions/atom.xml")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("atom: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var f struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		ID      string   `xml:"id"`
		Updated string   `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			Title   string `xml:"title"`
			ID      string `xml:"id"`
			Updated string `xml:"updated"`
			Summary string `xml:"summary"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("atom does not parse: %v\n%s", err, body)
	}
	if f.Lang != "vi" || f.ID != "http://127.0.0.1/editions/atom.xml" || len(f.Links) != 2 || f.Links[0].Rel != "self" {
		t.Errorf("feed head: %+v", f)
	}
	if len(f.Entries) != 1 {
		t.Fatalf("%d entries, want the sent edition only", len(f.Entries))
	}
	en := f.Entries[0]
	if en.ID != "http://127.0.0.1/editions/"+strconv.FormatInt(sent.ID, 10) || en.Title != sent.Subject ||
		!strings.HasSuffix(en.Updated, "+07:00") || !strings.Contains(en.Summary, "Chợ đầu mối đổi giờ") {
		t.Errorf("entry %+v", en)
	}
}

// countingArchiveStore is the real store, counting the queries the
// archive makes through it.
type countingArchiveStore struct {
	db      *store.DB
	queries atomic.Int64
}

func (c *countingArchiveStore) Editions(ctx context.Context, q store.EditionQuery) ([]*store.Edition, error) {
	c.queries.Add(1)
	return c.db.Editions(ctx, q)
}

func (c *countingArchiveStore) EditionByID(ctx context.Context, id int64) (*store.Edition, error) {
	c.queries.Add(1)
	return c.db.EditionByID(ctx, id)
}

func (c *countingArchiveStore) NewsletterArticles(ctx context.Context, q store.NewsletterQuery) ([]*article.Article, error) {
	c.queries.Add(1)
	return c.db.NewsletterArticles(ctx, q)
}

func (c *countingArchiveStore) EditionArticles(ctx context.Context, eds []*store.Edition, limit int) ([][]*article.Article, error) {
	c.queries.Add(1)
	return c.db.EditionArticles(ctx, eds, limit)
}

// perEditionArchive reads the feed's editions as the handler used to: the
// list, then each edition's page on its own.
type perEditionArchive struct{ *newsletter.Archive }

func (a perEditionArchive) RecentEditionPages(ctx context.Context, limit int, lang string) ([]*newsletter.EditionPage, error) {
	eds, err := a.RecentEditions(ctx, limit, 0)
	if err != nil {
		return nil, err
	}
	var pages []*newsletter.EditionPage
	for _, e := range eds {
		p, err := a.EditionPage(ctx, e.ID, lang)
		if err != nil {
			return nil, err
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// TestEditionsAtomFeedQueries: the feed of more editions than it shows,
// with overlapping windows cut by MaxArticles, takes two queries, and is
// byte for byte what reading each edition's page on its own made.
func TestEditionsAtomFeedQueries(t *testing.T) {
	ctx := context.Background()
	db := newTestStore(t)
	first := time.Date(2026, 11, 1, 6, 0, 0, 0, ict)
	var eds []*store.Edition
	for d := range 24 {
		until := first.AddDate(0, 0, d)
		for h := 1; h <= 3; h++ {
			addArticle(t, db, fmt.Sprintf("file:tin/%d-%d.txt", d, h), fmt.Sprintf("Tin ngày %d số %d", d+1, h), "Tóm tắt.", until.Add(-time.Duration(h)*time.Hour))
		}
		eds = append(eds, &store.Edition{Cadence: store.CadenceDaily, Since: until.Add(-24 * time.Hour), Until: until})
		if d%7 == 6 {
			eds = append(eds, &store.Edition{Cadence: store.CadenceWeekly, Since: until.AddDate(0, 0, -7), Until: until,
				Subject: fmt.Sprintf("Bản tin tuần %d", d/7+1)})
		}
	}
	for _, e := range eds {
		if err := db.CreateEdition(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, done, err := db.PlanDeliveries(ctx, e, 100); err != nil || !done {
			t.Fatalf("plan edition %d: %v, done %v", e.ID, err, done)
		}
	}
	tpl, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	render := newsletter.NewRenderer(tpl, db, newsletter.RendererOptions{SiteName: "Bản tin Phường", SiteURL: "http://127.0.0.1",
		Location: ict, MaxArticles: 5})

	feed := func(archive func(newsletter.ArchiveStore) EditionArchive) (body string, queries int64) {
		counter := &countingArchiveStore{db: db}
		ts := newTestServer(t, db, nil, Options{Editions: EditionOptions{Archive: archive(counter), Location: ict}})
		resp, body := get(t, ts.URL+"/editions/atom.xml")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("atom: %d", resp.StatusCode)
		}
		return body, counter.queries.Load()
	}
	got, n := feed(func(db newsletter.ArchiveStore) EditionArchive { return newsletter.NewArchive(db, render) })
	want, before := feed(func(db newsletter.ArchiveStore) EditionArchive {
		return perEditionArchive{newsletter.NewArchive(db, render)}
	})
	t.Logf("queries: %d; one edition at a time: %d", n, before)
	if n != 2 {
		t.Errorf("the feed took %d queries, want 2 (one per edition took %d)", n, before)
	}
	if got != want {
		t.Errorf("feed changed:\n%s\nwant\n%s", got, want)
	}
	if c := strings.Count(got, "<entry>"); c != atomEditions {
		t.Errorf("%d entries, want %d", c, atomEditions)
	}
	if !strings.Contains(got, "Bản tin tuần 3") || !strings.Contains(got, "5 tin") {
		t.Errorf("a weekly edition, cut at 5 articles, is missing:\n%s", got)
	}
}

func TestMetricsRoute(t *testing.T) {
	base, _, _ := editionFixture(t)
	resp, body := get(t, base+"/metrics")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "bantin_digest_sent_total 0") {
		t.Fatalf("metrics: %d\n%s", resp.StatusCode, body)
	}
	// Without an archive or metrics configured, the routes do not exist.
	ts := newTestServer(t, newTestStore(t), nil, Options{})
	for _, path := range []string{"/metrics", "/editions"} {
		if resp, _ := get(t, ts.URL+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s without configuration: %d", path, resp.StatusCode)
		}
	}
}

// TestEditionTitleDate: an edition without a subject is titled with its
// date in the portal's zone. 06:00 in Hà Nội on the 30th is 23:00 UTC on
// the 29th, which a UTC date would show.
func TestEditionTitleDate(t *testing.T) {
	tpl, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	until := time.Date(2026, 11, 30, 6, 0, 0, 0, ict).UTC()
	for _, tt := range []struct {
		e    store.Edition
		lang string
		want string
	}{
		{store.Edition{Cadence: store.CadenceDaily, Until: until}, "vi", "30/11/2026"},
		{store.Edition{Cadence: store.CadenceWeekly, Until: until}, "en", "30/11/2026"},
		{store.Edition{Cadence: store.CadenceDaily, Until: until, Subject: "Bản tin sáng 30/11"}, "vi", "Bản tin sáng 30/11"},
	} {
		got := editionTitle(&tt.e, tpl.Catalog(), tt.lang, ict)
		if !strings.HasSuffix(got, tt.want) || strings.Contains(got, "29/11") {
			t.Errorf("editionTitle(%s, %s) = %q, want it to end in %q", tt.e.Cadence, tt.lang, got, tt.want)
		}
	}
}
