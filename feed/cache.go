package feed

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Cache.
type Options struct {
	// Items is how many articles a current feed holds; 0 means 50.
	Items int
	// ArchiveSize is how many articles an archive page holds; 0 means no
	// archives. It must not exceed Items.
	ArchiveSize int
	// MaxAge is the Cache-Control max-age of current feeds and of the
	// newest archive page, the documents that change.
	MaxAge time.Duration
	// ArchiveMaxAge is the max-age of the other archive pages, which change
	// only when one of their articles is corrected.
	ArchiveMaxAge time.Duration
	// MaxBytes bounds the memory the cached documents take, counting their
	// gzipped bytes; the least recently used are dropped past it. 0 means
	// 256 MiB. A quarter of it more may hold uncompressed copies for the
	// few clients that do not take gzip.
	MaxBytes int64
	// BuildTimeout bounds building one document; 0 means 30s.
	BuildTimeout time.Duration
	// CategoryNames gives display names by slug when articles lack them.
	CategoryNames map[string]string
	// Publisher hears the URLs of the current feeds after every change
	// that touched them, once they are rebuilt: a WebSub pinger. Nil
	// publishes nothing.
	Publisher Publisher
	Logger    *slog.Logger
}

// Publisher announces that feeds changed. Publish must not block.
type Publisher interface {
	Publish(topics ...string)
}

// Cache keeps every feed document that has been asked for, built, so that
// a feed is built once per change and not once per request. A change to an
// article (ArticleChanged) marks only the documents it appears in as stale:
// the site-wide and category feeds, and the archive page that holds it if
// it was corrected. Stale documents that were in use are rebuilt by Run in
// the background; the others when next asked for. Concurrent requests for
// a stale document wait for one build.
//
// The cache holds only real documents: a category is known from the store
// and an archive page from the article count, so requests for made-up
// slugs or pages cost nothing and take no memory. Memory is further bounded
// by Options.MaxBytes.
type Cache struct {
	b     *Builder
	pg    pager
	o     Options
	log   *slog.Logger
	gz    gzipPool
	bufs  bufPool
	start time.Time
	wake  chan struct{}
	cpus  chan struct{} // a token per CPU for building documents

	// loadMu makes one goroutine at a time read the category list.
	loadMu sync.Mutex

	mu      sync.RWMutex
	entries map[Key]*entry
	all     catState             // the site-wide feed
	cats    map[string]*catState // nil until read from the store
	early   map[string]bool      // categories seen before cats was read
	size    int64                // bytes of cached responses
	pending work
	// catsEpoch counts InvalidateAll calls, so that a category list read
	// across one is not kept.
	catsEpoch uint64

	identity       atomic.Int64 // bytes of kept uncompressed bodies
	identityBudget int64
}

// catState is what the cache knows of one category's feed.
type catState struct {
	// pages is the number of full archive pages as last counted; fresh
	// says no article was added or moved since.
	pages int
	fresh bool
}

// entry is the slot of one document. Readers load resp without locks; it
// is current when resp.gen equals gen, which invalidation increments.
type entry struct {
	key    Key
	gen    atomic.Uint64
	resp   atomic.Pointer[response]
	used   atomic.Int64 // seconds since the cache started, for LRU
	builds atomic.Int64

	mu     sync.Mutex // guards flight
	flight *flight
}

// flight is one build of an entry that requests can wait for.
type flight struct {
	gen  uint64
	done chan struct{}
	resp *response
	err  error
}

// work is what changed since the background worker last ran.
type work struct {
	cats map[string]bool
	// etags holds, for each current feed marked stale, the ETag readers
	// had then ("" when it was not built), so that only feeds whose bytes
	// changed are announced: a correction to an article that is not among
	// the newest rebuilds the feed to the same bytes.
	etags     map[Key]string
	corrected []correction
	// overflow is set when too many corrections queued up to look each
	// one up; every archive page of the changed categories is then stale.
	overflow bool
}

type correction struct{ id, category string }

// maxCorrections bounds the queue of corrections between two runs of the
// worker (a bulk re-import corrects thousands at once).
const maxCorrections = 1024

