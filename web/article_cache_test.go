package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/store"
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
