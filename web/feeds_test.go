package web

import (
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/feed"
)

// The feeds are served through the server's routes and every page
// announces them.
func TestFeedsMountedAndAnnounced(t *testing.T) {
	db := newTestStore(t)
	addArticle(t, db, "file:a.txt", "Khai mạc lễ hội hoa xuân", "Lời dẫn.", time.Date(2026, 11, 20, 0, 0, 0, 0, ict))
	b, err := feed.NewBuilder(feed.Site{Name: "Bản tin Phường", URL: "http://127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := feed.NewCache(db, b, feed.Options{Items: 10, ArchiveSize: 1, MaxAge: time.Minute, ArchiveMaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, db, nil, Options{Feeds: c.Handler()})
	for path, ctype := range map[string]string{
		"/rss.xml":                     "application/rss+xml; charset=utf-8",
		"/atom.xml":                    "application/atom+xml; charset=utf-8",
		"/feed.json":                   "application/feed+json; charset=utf-8",
		"/c/thoi-su/rss.xml":           "application/rss+xml; charset=utf-8",
		"/archive/1/atom.xml":          "application/atom+xml; charset=utf-8",
		"/c/thoi-su/archive/1/rss.xml": "application/rss+xml; charset=utf-8",
	} {
		resp, body := get(t, ts.URL+path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype || !strings.Contains(body, "Khai mạc lễ hội hoa xuân") {
			t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if resp, _ := get(t, ts.URL+"/c/khong-co/rss.xml"); resp.StatusCode != 404 {
		t.Errorf("unknown category: %d", resp.StatusCode)
	}
	_, home := get(t, ts.URL+"/")
	for _, want := range []string{
		`<link rel="alternate" type="application/rss+xml" title="Bản tin Phường (RSS)" href="http://127.0.0.1/rss.xml">`,
		`<link rel="alternate" type="application/atom+xml" title="Bản tin Phường (Atom)" href="http://127.0.0.1/atom.xml">`,
		`<link rel="alternate" type="application/feed+json" title="Bản tin Phường (JSON Feed)" href="http://127.0.0.1/feed.json">`,
	} {
		if !strings.Contains(home, want) {
			t.Errorf("home page lacks %s", want)
		}
	}

	// Without feeds, pages link to none.
	ts = newTestServer(t, db, nil, Options{})
	if _, home := get(t, ts.URL+"/"); strings.Contains(home, `rel="alternate"`) {
		t.Error("a server without feeds announces them")
	}
	if resp, _ := get(t, ts.URL+"/rss.xml"); resp.StatusCode != 404 {
		t.Errorf("/rss.xml without feeds: %d", resp.StatusCode)
	}
}
