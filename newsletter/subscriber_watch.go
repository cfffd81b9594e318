package newsletter

import (
	"sync"
	"time"

	"github.com/bantin/bantin/store"
)

// SubscriberWatch tells delivery workers whether a subscriber they read
// may have changed since, so that they read a batch's recipients once and
// not again every statusGroup messages: on PostgreSQL those reads were
// more than half of the queue's round trips. It hears
// store.DB.ListenSubscriberChanges; until that listens (always, on
// SQLite), workers read in groups as before.
type SubscriberWatch struct {
	now func() time.Time

	mu   sync.Mutex
	live bool
	// aliveAt is when the listener last showed that its connection
	// works; past watchStale, the watch vouches for nobody.
	aliveAt time.Time
	// epoch changes whenever what was heard before may be incomplete:
	// listening (re)started or stopped, or changed was cleared.
	epoch   uint64
	seq     uint64           // counts the changes heard
	changed map[int64]uint64 // subscriber: seq of their last change this epoch
}

// maxWatchedChanges bounds the changes a watch remembers. Clearing them
// starts a new epoch, which makes every worker read its recipients again:
// a moment's extra reads after a mass change, never a missed one.
const maxWatchedChanges = 100_000

// watchStale is how long after the listener's last sign of life the watch
// still vouches for what it heard: a few of its checks
// (store.subscriberListenIdle, 2 s), so that a connection that died
// silently costs at most this long of trusting reads it no longer covers,
// not the minute it takes to be declared lost.
const watchStale = 5 * time.Second

// NewSubscriberWatch returns a watch that hears nothing yet.
func NewSubscriberWatch() *SubscriberWatch {
	return &SubscriberWatch{now: time.Now}
}

// fresh reports whether the watch listens and its listener showed signs
// of life lately; w.mu is held.
func (w *SubscriberWatch) fresh() bool {
	return w.live && w.now().Sub(w.aliveAt) < watchStale
}

// Handle takes a change from store.DB.ListenSubscriberChanges.
func (w *SubscriberWatch) Handle(ch store.SubscriberChange) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case ch.Listening, ch.Lost:
		w.live = ch.Listening
		w.epoch++
		w.changed = nil
		w.aliveAt = w.now()
	case ch.Alive:
		w.aliveAt = w.now()
	case w.live:
		if len(w.changed) >= maxWatchedChanges {
			w.epoch++
			w.changed = nil
		}
		if w.changed == nil {
			w.changed = map[int64]uint64{}
		}
		w.seq++
		w.changed[ch.ID] = w.seq
	}
}

// watchMark is a watch's state when recipients were about to be read.
type watchMark struct {
	live       bool
	epoch, seq uint64
}

// mark returns the watch's state now; taken before reading recipients, it
// covers every change the read could miss. A nil watch is never live.
func (w *SubscriberWatch) mark() watchMark {
	if w == nil {
		return watchMark{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return watchMark{live: w.fresh(), epoch: w.epoch, seq: w.seq}
}

// unchanged reports whether subscriber id is known not to have changed
// since m: the watch was listening then and has been ever since, its
// listener showed signs of life lately, and it has heard of no change to
// them.
func (w *SubscriberWatch) unchanged(m watchMark, id int64) bool {
	if w == nil || !m.live {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fresh() && w.epoch == m.epoch && w.changed[id] <= m.seq
}
