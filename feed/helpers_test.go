package feed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
)

var ict = time.FixedZone("ICT", 7*3600)

// testSite is the site every test builds for; its URL matches no server,
// which is fine: self links are checked against it.
func testSite() Site {
	return Site{
		Name:     "Bản tin Phường Tân Hòa",
		URL:      "https://tin.example.vn",
		Language: "vi",
		Location: ict,
	}
}

func newTestBuilder(t testing.TB, s Site) *Builder {
	t.Helper()
	b, err := NewBuilder(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testArticle returns a synthetic article of category cat ("" for none),
// published n hours after a fixed date, with Vietnamese text, a tag, a
// byline, a relative link and a lead image.
func testArticle(n int, cat, catName string) *article.Article {
	key := fmt.Sprintf("file:%s/%04d.txt", cat, n)
	title := fmt.Sprintf("Phường tổ chức ngày hội đổi rác lấy cây xanh lần %d", n)
	a := &article.Article{
		ID:           article.IDFromKey(key),
		SourceKey:    key,
		Slug:         article.Slugify(title),
		Title:        title,
		Lead:         "Sáng Chủ Nhật, hơn 300 người dân đã mang giấy vụn, chai nhựa đến đổi lấy cây giống.",
		BodyHTML:     `<p>Ban tổ chức cho biết đã thu được hơn 2 tấn rác tái chế.</p><h2>Trồng cây ở hẻm</h2><p>Xem <a href="/tin/cay-xanh" rel="nofollow noopener">bài trước</a>.</p>`,
		Category:     catName,
		CategorySlug: cat,
		Tags:         []string{"môi trường", "cây xanh"},
		Byline:       "Mai Khôi",
		Images:       []article.Image{{URL: "/anh/doi-rac.jpg", Caption: "Người dân xếp hàng đổi rác"}},
		Newsletter:   true,
		PublishedAt:  time.Date(2026, 3, 1, 7, 0, 0, 0, ict).Add(time.Duration(n) * time.Hour),
	}
	a.ContentHash = article.ContentHash(a)
	return a
}

// testStore is a real SQLite store whose changes reach hook.
type testStore struct {
	*store.DB
	hook func(store.ArticleChange)
}

func newTestStore(t testing.TB) *testStore {
	t.Helper()
	return openTestStore(t, "sqlite://"+filepath.Join(t.TempDir(), "bantin.db"))
}

// openTestStore opens and migrates the store at dbURL, whose changes reach
// the returned testStore's hook.
func openTestStore(t testing.TB, dbURL string) *testStore {
	t.Helper()
	ctx := context.Background()
	ts := &testStore{}
	db, err := store.Open(ctx, dbURL, store.WithChangeHook(func(c store.ArticleChange) {
		if ts.hook != nil {
			ts.hook(c)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ts.DB = db
	return ts
}

func (s *testStore) save(t testing.TB, a *article.Article) {
	t.Helper()
	a.ContentHash = article.ContentHash(a)
	if _, err := s.SaveArticle(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

// newTestCache returns a cache over s, hooked to its changes.
func newTestCache(t testing.TB, s *testStore, o Options) *Cache {
	t.Helper()
	if o.MaxAge == 0 {
		o.MaxAge = 5 * time.Minute
	}
	if o.ArchiveMaxAge == 0 {
		o.ArchiveMaxAge = 24 * time.Hour
	}
	c, err := NewCache(s, newTestBuilder(t, testSite()), o)
	if err != nil {
		t.Fatal(err)
	}
	s.hook = c.ArticleChanged
	return c
}

func newTestServer(t testing.TB, c *Cache) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// fetch GETs (or HEADs) url with header pairs, and returns the response
// with its body read. It uses a transport that does not add or undo gzip,
// so the test sees the bytes on the wire.
func fetch(t testing.TB, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		body = append(body, buf[:n]...)
		if err != nil {
			break
		}
	}
	return resp, body
}
