package newsletter

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
)

// worker is one sending goroutine of a Deliverer.
type worker struct {
	d       *Deliverer
	ctx     context.Context // ends: stop claiming, give back what is left
	sendCtx context.Context // ends: stop a message being sent
	results chan<- []result
	// pending are outcomes not yet handed to the recorder: they go in
	// groups, which saves a goroutine switch per message.
	pending []result
	tokens  chan struct{}
	// down is the current wait after the mail server could not be
	// reached, doubling up to a minute; 0 while it can.
	down time.Duration
}

// statusGroup is how many recipients are read from the store at once,
// just before they are sent to, status included, when no SubscriberWatch
// listens: an unsubscribe then takes effect within this many messages of
// the worker that holds the subscriber's delivery, even in the middle of
// an edition. With a watch listening, it takes effect at once.
const statusGroup = 20

func (w *worker) loop(idle func() bool) {
	d := w.d
	for w.ctx.Err() == nil && !w.crashed() {
		wake := d.woken()
		// Marked before the claim, which reads the recipients.
		mark := d.o.Watch.mark()
		e, b, err := w.claim()
		if err != nil && w.ctx.Err() == nil {
			d.log.Error("claiming deliveries failed", "err", err)
		}
		if b == nil {
			d.finishEditions(w.ctx)
			if err == nil && idle() {
				return
			}
			w.pause(d.o.Poll, wake)
			continue
		}
		d.busy.Add(1)
		down := w.sendBatch(e, b, mark)
		w.flush()
		d.busy.Add(-1)
		if down {
			w.down = min(max(2*w.down, time.Second), time.Minute)
			d.log.Warn("mail server unreachable; waiting", "wait", w.down)
			w.pause(w.down, nil)
		} else {
			w.down = 0
		}
	}
}

func (w *worker) crashed() bool {
	select {
	case <-w.d.crash:
		return true
	default:
		return false
	}
}

// pause waits for d, a wake-up, the end of work or a crash.
func (w *worker) pause(d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-wake:
	case <-w.ctx.Done():
	case <-w.d.crash:
	}
}

// claim claims a batch from the oldest sending edition that has one due,
// unless delivery is paused.
func (w *worker) claim() (*store.Edition, *store.Batch, error) {
	d := w.d
	eds, err := d.sendingEditions(w.ctx)
	if err != nil {
		return nil, nil, err
	}
	// Oldest first: an edition that started earlier finishes earlier.
	for i := len(eds) - 1; i >= 0; i-- {
		e := eds[i]
		if d.o.Edition != 0 && e.ID != d.o.Edition {
			continue
		}
		d.writeMu.Lock()
		b, err := d.db.ClaimBatch(w.ctx, e.ID, d.owner, d.o.Now(), d.o.Lease)
		d.writeMu.Unlock()
		if err != nil || b != nil {
			return e, b, err
		}
	}
	return nil, nil, nil
}

// sendBatch sends to the recipients of b, gives b back through the
// recorder, and reports whether it stopped because the mail server could
// not be reached. mark is the watch's state before b was claimed.
func (w *worker) sendBatch(e *store.Edition, b *store.Batch, mark watchMark) (serverDown bool) {
	d := w.d
	stopRenew := w.renew(b)
	defer stopRenew()
	var notBefore time.Time // when the mail server is down: the retry's time
	defer func() { w.release(b, notBefore) }()
	claims := b.Claims
	ids := make([]int64, len(claims))
	subs := make(map[int64]*store.Subscriber, len(claims))
	for i, c := range claims {
		ids[i] = c.SubscriberID
		if c.Subscriber != nil {
			subs[c.SubscriberID] = c.Subscriber
		}
	}
	// Recipients are read right before they are sent to, not when the
	// edition was planned, so that an unsubscribe stops the rest of an
	// edition at once. Those read (by the claim, or here) hold while the
	// watch hears every change after the read; else a read covers
	// statusGroup of them.
	read := !b.RecipientsRead
	readAt := time.Now()
	for g := 0; g < len(claims); read = true {
		if read {
			mark, readAt = d.o.Watch.mark(), time.Now()
			var err error
			if subs, err = d.db.SubscribersByIDs(w.ctx, ids[g:g+readAhead(mark, len(claims)-g)]); err != nil {
				if w.ctx.Err() == nil {
					d.log.Error("reading subscribers failed", "edition", e.ID, "err", err)
				}
				return false
			}
		}
		for _, c := range claims[g : g+readAhead(mark, len(claims)-g)] {
			// Still good to send with: vouched for by the watch, or read
			// moments ago.
			fresh := func() bool {
				if mark.live {
					return d.o.Watch.unchanged(mark, c.SubscriberID)
				}
				return time.Since(readAt) < maxReadAge
			}
			if mark.live && !fresh() {
				break // read again, from c on
			}
			if w.ctx.Err() != nil || w.crashed() {
				return false
			}
			down, ok, stale := w.deliver(e, c, subs[c.SubscriberID], fresh)
			if !ok {
				return false
			}
			if stale {
				break // read again, from c on
			}
			if down > 0 {
				notBefore = d.o.Now().Add(down)
				return true
			}
			g++
		}
	}
	return false
}

