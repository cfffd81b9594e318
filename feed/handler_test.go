package feed

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// seedStore saves n articles in thoi-su and n in the-thao.
func seedStore(t testing.TB, s *testStore, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		s.save(t, testArticle(i, "thoi-su", "Thời sự"))
		s.save(t, testArticle(100+i, "the-thao", "Thể thao"))
	}
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestServeContentTypesAndBodies(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 3)
	c := newTestCache(t, s, Options{Items: 4, ArchiveSize: 2})
	srv := newTestServer(t, c)
	for _, tc := range []struct {
		path, ctype string
		items       int
	}{
		{"/rss.xml", "application/rss+xml; charset=utf-8", 4},
		{"/atom.xml", "application/atom+xml; charset=utf-8", 4},
		{"/feed.json", "application/feed+json; charset=utf-8", 4},
		{"/c/thoi-su/rss.xml", "application/rss+xml; charset=utf-8", 3},
		{"/c/thoi-su/atom.xml", "application/atom+xml; charset=utf-8", 3},
		{"/c/the-thao/feed.json", "application/feed+json; charset=utf-8", 3},
		{"/archive/1/rss.xml", "application/rss+xml; charset=utf-8", 2},
		{"/archive/2/atom.xml", "application/atom+xml; charset=utf-8", 2},
		{"/c/thoi-su/archive/1/atom.xml", "application/atom+xml; charset=utf-8", 2},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := fetch(t, "GET", srv.URL+tc.path, "Accept-Encoding", "gzip")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			h := resp.Header
			if h.Get("Content-Type") != tc.ctype || h.Get("Content-Encoding") != "gzip" || h.Get("Vary") != "Accept-Encoding" {
				t.Errorf("headers %v", h)
			}
			if h.Get("Content-Length") == "" || h.Get("ETag") == "" || h.Get("Last-Modified") == "" {
				t.Errorf("missing validators or length: %v", h)
			}
			if !strings.HasPrefix(h.Get("ETag"), `"`) || strings.HasPrefix(h.Get("ETag"), "W/") {
				t.Errorf("ETag %q is not strong", h.Get("ETag"))
			}
			feed, err := gofeed.NewParser().ParseString(string(gunzip(t, body)))
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Items) != tc.items {
				t.Errorf("%d items, want %d", len(feed.Items), tc.items)
			}
			if feed.FeedLink != "https://tin.example.vn"+tc.path {
				t.Errorf("self link %q does not match the served path", feed.FeedLink)
			}
		})
	}
}

func TestConditionalRequests(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 2)
	c := newTestCache(t, s, Options{MaxAge: 7 * time.Minute})
	srv := newTestServer(t, c)
	u := srv.URL + "/c/thoi-su/rss.xml"

	resp, zbody := fetch(t, "GET", u, "Accept-Encoding", "gzip, deflate, br")
	etagGz, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=420" {
		t.Errorf("Cache-Control %q", got)
	}
	resp, plain := fetch(t, "GET", u)
	etag := resp.Header.Get("ETag")
	if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("identity response headers %v", resp.Header)
	}
	if !bytes.Equal(gunzip(t, zbody), plain) {
		t.Error("gzip and identity bodies differ")
	}
	if etag == etagGz {
		t.Error("gzip and identity representations share a strong ETag")
	}
	if want := "Sun, 01 Mar 2026 02:00:00 GMT"; lastMod != want { // article 2, 09:00 +07:00
		t.Errorf("Last-Modified %q, want %q", lastMod, want)
	}

	for _, tc := range []struct {
		name   string
		header []string
		status int
	}{
		{"matching gzip etag", []string{"If-None-Match", etagGz, "Accept-Encoding", "gzip"}, 304},
		{"identity etag on gzip request", []string{"If-None-Match", etag, "Accept-Encoding", "gzip"}, 304},
		{"weak form", []string{"If-None-Match", "W/" + etagGz, "Accept-Encoding", "gzip"}, 304},
		{"in a list", []string{"If-None-Match", `"x", ` + etag}, 304},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"other etag", []string{"If-None-Match", `"nope"`}, 200},
		{"etag wins over date", []string{"If-None-Match", `"nope"`, "If-Modified-Since", lastMod}, 200},
		{"same date", []string{"If-Modified-Since", lastMod}, 304},
		{"later date", []string{"If-Modified-Since", "Mon, 02 Mar 2026 00:00:00 GMT"}, 304},
		{"earlier date", []string{"If-Modified-Since", "Sun, 01 Mar 2026 01:59:59 GMT"}, 200},
		{"bad date", []string{"If-Modified-Since", "hôm qua"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fetch(t, "GET", u, tc.header...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == 304 {
				if len(body) != 0 || resp.Header.Get("ETag") == "" || resp.Header.Get("Vary") == "" || resp.Header.Get("Cache-Control") == "" {
					t.Errorf("304 with body %q, headers %v", body, resp.Header)
				}
			}
		})
	}
}

