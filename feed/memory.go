package feed

import "sort"

// evict drops the least recently used documents until the cache is back
// under nine tenths of its bound, so that it does not evict on every
// build while full.
func (c *Cache) evict() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size <= c.o.MaxBytes {
		return
	}
	list := make([]*entry, 0, len(c.entries))
	for _, e := range c.entries {
		if e.resp.Load() != nil {
			list = append(list, e)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].used.Load() < list[j].used.Load() })
	target := c.o.MaxBytes / 10 * 9
	for _, e := range list {
		if c.size <= target {
			break
		}
		c.dropLocked(e)
	}
}

func (c *Cache) dropLocked(e *entry) {
	delete(c.entries, e.key)
	if r := e.resp.Swap(nil); r != nil {
		c.size -= r.size()
		c.release(r)
	}
}

// release forgets a response that left the cache.
func (c *Cache) release(r *response) {
	r.dead.Store(true)
	if p := r.identity.Swap(nil); p != nil {
		c.identity.Add(-int64(len(*p)))
	}
}

// keepIdentity keeps an uncompressed body made for r while the identity
// budget allows.
func (c *Cache) keepIdentity(r *response, body []byte) {
	n := int64(len(body))
	if r.dead.Load() || c.identity.Load()+n > c.identityBudget {
		return
	}
	p := &body
	if !r.identity.CompareAndSwap(nil, p) {
		return
	}
	c.identity.Add(n)
	// release may have run between the check and the swap.
	if r.dead.Load() && r.identity.CompareAndSwap(p, nil) {
		c.identity.Add(-n)
	}
}
