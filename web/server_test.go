package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/store/storetest"
	"github.com/bantin/bantin/templates"
)

var ict = time.FixedZone("ICT", 7*3600)

func newTestStore(t *testing.T) *store.DB { return storetest.OpenSQLite(t) }

func addArticle(t *testing.T, db *store.DB, key, title, lead string, published time.Time) {
	t.Helper()
	a := &article.Article{
		ID: article.IDFromKey(key), SourceKey: key, Slug: article.Slugify(title), Title: title, Lead: lead,
		BodyHTML: "<p>" + lead + "</p>", Category: "Thời sự", CategorySlug: "thoi-su", Byline: "Thu Hà",
		Newsletter: true, PublishedAt: published,
	}
	a.ContentHash = article.ContentHash(a)
	if _, err := db.SaveArticle(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

func newTestServer(t *testing.T, db *store.DB, pinger Pinger, o Options) *httptest.Server {
	t.Helper()
	pages, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	o.SiteName, o.SiteURL = "Bản tin Phường", "http://127.0.0.1"
	o.Articles, o.DB, o.Templates = db, pinger, pages
	if o.DB == nil {
		o.DB = db
	}
	ts := httptest.NewServer(New(o).Handler())
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
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

func TestHomeListsLatestArticlesEscaped(t *testing.T) {
	db := newTestStore(t)
	addArticle(t, db, "file:a.txt", "Khai mạc lễ hội hoa xuân", "Lễ hội năm nay có 200 gian hàng.", time.Date(2026, 11, 20, 0, 0, 0, 0, ict))
	addArticle(t, db, "file:b.txt", `Chợ đêm <script>alert(1)</script>`, "Tiểu thương & người mua.", time.Date(2026, 11, 24, 0, 0, 0, 0, ict))
	ts := newTestServer(t, db, nil, Options{})

	resp, body := get(t, ts.URL+"/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html; charset=utf-8") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`<html lang="vi">`, "Tin mới nhất", "Khai mạc lễ hội hoa xuân", "Thứ Sáu, 20/11/2026", "Thứ Ba, 24/11/2026",
		"Chợ đêm &lt;script&gt;alert(1)&lt;/script&gt;", "Tiểu thương &amp; người mua.", "Thời sự",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("home page carries an unescaped title")
	}
	if strings.Index(body, "Chợ đêm") > strings.Index(body, "Khai mạc") {
		t.Error("older article listed before the newer one")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'none'") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestHomeLanguageNegotiation(t *testing.T) {
	db := newTestStore(t)
	addArticle(t, db, "file:a.txt", "Khai mạc lễ hội", "Lời dẫn.", time.Date(2026, 11, 20, 0, 0, 0, 0, ict))
	ts := newTestServer(t, db, nil, Options{})
	tests := []struct {
		name, query, accept, wantLang, wantText string
	}{
		{"default is Vietnamese", "", "", "vi", "Tin mới nhất"},
		{"query picks English", "?lang=en", "", "en", "Latest news"},
		{"Accept-Language picks English", "", "en-US,en;q=0.9", "en", "Friday, 20 November 2026"},
		{"Accept-Language prefers Vietnamese by q", "", "en;q=0.5, vi;q=0.9", "vi", "Thứ Sáu, 20/11/2026"},
		{"unknown query falls back", "?lang=fr", "", "vi", "Tin mới nhất"},
		{"query beats header", "?lang=vi", "en", "vi", "Tin mới nhất"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.accept != "" {
				hdr = []string{"Accept-Language", tt.accept}
			}
			_, body := get(t, ts.URL+"/"+tt.query, hdr...)
			if !strings.Contains(body, `<html lang="`+tt.wantLang+`">`) || !strings.Contains(body, tt.wantText) {
				t.Fatalf("want lang %s with %q; page starts %q", tt.wantLang, tt.wantText, body[:min(len(body), 300)])
			}
		})
	}
}

func TestHomePagesBackwards(t *testing.T) {
	db := newTestStore(t)
	base := time.Date(2026, 11, 1, 8, 0, 0, 0, ict)
	for i := range 5 {
		addArticle(t, db, fmt.Sprintf("file:%d.txt", i), fmt.Sprintf("Bài số %d", i), "Lời dẫn.", base.Add(time.Duration(i)*time.Hour))
	}
	ts := newTestServer(t, db, nil, Options{HomePageSize: 2})
	_, first := get(t, ts.URL+"/")
	if !strings.Contains(first, "Bài số 4") || !strings.Contains(first, "Bài số 3") || strings.Contains(first, "Bài số 2") {
		t.Fatal("first page does not hold exactly the two newest")
	}
	i := strings.Index(first, `href="/?before=`)
	if i < 0 {
		t.Fatal("first page has no link to older articles")
	}
	href := first[i+len(`href="`):]
	href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
	_, second := get(t, ts.URL+href)
	if !strings.Contains(second, "Bài số 2") || !strings.Contains(second, "Bài số 1") || strings.Contains(second, "Bài số 3") {
		t.Fatal("second page does not hold the next two")
	}
	resp, _ := get(t, ts.URL+"/?before=abc")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad before: status %d, want 400", resp.StatusCode)
	}
}

type failingPinger struct{}

func (failingPinger) Ping(context.Context) error { return errors.New("database is down") }

func TestHealthAndReadiness(t *testing.T) {
	db := newTestStore(t)
	ok := newTestServer(t, db, nil, Options{})
	if resp, body := get(t, ok.URL+"/healthz"); resp.StatusCode != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q", resp.StatusCode, body)
	}
	if resp, _ := get(t, ok.URL+"/readyz"); resp.StatusCode != 200 {
		t.Fatalf("/readyz with a live database = %d", resp.StatusCode)
	}
	down := newTestServer(t, db, failingPinger{}, Options{})
	if resp, _ := get(t, down.URL+"/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database down = %d, want 503", resp.StatusCode)
	}
	if resp, _ := get(t, down.URL+"/healthz"); resp.StatusCode != 200 {
		t.Fatalf("/healthz must not depend on the database, got %d", resp.StatusCode)
	}
}