func TestGzipNegotiation(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 1)
	c := newTestCache(t, s, Options{})
	srv := newTestServer(t, c)
	for ae, gz := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"GZIP":                  true,
		"x-gzip":                true,
		"deflate, br":           false,
		"br;q=1.0, gzip;q=0.8":  true,
		"gzip;q=0":              false,
		"gzip;q=0.000, *":       false,
		"*":                     true,
		"*;q=0":                 false,
		"identity":              false,
		"deflate, gzip;q=0.001": true,
	} {
		h := []string{}
		if ae != "" {
			h = []string{"Accept-Encoding", ae}
		}
		resp, body := fetch(t, "GET", srv.URL+"/atom.xml", h...)
		if got := resp.Header.Get("Content-Encoding") == "gzip"; got != gz {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", ae, got, gz)
		}
		if !gz && !bytes.HasPrefix(body, []byte("<?xml")) {
			t.Errorf("Accept-Encoding %q: body is not the document", ae)
		}
	}
}

func TestHeadAndMethods(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 1)
	c := newTestCache(t, s, Options{})
	srv := newTestServer(t, c)
	get, body := fetch(t, "GET", srv.URL+"/feed.json")
	head, hbody := fetch(t, "HEAD", srv.URL+"/feed.json")
	if head.StatusCode != 200 || len(hbody) != 0 {
		t.Fatalf("HEAD: %d, %d bytes", head.StatusCode, len(hbody))
	}
	for _, k := range []string{"Content-Type", "Content-Length", "ETag", "Last-Modified"} {
		if head.Header.Get(k) != get.Header.Get(k) {
			t.Errorf("HEAD %s %q, GET %q", k, head.Header.Get(k), get.Header.Get(k))
		}
	}
	if get.Header.Get("Content-Length") != itoa(len(body)) {
		t.Errorf("Content-Length %s for %d bytes", get.Header.Get("Content-Length"), len(body))
	}
	resp, _ := fetch(t, "POST", srv.URL+"/feed.json")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func itoa(n int) string {
	var b []byte
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Unknown categories and pages are 404s that leave nothing in the cache.
func TestNotFoundDoesNotPolluteCache(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 3)
	c := newTestCache(t, s, Options{Items: 3, ArchiveSize: 3})
	srv := newTestServer(t, c)
	for _, p := range []string{
		"/c/khong-co/rss.xml", "/c/khong-co-2/atom.xml", "/c/Thoi-Su/rss.xml",
		"/archive/3/rss.xml", "/c/thoi-su/archive/2/rss.xml", "/archive/1/feed.json",
		"/c/thoi-su/podcast.xml", "/rss", "/archive/0/rss.xml",
	} {
		resp, _ := fetch(t, "GET", srv.URL+p)
		if resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", p, resp.StatusCode)
		}
	}
	c.mu.RLock()
	n := len(c.entries)
	c.mu.RUnlock()
	if n != 0 {
		t.Errorf("404s left %d entries in the cache", n)
	}
	// The empty site still has its site-wide feeds.
	empty := newTestCache(t, newTestStore(t), Options{})
	resp, body := fetch(t, "GET", newTestServer(t, empty).URL+"/rss.xml")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("<channel>")) {
		t.Errorf("empty site: %d %s", resp.StatusCode, body)
	}
}

// The 200 and 304 paths allocate nothing of their own once the document is
// cached (the test's header map and recorder aside).
func TestServeAllocations(t *testing.T) {
	s := newTestStore(t)
	seedStore(t, s, 2)
	c := newTestCache(t, s, Options{})
	h := c.Handler()
	req, _ := http.NewRequest("GET", "http://x/rss.xml", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	w := &discardWriter{h: make(http.Header, 8)}
	h.ServeHTTP(w, req)
	etag := w.h.Get("Etag")
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, req)
	})
	if allocs > 0 {
		t.Errorf("200 path: %v allocations", allocs)
	}
	req.Header.Set("If-None-Match", etag)
	allocs = testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, req)
	})
	if allocs > 0 || w.status != 304 {
		t.Errorf("304 path: %v allocations, status %d", allocs, w.status)
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
