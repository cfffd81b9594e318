package newsletter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
)

// The delivery queue.
//
// The truth about delivery is one row per recipient per edition (the
// deliveries table, primary key edition and subscriber). The queue engine
// is that table itself, not River, which DESIGN.md recommended:
//
//   - A River job would be a second record of the same work, and every
//     batch would have to keep the two in step: the job completed but the
//     rows not updated, or the reverse, after a crash. With the table as
//     the queue there is one record, and crash recovery is a property of
//     one UPDATE.
//   - On SQLite every write, River's job fetching and completion
//     included, goes through the one writer that also records deliveries;
//     at thousands of messages a second the queue's own bookkeeping must
//     be a few statements per batch, which the claim below is.
//   - riversqlite is young; what we need from River (retries with backoff,
//     leases, no duplicates) is a few queries on this table.
//
// Planning cuts an edition's deliveries into batches of consecutive
// subscribers (delivery_batches). A worker claims a batch in one statement
// (owner, and the end of its lease), keeps the lease fresh while it works,
// records outcomes in small groups, and gives the batch back after its
// last outcome is committed. Claiming by the batch writes one row per
// batch, not per delivery: each delivery row is written once, with its
// outcome. A batch whose owner died (kill -9) becomes due again when its
// lease ends, and another worker, or the restarted process, sends what is
// still queued in it. SQLite's single writer serializes claims; on
// PostgreSQL the claim uses FOR UPDATE SKIP LOCKED so that instances
// sharing the database claim different batches without waiting.
//
// Duplicates after a crash: a message the server accepted but whose
// outcome was not yet committed is sent again after a restart. A worker
// takes a token before sending and the recorder gives it back only after
// committing that outcome, so at any moment at most MaxUnrecorded messages
// are "sent but not recorded", and a kill -9 at any moment duplicates at
// most that many. (One more source of duplicates is SMTP itself: a reply
// to the final dot lost to a timeout looks like a failure and is retried.)
// Nothing is lost: a row leaves the queue only by a committed outcome.

// DeliveryStore is what delivery needs of the store.
type DeliveryStore interface {
	Editions(ctx context.Context, q store.EditionQuery) ([]*store.Edition, error)
	ClaimBatch(ctx context.Context, edition int64, owner string, now time.Time, lease time.Duration) (*store.Batch, error)
	RenewBatch(ctx context.Context, edition, first int64, owner string, until time.Time) error
	SubscribersByIDs(ctx context.Context, ids []int64) (map[int64]*store.Subscriber, error)
	RecordDeliveries(ctx context.Context, owner string, results []store.DeliveryResult, releases []store.BatchRelease, bounceThreshold int) error
	FinishEditions(ctx context.Context) ([]int64, error)
	EditionQueue(ctx context.Context, edition int64, now time.Time) (store.QueueState, error)
	DeliveryPausedAt(ctx context.Context) (time.Time, error)
}

// LinkMaker makes a subscriber's personal links; Subscriptions implements
// it with signed tokens.
type LinkMaker interface {
	Links(sub *store.Subscriber) (unsubscribeURL, preferencesURL string)
	// ShareSenderToken signs sub's address for the share links, so that a
	// reader sharing from a digest needs no further confirmation.
	ShareSenderToken(sub *store.Subscriber) string
}

// DeliveryOptions configures a Deliverer. Zero values take the defaults
// given.
type DeliveryOptions struct {
	// Workers is how many goroutines send; each sends one message at a
	// time, so this bounds the messages handed to the mailer at once.
	// More workers than SMTP connections keep every connection busy
	// while messages are being built. 0 is 8.
	Workers int
	// RecordEvery is how many outcomes are committed together; 0 is 100.
	RecordEvery int
	// MaxUnrecorded bounds the messages sent whose outcome is not yet
	// committed, and so the duplicates a crash can cause; 0 is 200. It
	// must be at least RecordEvery.
	MaxUnrecorded int
	// MaxAttempts is how many temporary failures a delivery may have
	// before it is given up; 0 is 8.
	MaxAttempts int
	// MaxAge is how long after its edition was planned a delivery may
	// still be sent; a retry that would come later is not made. 0 is 24h.
	MaxAge time.Duration
	// Backoff is the wait before the first retry; each further retry
	// waits twice as long. 0 is a minute.
	Backoff time.Duration
	// Lease is how long a claim lasts without being renewed, and so how
	// long the deliveries of a crashed worker wait before another takes
	// them; 0 is a minute.
	Lease time.Duration
	// BounceThreshold is how many permanent refusals of an address mark
	// its subscriber bounced; 0 is 2.
	BounceThreshold int
	// Poll is how often idle workers look for due deliveries; 0 is 2s.
	Poll time.Duration
	// Edition, when set, limits delivery to that edition.
	Edition int64
	// WaitRetries is how far ahead DeliverEdition waits for a retry
	// rather than return with it still queued; 0 is a minute.
	WaitRetries time.Duration
	// Watch, when set and listening, lets workers read a batch's
	// recipients once instead of every statusGroup messages.
	Watch *SubscriberWatch
	// Recorded, when set, is told how many outcomes each commit stored.
	Recorded func(n int)
	Metrics  *Metrics
	Logger   *slog.Logger
	// Now returns the current time; nil is time.Now.
	Now func() time.Time
}

