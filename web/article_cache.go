package web

import (
	"bytes"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"
)

// pageCache keeps rendered article pages for a moment. An article page is
// the same for every reader of a language, and a news article is read by
// many readers at once: rendering it once every ttl instead of once per
// request keeps its latency flat under load (bench/share.sh), at the cost
// of a newly approved feedback showing up to ttl late. Article changes,
// this instance's and other instances' alike, drop the article's pages at
// once (Server.ArticleChanged).
type pageCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[string]cachedPage
	// gen counts the changes dropped; a page read from the store before
	// one is not kept, since it may show the article before the change.
	gen uint64
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

// generation returns the count of changes so far, to be passed to
// renderSince by a handler about to read what it renders.
func (c *pageCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// render runs fn into a buffer, keeps the result under key when it is a
// 200, and writes it to w.
func (c *pageCache) render(w http.ResponseWriter, key string, now time.Time, fn func(http.ResponseWriter)) {
	c.renderSince(w, key, c.generation(), now, fn)
}

// renderSince is render for a page whose data was read at generation gen:
// it is not kept if an article changed since.
func (c *pageCache) renderSince(w http.ResponseWriter, key string, gen uint64, now time.Time, fn func(http.ResponseWriter)) {
	b := &bufferedResponse{header: make(http.Header)}
	fn(b)
	if c != nil && b.status == http.StatusOK {
		c.mu.Lock()
		if c.gen != gen {
			c.mu.Unlock()
			b.writeTo(w)
			return
		}
		if len(c.entries) >= c.max {
			// Past the bound, start over: simpler than LRU, and the
			// pages that matter are rendered again within a ttl.
			clear(c.entries)
		}
		c.entries[key] = cachedPage{header: b.header.Clone(), body: b.buf.Bytes(), expires: now.Add(c.ttl)}
		c.mu.Unlock()
	}
	b.writeTo(w)
}

// forget drops the pages of article id, or every page when all is set.
// Keys are "LANG /a/REF" with REF the id, or the id, a dash and a slug
// (article.Path, unescaped); an id that is a prefix of another's REF up to
// a dash drops that page too, which costs only a render.
func (c *pageCache) forget(id string, all bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if all {
		clear(c.entries)
		return
	}
	for key := range c.entries {
		_, path, _ := strings.Cut(key, " ")
		ref, ok := strings.CutPrefix(path, "/a/")
		if ok && (ref == id || strings.HasPrefix(ref, id+"-")) {
			delete(c.entries, key)
		}
	}
}

// bufferedResponse is an http.ResponseWriter that keeps what is written.
type bufferedResponse struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) writeTo(w http.ResponseWriter) {
	maps.Copy(w.Header(), b.header)
	w.WriteHeader(b.status)
	_, _ = w.Write(b.buf.Bytes())
}

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
