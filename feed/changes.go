package feed

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/bantin/bantin/store"
)

// ArticleChanged marks stale the documents a saved article appears in, or
// every document when ch.All says any article may have changed. It only
// takes a lock and queues work for Run, so it is quick enough for
// store.WithChangeHook, which calls it on the saving goroutine, and for
// store.DB.ListenArticleChanges.
func (c *Cache) ArticleChanged(ch store.ArticleChange) {
	if ch.All {
		c.InvalidateAll()
		return
	}
	cats := []string{""}
	for _, s := range ch.CategorySlugs {
		if s != "" && !slices.Contains(cats, s) {
			cats = append(cats, s)
		}
	}
	c.mu.Lock()
	for _, cat := range cats {
		switch {
		case cat == "":
		case c.cats == nil:
			c.early[cat] = true
		case c.cats[cat] == nil:
			c.cats[cat] = &catState{}
		}
		if st := c.state(cat); st != nil {
			// A new article may complete an archive page; a moved one
			// changes two counts.
			st.fresh = st.fresh && ch.Outcome == store.Updated && len(ch.CategorySlugs) < 2
		}
		for _, f := range Formats() {
			k := Key{Category: cat, Format: f}
			if _, seen := c.pending.etags[k]; !seen {
				c.pending.etags[k] = ""
				if e := c.entries[k]; e != nil {
					if r := e.resp.Load(); r != nil {
						c.pending.etags[k] = r.etag
					}
				}
			}
			c.invalidateLocked(k)
		}
		c.pending.cats[cat] = true
	}
	if ch.Outcome == store.Updated {
		if len(ch.CategorySlugs) > 1 {
			// The article left its old category's archive order and joined
			// the new one's at the place of its first storing, not at the
			// end, so the pages after that place shifted in both. Moves
			// are rare; all their pages are rebuilt.
			for k, e := range c.entries {
				if k.Page > 0 && k.Category != "" && slices.Contains(ch.CategorySlugs, k.Category) {
					e.gen.Add(1)
				}
			}
		}
		if len(c.pending.corrected) < maxCorrections {
			var cat string
			if len(ch.CategorySlugs) > 0 {
				cat = ch.CategorySlugs[0]
			}
			c.pending.corrected = append(c.pending.corrected, correction{id: ch.ID, category: cat})
		} else {
			c.pending.overflow = true
		}
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default: // the worker is already due to run
	}
}

// InvalidateAll marks every cached document stale, for when changes may
// have been missed (another instance's, while the notifications of them
// were lost). As after ArticleChanged, Run rebuilds the documents that
// were in use and announces those whose bytes changed; the others are
// built when next asked for. The category list and the archive page
// counts are read again, since categories may have appeared or emptied.
func (c *Cache) InvalidateAll() {
	c.mu.Lock()
	if c.cats != nil {
		c.cats = nil
		c.early = make(map[string]bool)
	}
	// A list being read now may predate the missed changes: loadCategories
	// reads it again.
	c.catsEpoch++
	c.all.fresh = false
	c.pending.cats[""] = true
	// Only the built feeds whose bytes change are announced: what changed
	// is not known here, and the instance that saved it announced it.
	for k, e := range c.entries {
		if r := e.resp.Load(); r != nil && k.Page == 0 {
			if _, seen := c.pending.etags[k]; !seen {
				c.pending.etags[k] = r.etag
			}
		}
		e.gen.Add(1)
		c.pending.cats[k.Category] = true
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default: // the worker is already due to run
	}
}

// Run rebuilds changed documents in the background and announces them to
// the Publisher, until ctx is done. It returns nil then.
func (c *Cache) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.wake:
			c.Flush(ctx)
		}
	}
}

// Flush does at once what Run does after a change: finds the archive pages
// holding corrected articles, rebuilds every stale document that was in
// use, and publishes the changed feeds. Tests and benchmarks call it to
// wait for a change to be fully applied.
func (c *Cache) Flush(ctx context.Context) {
	c.mu.Lock()
	w := c.pending
	c.pending = newWork()
	c.mu.Unlock()
	if len(w.cats) == 0 {
		return
	}
	c.staleArchives(ctx, w)
	c.rebuildStale(w.cats)
	if c.o.Publisher == nil {
		return
	}
	// Announce the feeds whose bytes changed, and those not built (the hub
	// fetching them builds them fresh).
	var topics []string
	c.mu.RLock()
	for k, old := range w.etags {
		var r *response
		if e := c.entries[k]; e != nil {
			r = e.resp.Load()
		}
		if old == "" || r == nil || r.etag != old {
			topics = append(topics, c.b.URL(k))
		}
	}
	c.mu.RUnlock()
	if len(topics) > 0 {
		sort.Strings(topics)
		c.o.Publisher.Publish(topics...)
	}
}

func newWork() work {
	return work{cats: make(map[string]bool), etags: make(map[Key]string)}
}

// staleArchives marks stale the archive pages that hold corrected articles.
func (c *Cache) staleArchives(ctx context.Context, w work) {
	if c.pg.archiveSize == 0 {
		return
	}
	if w.overflow {
		c.mu.Lock()
		for k, e := range c.entries {
			if k.Page > 0 && w.cats[k.Category] {
				e.gen.Add(1)
			}
		}
		c.mu.Unlock()
		return
	}
	for _, cr := range w.corrected {
		cats := []string{""}
		if cr.category != "" {
			cats = append(cats, cr.category)
		}
		for _, cat := range cats {
			pos, err := c.pg.src.ArchivePosition(ctx, cr.id, cat)
			if err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					c.log.Warn("feed: find the archive page of a corrected article", "id", cr.id, "err", err)
				}
				continue
			}
			page := pos/c.pg.archiveSize + 1
			c.mu.Lock()
			c.invalidateLocked(Key{Category: cat, Format: RSS, Page: page})
			c.invalidateLocked(Key{Category: cat, Format: Atom, Page: page})
			c.mu.Unlock()
		}
	}
}

// rebuildStale rebuilds the stale documents of cats that have been served
// before, grouping the formats of one page into one read of the store.
func (c *Cache) rebuildStale(cats map[string]bool) {
	type group struct {
		cat  string
		page int
	}
	groups := make(map[group][]*entry)
	c.mu.RLock()
	for k, e := range c.entries {
		if r := e.resp.Load(); cats[k.Category] && r != nil && r.gen != e.gen.Load() {
			g := group{k.Category, k.Page}
			groups[g] = append(groups[g], e)
		}
	}
	c.mu.RUnlock()
	// Groups build side by side, a few at a time: each is a read of the
	// store and some compressing, and a change touches two groups.
	sem := make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for g, es := range groups {
		var todo []*entry
		var fs []*flight
		for _, e := range es {
			gen := e.gen.Load()
			e.mu.Lock()
			if e.flight == nil || e.flight.gen < gen {
				f := &flight{gen: gen, done: make(chan struct{})}
				e.flight = f
				todo, fs = append(todo, e), append(fs, f)
			}
			e.mu.Unlock()
		}
		if len(todo) == 0 {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c.buildGroup(g.cat, g.page, todo, fs)
		})
	}
	wg.Wait()
}
