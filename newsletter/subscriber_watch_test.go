package newsletter

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/pgtest"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/store/storetest"
)

func TestSubscriberWatch(t *testing.T) {
	listening := store.SubscriberChange{Listening: true}
	lost := store.SubscriberChange{Lost: true}
	changed := func(id int64) store.SubscriberChange { return store.SubscriberChange{ID: id} }
	tests := []struct {
		name   string
		before []store.SubscriberChange // heard before the mark
		after  []store.SubscriberChange // heard after it
		want   map[int64]bool           // unchanged(mark, id)
	}{
		{"never listened", nil, nil, map[int64]bool{1: false}},
		{"listening, nothing heard", []store.SubscriberChange{listening}, nil, map[int64]bool{1: true, 2: true}},
		{"changed before the mark", []store.SubscriberChange{listening, changed(1)}, nil, map[int64]bool{1: true}},
		{"changed after the mark", []store.SubscriberChange{listening}, []store.SubscriberChange{changed(1)}, map[int64]bool{1: false, 2: true}},
		{"changes heard before listening are dropped", []store.SubscriberChange{changed(1), listening}, nil, map[int64]bool{1: true}},
		{"lost after the mark", []store.SubscriberChange{listening}, []store.SubscriberChange{lost}, map[int64]bool{1: false}},
		{"lost and back after the mark", []store.SubscriberChange{listening}, []store.SubscriberChange{lost, listening}, map[int64]bool{1: false}},
		{"lost before the mark", []store.SubscriberChange{listening, lost}, nil, map[int64]bool{1: false}},
		{"back before the mark", []store.SubscriberChange{listening, lost, listening}, nil, map[int64]bool{1: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewSubscriberWatch()
			for _, ch := range tc.before {
				w.Handle(ch)
			}
			m := w.mark()
			for _, ch := range tc.after {
				w.Handle(ch)
			}
			for id, want := range tc.want {
				if got := w.unchanged(m, id); got != want {
					t.Errorf("unchanged(subscriber %d) = %v, want %v", id, got, want)
				}
			}
		})
	}
	var none *SubscriberWatch
	if m := none.mark(); m.live || none.unchanged(m, 1) {
		t.Error("a nil watch must never vouch for a subscriber")
	}
}

// TestSubscriberWatchForgetsAtItsBound: past maxWatchedChanges the watch
// forgets what it heard and starts a new epoch, so marks taken before can
// vouch for nobody.
func TestSubscriberWatchForgetsAtItsBound(t *testing.T) {
	w := NewSubscriberWatch()
	w.Handle(store.SubscriberChange{Listening: true})
	m := w.mark()
	for id := int64(1); id <= maxWatchedChanges; id++ {
		w.Handle(store.SubscriberChange{ID: id})
	}
	if n := len(w.changed); n != maxWatchedChanges {
		t.Fatalf("remembers %d changes, want %d", n, maxWatchedChanges)
	}
	w.Handle(store.SubscriberChange{ID: maxWatchedChanges + 1})
	if n := len(w.changed); n != 1 {
		t.Fatalf("remembers %d changes after passing the bound, want only the last", n)
	}
	if w.unchanged(m, maxWatchedChanges+2) {
		t.Fatal("a mark from before the watch forgot still vouches for a subscriber")
	}
}

// readCountingStore counts the reads of recipients.
type readCountingStore struct {
	*store.DB
	reads atomic.Int32
}

func (s *readCountingStore) SubscribersByIDs(ctx context.Context, ids []int64) (map[int64]*store.Subscriber, error) {
	s.reads.Add(1)
	return s.DB.SubscribersByIDs(ctx, ids)
}

// TestWatchedUnsubscribeStopsAtOnce: with a watch listening on
// PostgreSQL, a worker reads its batch's recipients once, and an
// unsubscribe made after that read still stops every message not yet sent.
// Read in groups of statusGroup instead, those in the group under way
// would get the edition.
func TestWatchedUnsubscribeStopsAtOnce(t *testing.T) {
	db := storetest.Open(t, pgtest.URL(t), store.WithDeliveryBatch(60))
	f := newFixtureOn(t, db)
	f.chunks(60) // one batch of 60, whose recipients are read at once
	f.article("Họp báo", "thoi-su", time.Hour, true)
	emails := f.subscribers(60)
	watch := NewSubscriberWatch()
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- db.ListenSubscriberChanges(ctx, nil, watch.Handle) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listener: %v", err)
		}
	})
	waitUntil(t, "the watch listens", func() bool { return watch.mark().live })

	const first = 15 // the first to leave, inside the first group of 20
	leaving := map[string]bool{}
	var ids []int64
	for _, e := range emails[first:] {
		leaving[e] = true
		sub, err := db.SubscriberByEmail(f.ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sub.ID)
	}
	heardAll := func() bool {
		watch.mu.Lock()
		defer watch.mu.Unlock()
		for _, id := range ids {
			if _, ok := watch.changed[id]; !ok {
				return false
			}
		}
		return true
	}
	s := newSink(t)
	// The edition is under way, its recipients read: the rest leave now,
	// and the message goes on once the watch has heard them, however slow
	// notifications are today.
	atRecipient(s, 10, func() {
		for _, id := range ids {
			f.setStatus(id, store.StatusUnsubscribed)
		}
		for deadline := time.Now().Add(5 * time.Second); !heardAll(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Error("the watch did not hear the unsubscribes within 5 s")
				return
			}
		}
	})
	e := f.plan(store.CadenceDaily)
	counting := &readCountingStore{DB: db}
	o := testDelivery()
	o.Workers, o.Watch, o.Edition, o.Metrics = 1, watch, e.ID, f.metrics
	dctx, dcancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer dcancel()
	if _, err := NewDeliverer(counting, f.mailer(s, 1, 5*time.Second), f.render, f.links, f.planner, o).DeliverEdition(dctx); err != nil {
		t.Fatal(err)
	}
	for _, to := range emails {
		if leaving[to] && s.count(to) > 0 {
			t.Errorf("%s got the edition after unsubscribing", to)
		}
		if !leaving[to] && s.count(to) != 1 {
			t.Errorf("%s got %d messages, want 1", to, s.count(to))
		}
	}
	if c := f.counts(e); c[store.DeliverySkipped] != len(ids) || c[store.DeliverySent] != first || c.Pending() != 0 {
		t.Fatalf("counts %v, want %d sent and %d skipped", c, first, len(ids))
	}
	// The claim read them all; they are read again once, from the first
	// who left.
	if n := counting.reads.Load(); n != 1 {
		t.Fatalf("recipients read %d times after the claim, want 1", n)
	}
}

// TestSubscriberWatchGoesStaleWithoutSignsOfLife: a listener whose
// connection died silently keeps saying nothing; past watchStale since its
// last sign of life the watch vouches for nobody, and a sign of life
// restores it.
func TestSubscriberWatchGoesStaleWithoutSignsOfLife(t *testing.T) {
	now := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	w := NewSubscriberWatch()
	w.now = func() time.Time { return now }
	w.Handle(store.SubscriberChange{Listening: true})
	m := w.mark()
	now = now.Add(watchStale - time.Second)
	if !w.unchanged(m, 1) {
		t.Fatal("a recent listener does not vouch for a subscriber")
	}
	now = now.Add(2 * time.Second)
	if w.unchanged(m, 1) || w.mark().live {
		t.Fatalf("%s after the last sign of life, the watch still vouches", watchStale+time.Second)
	}
	w.Handle(store.SubscriberChange{Alive: true})
	if !w.unchanged(m, 1) || !w.mark().live {
		t.Fatal("a sign of life did not restore the watch")
	}
}
