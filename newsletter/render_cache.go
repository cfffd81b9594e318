package newsletter

import (
	"container/list"
	"sync"
)

// variantCache keeps the most recently used variants, up to a count: a
// variant is some tens of kilobytes, and an edition to a million
// subscribers with many category choices has more variants than are worth
// keeping at once. Recipients are claimed in id order, not by variant, so
// a variant that falls out is rendered again when it is next needed.
type variantCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*cacheEntry
	lru     *list.List // of *cacheEntry, most recent first
}

type cacheEntry struct {
	key   string
	ready chan struct{} // closed when v and err are set
	v     *Variant
	err   error
	elem  *list.Element
}

func newVariantCache(max int) *variantCache {
	return &variantCache{max: max, entries: map[string]*cacheEntry{}, lru: list.New()}
}

// get returns the variant under key, calling render to make it if there is
// none; callers asking for the same key meanwhile wait for that render. A
// failed render is not kept.
func (c *variantCache) get(key string, render func() (*Variant, error)) (*Variant, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		c.lru.MoveToFront(e.elem)
		c.mu.Unlock()
		<-e.ready
		return e.v, e.err
	}
	e := &cacheEntry{key: key, ready: make(chan struct{})}
	e.elem = c.lru.PushFront(e)
	c.entries[key] = e
	for c.lru.Len() > c.max {
		old := c.lru.Remove(c.lru.Back()).(*cacheEntry)
		delete(c.entries, old.key)
	}
	c.mu.Unlock()

	e.v, e.err = render()
	close(e.ready)
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			c.lru.Remove(e.elem)
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	return e.v, e.err
}

// len returns how many variants are kept.
func (c *variantCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
