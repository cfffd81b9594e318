// Package testutil holds the small pieces that many packages' tests need
// and that would otherwise be written again in each: a clock a test moves
// by hand, and a buffer that several goroutines may write logs into.
package testutil

import (
	"bytes"
	"sync"
	"time"
)

// Clock is a time source a test sets and moves; it is safe for concurrent
// use, so a server's goroutines may read it while the test advances it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// LockedBuffer is a bytes.Buffer that goroutines may write concurrently,
// such as a logger's output read by the test that started the server.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *LockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }
