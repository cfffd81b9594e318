package web

import (
	"bytes"
	"maps"
	"net/http"
	"sync"
	"time"
)

// pageCache keeps rendered article pages for a moment. An article page is
// the same for every reader of a language, and a news article is read by
// many readers at once: rendering it once every ttl instead of once per
// request keeps its latency flat under load (bench/share.sh), at the cost
// of a correction or a newly approved feedback showing up to ttl late.
type pageCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[string]cachedPage
}

type cachedPage struct {
	header  http.Header
	body    []byte
	expires time.Time
}

func newPageCache(ttl time.Duration, max int) *pageCache {
	return &pageCache{ttl: ttl, max: max, entries: make(map[string]cachedPage)}
}

// serve writes the cached page for key, if there is a fresh one.
func (c *pageCache) serve(w http.ResponseWriter, key string, now time.Time) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	p, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || !now.Before(p.expires) {
		return false
	}
	maps.Copy(w.Header(), p.header)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(p.body)
	return true
}

// render runs fn into a buffer, keeps the result under key when it is a
// 200, and writes it to w.
func (c *pageCache) render(w http.ResponseWriter, key string, now time.Time, fn func(http.ResponseWriter)) {
	b := &bufferedResponse{header: make(http.Header)}
	fn(b)
	if c != nil && b.status == http.StatusOK {
		c.mu.Lock()
		if len(c.entries) >= c.max {
			// Past the bound, start over: simpler than LRU, and the
			// pages that matter are rendered again within a ttl.
			clear(c.entries)
		}
		c.entries[key] = cachedPage{header: b.header.Clone(), body: b.buf.Bytes(), expires: now.Add(c.ttl)}
		c.mu.Unlock()
	}
	maps.Copy(w.Header(), b.header)
	w.WriteHeader(b.status)
	_, _ = w.Write(b.buf.Bytes())
}

// bufferedResponse is an http.ResponseWriter that keeps what is written.
type bufferedResponse struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}