// NewCache returns a cache of the feeds of src built by b. Call Run to
// rebuild changed feeds in the background and ArticleChanged (for example
// through store.WithChangeHook) on every change.
func NewCache(src Source, b *Builder, o Options) (*Cache, error) {
	if o.Items <= 0 {
		o.Items = 50
	}
	if o.ArchiveSize < 0 || o.ArchiveSize > o.Items {
		return nil, fmt.Errorf("feed: archive size %d must be between 0 and the feed size %d", o.ArchiveSize, o.Items)
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 256 << 20
	}
	if o.BuildTimeout <= 0 {
		o.BuildTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Cache{
		b:              b,
		pg:             pager{src: src, items: o.Items, archiveSize: o.ArchiveSize, names: o.CategoryNames},
		o:              o,
		log:            o.Logger,
		start:          time.Now(),
		wake:           make(chan struct{}, 1),
		cpus:           make(chan struct{}, runtime.GOMAXPROCS(0)),
		entries:        make(map[Key]*entry),
		early:          make(map[string]bool),
		pending:        newWork(),
		identityBudget: o.MaxBytes / 4,
	}, nil
}

// get returns the current response for k, building it if needed.
func (c *Cache) get(ctx context.Context, k Key) (*response, error) {
	e, err := c.entryFor(ctx, k)
	if err != nil {
		return nil, err
	}
	if now := int64(time.Since(c.start) / time.Second); e.used.Load() != now {
		e.used.Store(now)
	}
	if r := e.resp.Load(); r != nil && r.gen == e.gen.Load() {
		return r, nil
	}
	return c.refresh(ctx, e)
}

// entryFor returns the entry of k, creating it when k names a document
// that exists.
func (c *Cache) entryFor(ctx context.Context, k Key) (*entry, error) {
	if k.Category != "" {
		known, err := c.knownCategory(ctx, k.Category)
		if err != nil {
			return nil, err
		}
		if !known {
			return nil, ErrNotFound
		}
	}
	if k.Page > 0 {
		pages, err := c.pages(ctx, k.Category)
		if err != nil {
			return nil, err
		}
		if k.Page > pages {
			return nil, ErrNotFound
		}
	}
	c.mu.RLock()
	e := c.entries[k]
	c.mu.RUnlock()
	if e != nil {
		return e, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e = c.entries[k]; e == nil {
		e = &entry{key: k}
		e.gen.Store(1)
		c.entries[k] = e
	}
	return e, nil
}

// refresh builds e, or waits for the build already under way.
func (c *Cache) refresh(ctx context.Context, e *entry) (*response, error) {
	g := e.gen.Load()
	e.mu.Lock()
	f := e.flight
	if f == nil || f.gen < g {
		f = &flight{gen: g, done: make(chan struct{})}
		e.flight = f
		e.mu.Unlock()
		// The build runs on this goroutine but not on its context: others
		// wait for it, and a reader that hangs up must not fail them.
		c.buildGroup(e.key.Category, e.key.Page, []*entry{e}, []*flight{f})
		return f.resp, f.err
	}
	e.mu.Unlock()
	select {
	case <-f.done:
		return f.resp, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// buildGroup builds the entries of one page of one category, in their
// formats, from one read of the store, and completes their flights.
func (c *Cache) buildGroup(cat string, page int, es []*entry, fs []*flight) {
	ctx, cancel := context.WithTimeout(context.Background(), c.o.BuildTimeout)
	defer cancel()
	pg, pages, err := c.pg.load(ctx, cat, page, -1)
	switch {
	case errors.Is(err, ErrNotFound):
		c.forget(cat, page)
	case err != nil:
		err = fmt.Errorf("feed: read %q page %d: %w", cat, page, err)
	default:
		c.notePages(cat, pages)
	}
	if err == nil {
		// Prepare the articles once for every format, then build the
		// formats side by side: compressing is most of the work.
		c.b.prepare(pg)
	}
	var wg sync.WaitGroup
	for i, e := range es {
		f := fs[i]
		f.err = err
		if err == nil {
			wg.Go(func() {
				// No more compressing at once than there are CPUs: more
				// would only be time-sliced, each slice a preemption.
				c.cpus <- struct{}{}
				defer func() { <-c.cpus }()
				gz := c.gz.get()
				defer c.gz.put(gz)
				f.resp, f.err = c.makeResponse(e, pg, f.gen, pages, gz)
			})
		}
	}
	wg.Wait()
	for i, e := range es {
		f := fs[i]
		if f.err == nil {
			c.install(e, f.resp)
		} else if !errors.Is(f.err, ErrNotFound) {
			c.log.Error("feed build failed", "feed", e.key.Path(), "err", f.err)
		}
		e.builds.Add(1)
		e.mu.Lock()
		if e.flight == f {
			e.flight = nil
		}
		e.mu.Unlock()
		close(f.done)
	}
}

func (c *Cache) makeResponse(e *entry, pg *Page, gen uint64, pages int, gz *gzip.Writer) (*response, error) {
	body, zbuf := c.bufs.get(), c.bufs.get()
	defer c.bufs.put(body)
	defer c.bufs.put(zbuf)
	doc, err := c.b.buildTo(body, e.key.Format, pg)
	if err != nil {
		return nil, err
	}
	maxAge := c.o.MaxAge
	if pg.Archive > 0 && pg.NextArchive > 0 {
		maxAge = c.o.ArchiveMaxAge
	}
	r := newResponse(e.key, doc, gz, zbuf, cacheControl(maxAge))
	r.gen, r.pages = gen, pages
	// Last-Modified must move forward whenever the bytes change, or a
	// client validating by date alone keeps the old document; the newest
	// item date does not move when an article leaves the feed.
	if old := e.resp.Load(); old != nil && old.etag != r.etag && !r.modified.After(old.modified) {
		t := time.Now()
		if next := old.modified.Add(time.Second); t.Before(next) {
			t = next
		}
		r.setModified(t)
	}
	return r, nil
}

func cacheControl(maxAge time.Duration) string {
	return fmt.Sprintf("public, max-age=%d", int(maxAge/time.Second))
}

// install makes r the response of e, unless e has left the cache or holds
// a newer one, and keeps the cache within its memory bound.
func (c *Cache) install(e *entry, r *response) {
	c.mu.Lock()
	if c.entries[e.key] != e {
		c.mu.Unlock()
		return
	}
	old := e.resp.Load()
	if old != nil && old.gen > r.gen {
		c.mu.Unlock()
		return
	}
	e.resp.Store(r)
	c.size += r.size()
	if old != nil {
		c.size -= old.size()
		c.release(old)
	}
	over := c.size > c.o.MaxBytes
	c.mu.Unlock()
	if over {
		c.evict()
	}
}

// Warm builds the current feeds of the site and of the given categories in
// every format, so that the first readers after a start do not wait.
func (c *Cache) Warm(ctx context.Context, categories ...string) error {
	for _, cat := range append([]string{""}, categories...) {
		for _, f := range Formats() {
			if _, err := c.get(ctx, Key{Category: cat, Format: f}); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	return nil
}
