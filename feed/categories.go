package feed

import (
	"context"
	"fmt"

	"github.com/bantin/bantin/store"
)

// knownCategory reports whether slug is a category with articles.
func (c *Cache) knownCategory(ctx context.Context, slug string) (bool, error) {
	c.mu.RLock()
	loaded := c.cats != nil
	_, ok := c.cats[slug]
	c.mu.RUnlock()
	if loaded {
		return ok, nil
	}
	if err := c.loadCategories(ctx); err != nil {
		return false, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok = c.cats[slug]
	return ok, nil
}

func (c *Cache) loadCategories(ctx context.Context) error {
	c.loadMu.Lock()
	defer c.loadMu.Unlock()
	for {
		c.mu.RLock()
		loaded, epoch := c.cats != nil, c.catsEpoch
		c.mu.RUnlock()
		if loaded {
			return nil
		}
		list, err := c.pg.src.Categories(ctx)
		if err != nil {
			return fmt.Errorf("feed: read categories: %w", err)
		}
		if c.installCategories(list, epoch) {
			return nil
		}
	}
}

// installCategories makes list the known categories, unless InvalidateAll
// ran since epoch: the list may then miss changes it stands for.
func (c *Cache) installCategories(list []store.CategoryCount, epoch uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.catsEpoch != epoch {
		return false
	}
	c.cats = make(map[string]*catState, len(list)+len(c.early))
	for _, cc := range list {
		c.cats[cc.Slug] = &catState{pages: c.pg.archivePages(cc.Articles)}
	}
	// Categories that changed while the list was read may be missing from
	// it or counted before the change.
	for slug := range c.early {
		st := c.cats[slug]
		if st == nil {
			st = &catState{}
			c.cats[slug] = st
		}
		st.fresh = false
	}
	for slug, st := range c.cats {
		if !c.early[slug] {
			st.fresh = true
		}
	}
	c.early = nil
	return true
}

// state returns the state of category cat; it must be called with c.mu
// held, and returns nil for an unknown category.
func (c *Cache) state(cat string) *catState {
	if cat == "" {
		return &c.all
	}
	return c.cats[cat]
}

// pages returns how many full archive pages the feed of cat has.
func (c *Cache) pages(ctx context.Context, cat string) (int, error) {
	if c.pg.archiveSize == 0 {
		return 0, nil
	}
	c.mu.RLock()
	st := c.state(cat)
	fresh, pages := st != nil && st.fresh, 0
	if st != nil {
		pages = st.pages
	}
	c.mu.RUnlock()
	if fresh {
		return pages, nil
	}
	n, err := c.pg.src.CountArticles(ctx, cat)
	if err != nil {
		return 0, fmt.Errorf("feed: count articles of %q: %w", cat, err)
	}
	pages = c.pg.archivePages(n)
	c.notePages(cat, pages)
	return pages, nil
}

// notePages records a fresh archive page count for cat. When it differs
// from the last one, the pages around the old and new newest page change
// their next-archive links (or stop existing), so they become stale.
func (c *Cache) notePages(cat string, pages int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.state(cat)
	if st == nil {
		return
	}
	if st.pages != pages {
		lo, hi := min(st.pages, pages), max(st.pages, pages)
		for p := max(lo, 1); p <= hi; p++ {
			c.invalidateLocked(Key{Category: cat, Format: RSS, Page: p})
			c.invalidateLocked(Key{Category: cat, Format: Atom, Page: p})
		}
	}
	st.pages, st.fresh = pages, true
}

func (c *Cache) invalidateLocked(k Key) {
	if e := c.entries[k]; e != nil {
		e.gen.Add(1)
	}
}

// forget drops what a not-found build says no longer exists: a category
// without articles, or an archive page past the last.
func (c *Cache) forget(cat string, page int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if k.Category == cat && (page == 0 && cat != "" || k.Page == page) {
			c.dropLocked(e)
		}
	}
	if page == 0 && cat != "" && c.cats != nil {
		delete(c.cats, cat)
	}
}
