package web

import (
	"context"
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

func TestPageCache(t *testing.T) {
	c := newPageCache(time.Second, 2)
	now := time.Now()
	renders := 0
	page := func(w http.ResponseWriter) {
		renders++
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("trang"))
	}
	get := func(key string, at time.Time) string {
		rec := httptest.NewRecorder()
		if !c.serve(rec, key, at) {
			c.render(rec, key, at, page)
		}
		if rec.Header().Get("Content-Type") != "text/html" {
			t.Error("headers not kept")
		}
		return rec.Body.String()
	}
	if get("vi /a/x", now) != "trang" || get("vi /a/x", now.Add(999*time.Millisecond)) != "trang" || renders != 1 {
		t.Fatalf("renders = %d, want 1 within the ttl", renders)
	}
	get("vi /a/x", now.Add(time.Second))
	if renders != 2 {
		t.Fatalf("renders = %d after the ttl, want 2", renders)
	}
	get("en /a/x", now)
	get("vi /a/y", now) // over the bound of 2: starts over
	if len(c.entries) != 1 {
		t.Errorf("%d entries, want 1 after starting over", len(c.entries))
	}
	rec := httptest.NewRecorder()
	c.render(rec, "vi /a/z", now, func(w http.ResponseWriter) { http.Error(w, "x", 500) })
	if rec.Code != 500 || c.serve(httptest.NewRecorder(), "vi /a/z", now) {
		t.Error("an error page was cached")
	}
}

// TestArticlePageCacheIsStaleForATTL: a newly approved feedback shows at
// once without the cache, and not before the cache's ttl with it.
func TestArticlePageCacheIsStaleForATTL(t *testing.T) {
	for _, ttl := range []time.Duration{-1, time.Hour} {
		w := newShWeb(t, nil, func(o *Options) { o.Article.PageCacheTTL = ttl })
		_, before := w.do(t, nil, "GET", w.art.Path(), nil)
		c := w.client(t)
		if resp, _ := w.post(t, c, w.feedbackPath(), w.feedbackForm(t, c)); resp.StatusCode != http.StatusOK {
			t.Fatal(resp.StatusCode)
		}
		list, _ := w.svc.Queue().List(context.Background(), store.FeedbackQuery{})
		if err := w.svc.Queue().Approve(context.Background(), list[0].ID); err != nil {
			t.Fatal(err)
		}
		_, after := w.do(t, nil, "GET", w.art.Path(), nil)
		shown := strings.Contains(after, "Trần Văn Minh")
		if strings.Contains(before, "Trần Văn Minh") || shown != (ttl < 0) {
			t.Errorf("ttl %s: approved feedback shown = %v", ttl, shown)
		}
	}
}

// TestArticleChangedDropsCachedPages: a change to an article (this
// instance's or another's) shows at once on its page, cached for an hour,
// even when it renamed the page; other articles' pages stay cached.
func TestArticleChangedDropsCachedPages(t *testing.T) {
	ctx := context.Background()
	var srv *Server
	db := storetest.OpenSQLite(t, store.WithChangeHook(func(ch store.ArticleChange) { srv.ArticleChanged(ch) }))
	pages, err := templates.New(templates.Options{Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	srv = New(Options{SiteName: "Bản tin Phường", SiteURL: "http://127.0.0.1", Articles: db, DB: db, Templates: pages,
		Article: ArticleOptions{Articles: db, PageCacheTTL: time.Hour}})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	save := func(key, title, lead string) *article.Article {
		t.Helper()
		a := &article.Article{SourceKey: key, Title: title, Lead: lead, BodyHTML: "<p>Nội dung.</p>",
			PublishedAt: time.Date(2026, 11, 20, 8, 30, 0, 0, ict)}
		article.NewParser(article.Options{}).Normalize(a)
		if _, err := db.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	page := func(a *article.Article) string {
		t.Helper()
		_, body := get(t, ts.URL+a.Path())
		return body
	}
	a := save("file:a.txt", "Khánh thành cầu mới", "Bản tin đầu.")
	other := save("file:b.txt", "Họp tổ dân phố", "Họp thường kỳ.")
	page(a)
	page(other)

	save("file:a.txt", "Khánh thành cầu mới", "Bản tin đã sửa.")
	if body := page(a); !strings.Contains(body, "Bản tin đã sửa.") {
		t.Error("the corrected lead does not show at once")
	}
	renamed := save("file:a.txt", "Khánh thành cầu Ông Lãnh", "Bản tin đã sửa.")
	if body := page(a); !strings.Contains(body, "Khánh thành cầu Ông Lãnh") || renamed.Path() == a.Path() {
		t.Error("the old address of a renamed article still serves its cached page")
	}

	// Without a notice, the other article's page stays as cached.
	srv.pages.mu.Lock()
	_, kept := srv.pages.entries["vi "+other.Path()]
	srv.pages.mu.Unlock()
	if !kept {
		t.Error("a change to one article dropped another's page")
	}
	srv.ArticleChanged(store.ArticleChange{All: true})
	if n := len(srv.pages.entries); n != 0 {
		t.Errorf("%d pages kept after All", n)
	}
}

// TestPageReadBeforeAChangeIsNotKept: a page rendered from what was read
// before a change is served to its reader but not kept.
func TestPageReadBeforeAChangeIsNotKept(t *testing.T) {
	c := newPageCache(time.Hour, 10)
	now := time.Now()
	gen := c.generation()
	c.forget("x", false) // the change lands while the page is rendered
	c.renderSince(httptest.NewRecorder(), "vi /a/x", gen, now, func(w http.ResponseWriter) { _, _ = w.Write([]byte("cũ")) })
	if c.serve(httptest.NewRecorder(), "vi /a/x", now) {
		t.Error("a page read before a change was kept")
	}
}