// maxReadAge is how old a recipient's data read without a listening
// watch may be when their message goes out after a wait for a token: the
// wait lasts as long as outcomes cannot be recorded, and an unsubscribe
// may come meanwhile.
const maxReadAge = time.Second

// readAhead is how many of the left recipients one read of them covers:
// all while the watch vouches for them, else statusGroup.
func readAhead(mark watchMark, left int) int {
	if mark.live {
		return left
	}
	return min(statusGroup, left)
}

// renew keeps the lease of b fresh until the returned function is called.
func (w *worker) renew(b *store.Batch) func() {
	d := w.d
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(d.o.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				// Not w.ctx: the lease must hold while the last
				// messages finish after work has stopped.
				d.writeMu.Lock()
				err := d.db.RenewBatch(w.sendCtx, b.EditionID, b.First, d.owner, d.o.Now().Add(d.o.Lease))
				d.writeMu.Unlock()
				if err != nil && w.sendCtx.Err() == nil {
					d.log.Warn("renewing a batch failed", "edition", b.EditionID, "err", err)
				}
			case <-done:
				return
			case <-d.crash:
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// release hands b to the recorder to give back after the outcomes before
// it: what is still queued in it is due again, not before notBefore.
// Given back earlier, another worker could claim the batch and send again
// what went out but was not recorded yet.
func (w *worker) release(b *store.Batch, notBefore time.Time) {
	if w.crashed() {
		return
	}
	w.pending = append(w.pending, result{release: &store.BatchRelease{EditionID: b.EditionID, First: b.First, NotBefore: notBefore}})
}

// deliver sends edition e to sub, the subscriber of claim c (nil if they
// no longer exist), and hands the outcome to the recorder. It returns how
// long to wait if the mail server could not be reached, and false if the
// worker must stop (work ended or crashed) with c given back. After
// waiting for a token to send, it asks fresh whether sub is still good to
// send with; if not, it sends nothing and returns stale, for sub to be
// read again.
func (w *worker) deliver(e *store.Edition, c store.Claim, sub *store.Subscriber, fresh func() bool) (down time.Duration, ok, stale bool) {
	d := w.d
	res := store.DeliveryResult{EditionID: e.ID, SubscriberID: c.SubscriberID}
	switch {
	case sub == nil:
		return 0, w.skip(res, "subscriber deleted", time.Time{}), false
	case sub.Status != store.StatusActive:
		return 0, w.skip(res, "subscriber is "+sub.Status, time.Time{}), false
	case sub.Cadence != e.Cadence:
		// They changed cadence after the edition was planned (or an
		// erased subscriber's id was reused): the new one applies.
		return 0, w.skip(res, "subscriber changed cadence to "+sub.Cadence, time.Time{}), false
	}
	k := d.plan.recipientKey(e, sub)
	if !k.Since.Before(e.Until) {
		return 0, w.skip(res, "already has this window", time.Time{}), false
	}
	v, err := d.render.Variant(w.ctx, k)
	if err != nil {
		if w.ctx.Err() != nil {
			return 0, false, false
		}
		// Ours, not the recipient's: wait as for a server that is down.
		d.log.Error("rendering a digest failed", "edition", e.ID, "err", err)
		wait := max(w.down, time.Second)
		res.Status, res.NextAt, res.Error = store.DeliveryQueued, d.o.Now().Add(wait), "render: "+err.Error()
		return wait, w.push(result{r: res}), false
	}
	if v.Articles == 0 {
		// Nothing new in their categories: no mail, and their next
		// edition starts here.
		return 0, w.skip(res, "nothing new", e.Until), false
	}
	msg := v.Message(d.render.personal(sub, k.Lang, d.links))

	select {
	case w.tokens <- struct{}{}:
	default:
		// Every token is taken, some maybe by our own pending outcomes:
		// hand them over before waiting, or we would wait for ourselves.
		if !w.flush() {
			return 0, false, false
		}
		select {
		case w.tokens <- struct{}{}:
		case <-w.ctx.Done():
			return 0, false, false
		case <-d.crash:
			return 0, false, false
		}
		if !fresh() {
			<-w.tokens // nothing sent: the token goes back unused
			return 0, true, true
		}
	}
	if w.crashed() {
		return 0, false, false
	}
	start := time.Now()
	err = d.mail.Send(w.sendCtx, msg)
	took := time.Since(start)
	res, down = w.outcome(e, c, err)
	res.ClearBounces = res.Status == store.DeliverySent && sub.Bounces > 0
	d.o.Metrics.observe(res.Status, res.Status == store.DeliveryQueued, took)
	if res.Status == store.DeliveryBounced || res.Status == store.DeliveryFailed {
		d.log.Info("digest not delivered", "edition", e.ID, "subscriber", c.SubscriberID, "status", res.Status, "err", err)
	}
	return down, w.push(result{r: res, token: true}), false
}

func (w *worker) skip(res store.DeliveryResult, why string, until time.Time) bool {
	res.Status, res.Error, res.Until = store.DeliverySkipped, why, until
	w.d.o.Metrics.addSkipped()
	return w.push(result{r: res})
}

// push queues r for the recorder, handing over a group when it is full.
func (w *worker) push(r result) bool {
	w.d.unrecorded.Add(1)
	w.pending = append(w.pending, r)
	if len(w.pending) >= statusGroup {
		return w.flush()
	}
	return true
}

// flush hands the pending outcomes to the recorder.
func (w *worker) flush() bool {
	if len(w.pending) == 0 {
		return true
	}
	select {
	case w.results <- w.pending:
		w.pending = make([]result, 0, statusGroup)
		return true
	case <-w.d.crash:
		return false
	}
}

// outcome classifies the error of a send: nil is sent; a permanent refusal
// of the address is a bounce and any other permanent failure gives up; a
// temporary failure is retried with exponential backoff within the
// attempts and age allowed. A server that cannot be reached at all (or the
// end of work) is no attempt against the recipient: the delivery waits
// and down says how long.
func (w *worker) outcome(e *store.Edition, c store.Claim, err error) (res store.DeliveryResult, down time.Duration) {
	d := w.d
	now := d.o.Now()
	res = store.DeliveryResult{EditionID: e.ID, SubscriberID: c.SubscriberID}
	if err == nil {
		res.Status, res.Until = store.DeliverySent, e.Until
		return res, 0
	}
	res.Error = err.Error()
	deadline := e.CreatedAt.Add(d.o.MaxAge)
	var se *mailer.SendError
	isSendErr := errors.As(err, &se)
	switch {
	case w.sendCtx.Err() != nil || errors.Is(err, mailer.ErrClosed):
		// Stopping: nothing says the server refused anything.
		res.Status, res.NextAt = store.DeliveryQueued, now
		return res, 0
	case isSendErr && !se.Temporary:
		res.Attempted = true
		if se.Recipient != "" || strings.HasPrefix(se.Enhanced, "5.1.") {
			res.Status = store.DeliveryBounced
		} else {
			res.Status = store.DeliveryFailed
		}
		return res, 0
	case isSendErr && se.Command == "connect":
		down = min(max(2*w.down, time.Second), time.Minute)
		res.Status, res.NextAt = store.DeliveryQueued, now.Add(down)
		if res.NextAt.After(deadline) {
			res.Status, res.Error = store.DeliveryFailed, "mail server unreachable until the edition's maximum age: "+res.Error
		}
		return res, down
	}
	res.Attempted = true
	attempts := c.Attempts + 1
	res.NextAt = now.Add(backoff(d.o.Backoff, attempts))
	switch {
	case attempts >= d.o.MaxAttempts:
		res.Status, res.Error = store.DeliveryFailed, "too many attempts: "+res.Error
	case res.NextAt.After(deadline):
		res.Status, res.Error = store.DeliveryFailed, "too old to retry: "+res.Error
	default:
		res.Status = store.DeliveryQueued
	}
	return res, 0
}

// backoff returns the wait before retry number attempts (from 1): base,
// then twice as long each time, give or take a tenth so that deliveries
// that failed together do not all come back at once.
func backoff(base time.Duration, attempts int) time.Duration {
	d := base << min(attempts-1, 20)
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}