func TestClosedDatabaseMakesReadyzFail(t *testing.T) {
	db := newTestStore(t)
	ts := newTestServer(t, db, nil, Options{})
	db.Close()
	if resp, _ := get(t, ts.URL+"/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz after the database closed = %d, want 503", resp.StatusCode)
	}
	if resp, _ := get(t, ts.URL+"/"); resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("home with the database closed = %d, want 500", resp.StatusCode)
	}
}

func TestNotFoundAndStatic(t *testing.T) {
	db := newTestStore(t)
	ts := newTestServer(t, db, nil, Options{})
	if resp, body := get(t, ts.URL+"/khong-co"); resp.StatusCode != 404 || !strings.Contains(body, "Không tìm thấy") {
		t.Fatalf("unknown path = %d %q", resp.StatusCode, body)
	}
	if resp, body := get(t, ts.URL+"/static/site.css"); resp.StatusCode != 200 || !strings.Contains(body, "prefers-color-scheme") {
		t.Fatalf("/static/site.css = %d", resp.StatusCode)
	}
}

func TestBodyLimit(t *testing.T) {
	db := newTestStore(t)
	ts := newTestServer(t, db, nil, Options{MaxBodySize: 1024})
	resp, err := http.Post(ts.URL+"/", "text/plain", strings.NewReader(strings.Repeat("x", 2048)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 KB body with a 1 KB limit = %d, want 413", resp.StatusCode)
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	db := newTestStore(t)
	pages, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Options{SiteName: "x", Articles: db, DB: db, Templates: pages, ShutdownTimeout: 5 * time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	if resp, _ := get(t, "http://"+ln.Addr().String()+"/healthz"); resp.StatusCode != 200 {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

func TestLanguageLinkKeepsTheQuery(t *testing.T) {
	db := newTestStore(t)
	ts := newTestServer(t, db, nil, Options{})
	_, body := get(t, ts.URL+"/?before=1700000000000000&t=abc")
	if !strings.Contains(body, `href="/?before=1700000000000000&amp;lang=en&amp;t=abc"`) {
		i := strings.Index(body, `class="lang"`)
		t.Fatalf("language link does not keep the query: %s", body[max(0, i-120):min(len(body), i+40)])
	}
	_, body = get(t, ts.URL+"/?lang=en")
	if !strings.Contains(body, `href="/?lang=vi"`) {
		t.Fatal("English page does not link back to Vietnamese")
	}
}