func (o *DeliveryOptions) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Workers, 8)
	def(&o.RecordEvery, 100)
	def(&o.MaxUnrecorded, 200)
	o.MaxUnrecorded = max(o.MaxUnrecorded, o.RecordEvery)
	def(&o.MaxAttempts, 8)
	def(&o.BounceThreshold, 2)
	defDur(&o.MaxAge, 24*time.Hour)
	defDur(&o.Backoff, time.Minute)
	defDur(&o.Lease, time.Minute)
	defDur(&o.Poll, 2*time.Second)
	defDur(&o.WaitRetries, time.Minute)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Deliverer sends the deliveries of the queue.
type Deliverer struct {
	db     DeliveryStore
	mail   mailer.Sender
	render *Renderer
	links  LinkMaker
	plan   *Planner
	o      DeliveryOptions
	log    *slog.Logger
	owner  string

	// writeMu serializes this process's writes to the queue: SQLite has
	// one writer, and a writer that finds the database locked sleeps in
	// SQLite's busy handler for milliseconds, where waiting on a mutex
	// takes microseconds.
	writeMu sync.Mutex

	mu         sync.Mutex
	wakeCh     chan struct{} // closed by Wake
	lastFinish time.Time     // of finishEditions, under mu
	sending    []*store.Edition
	sendingAt  time.Time // when sending was read; zero: read again

	busy       atomic.Int32 // workers sending a batch
	unrecorded atomic.Int64 // outcomes handed to the recorder, not yet committed

	// crash, when closed, stops everything at once with nothing flushed
	// or released, as a kill -9 would; for tests.
	crash chan struct{}
}

// NewDeliverer returns a Deliverer sending through mail. planner gives the
// first windows of the cadences.
func NewDeliverer(db DeliveryStore, mail mailer.Sender, render *Renderer, links LinkMaker, planner *Planner, o DeliveryOptions) *Deliverer {
	o.setDefaults()
	var id [8]byte
	_, _ = rand.Read(id[:])
	return &Deliverer{
		db: db, mail: mail, render: render, links: links, plan: planner, o: o, log: o.Logger,
		owner:  hex.EncodeToString(id[:]),
		wakeCh: make(chan struct{}),
		crash:  make(chan struct{}),
	}
}

// Wake makes idle workers look for work now, such as after an edition was
// planned.
func (d *Deliverer) Wake() {
	d.mu.Lock()
	d.sendingAt = time.Time{} // the new edition must be seen
	d.mu.Unlock()
	d.wakeIdle()
}

// wakeIdle makes idle workers look again without forgetting the editions
// read: for outcomes being recorded, which change no edition.
func (d *Deliverer) wakeIdle() {
	d.mu.Lock()
	close(d.wakeCh)
	d.wakeCh = make(chan struct{})
	d.mu.Unlock()
}

// editionsTTL is how long the list of editions being sent, and whether
// delivery is paused, are kept before being read again: a claim per batch
// need not ask the database, and a pause takes effect within this time.
const editionsTTL = time.Second

// sendingEditions returns the editions being sent, newest first, or none
// while delivery is paused.
func (d *Deliverer) sendingEditions(ctx context.Context) ([]*store.Edition, error) {
	d.mu.Lock()
	if !d.sendingAt.IsZero() && time.Since(d.sendingAt) < editionsTTL {
		eds := d.sending
		d.mu.Unlock()
		return eds, nil
	}
	d.mu.Unlock()
	var eds []*store.Edition
	paused, err := d.db.DeliveryPausedAt(ctx)
	if err == nil && paused.IsZero() {
		eds, err = d.db.Editions(ctx, store.EditionQuery{Statuses: []string{store.EditionSending}, Limit: 100})
	}
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.sending, d.sendingAt = eds, time.Now()
	d.mu.Unlock()
	return eds, nil
}

func (d *Deliverer) woken() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.wakeCh
}

// result is one outcome on its way to the recorder, or, with release
// set, a batch to give back once the outcomes before it are committed.
type result struct {
	r       store.DeliveryResult
	token   bool // holds a token: the message may have been sent
	release *store.BatchRelease
}

// Run sends due deliveries until ctx is done. Then it finishes the
// messages being sent (for at most a lease), records every outcome, gives
// back the claims it did not get to, and returns.
func (d *Deliverer) Run(ctx context.Context) error {
	return d.run(ctx, nil)
}

// run is Run; idle, when set, is called by a worker that found nothing to
// claim, and stops delivery by returning true.
func (d *Deliverer) run(ctx context.Context, idle func(context.Context) bool) error {
	// Sends get their own context, which ends a lease after ctx: a
	// message cut off mid-DATA is a message whose fate is unknown.
	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	stopAfter := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(d.o.Lease, cancelSends)
		go func() { <-sendCtx.Done(); t.Stop() }()
	})
	defer stopAfter()

	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	results := make(chan []result, d.o.Workers)
	tokens := make(chan struct{}, d.o.MaxUnrecorded)
	recorded := make(chan struct{})
	go func() {
		d.record(results, tokens)
		close(recorded)
	}()
	var wg sync.WaitGroup
	for range d.o.Workers {
		wg.Go(func() {
			w := &worker{d: d, ctx: workCtx, sendCtx: sendCtx, results: results, tokens: tokens}
			w.loop(func() bool {
				if idle != nil && idle(workCtx) {
					stopWork()
					return true
				}
				return false
			})
		})
	}
	wg.Wait()
	close(results)
	<-recorded
	return nil
}

// DrainResult says what DeliverEdition left behind.
type DrainResult struct {
	// Waiting is how many deliveries wait for a retry later, the first
	// at NextAt.
	Waiting int
	NextAt  time.Time
}

// DeliverEdition sends the deliveries of edition DeliveryOptions.Edition
// that are due, and those that fall due while it runs, until none is left
// but retries more than WaitRetries ahead, or ctx is done. For bantin
// digest send.
func (d *Deliverer) DeliverEdition(ctx context.Context) (DrainResult, error) {
	var res DrainResult
	var mu sync.Mutex
	err := d.run(ctx, func(ctx context.Context) bool {
		if d.busy.Load() > 0 || d.unrecorded.Load() > 0 {
			return false // not done, and no need to ask the database
		}
		mu.Lock()
		defer mu.Unlock()
		q, err := d.db.EditionQueue(ctx, d.o.Edition, d.o.Now())
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("reading the queue failed", "err", err)
			}
			return false
		}
		if q.Due > 0 || q.Claimed > 0 || q.Waiting > 0 && q.NextAt.Sub(d.o.Now()) <= d.o.WaitRetries {
			return false
		}
		res = DrainResult{Waiting: q.Waiting, NextAt: q.NextAt}
		return true
	})
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		_, err = d.db.FinishEditions(ctx)
	}
	return res, err
}

// finishEvery is how often an instance's idle workers may look for
// editions to mark done. The statement is planned anew on each pooled
// connection, and idle workers at the end of an edition ran it about 90
// times a send at 3 instances when they could every 200 ms: 3% of the
// server's queue work for a status nobody needs sooner.
const finishEvery = time.Second

// finishEditions marks done the editions with nothing left to send, at
// most every finishEvery however many workers are idle.
func (d *Deliverer) finishEditions(ctx context.Context) {
	d.mu.Lock()
	if time.Since(d.lastFinish) < finishEvery {
		d.mu.Unlock()
		return
	}
	d.lastFinish = time.Now()
	d.mu.Unlock()
	d.writeMu.Lock()
	ids, err := d.db.FinishEditions(ctx)
	d.writeMu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("finishing editions failed", "err", err)
		}
		return
	}
	for _, id := range ids {
		d.log.Info("edition sent", "edition", id)
	}
}
