package newsletter

import (
	"context"
	"time"

	"github.com/bantin/bantin/store"
)

// flushDelay is the longest an outcome waits for others to be committed
// with: at a trickle, outcomes are recorded within this time; at full
// speed, RecordEvery of them fill a group sooner.
const flushDelay = 50 * time.Millisecond

// record commits the outcomes from in, in groups of RecordEvery or after
// flushDelay, until in is closed. A token taken for a send is given back
// only once its outcome is committed: that is what bounds the messages
// sent but not recorded. A failed commit is retried, holding the tokens,
// so that workers stop sending until the database takes outcomes again.
func (d *Deliverer) record(in <-chan []result, tokens <-chan struct{}) {
	pending := make([]result, 0, d.o.RecordEvery)
	batch := make([]store.DeliveryResult, 0, d.o.RecordEvery)
	var releases []store.BatchRelease
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() bool {
		if len(pending) == 0 {
			return true
		}
		batch, releases = batch[:0], releases[:0]
		for _, r := range pending {
			if r.release != nil {
				releases = append(releases, *r.release)
				continue
			}
			batch = append(batch, r.r)
		}
		for wait := 10 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			d.writeMu.Lock()
			err := d.db.RecordDeliveries(ctx, d.owner, batch, releases, d.o.BounceThreshold)
			d.writeMu.Unlock()
			cancel()
			if err == nil {
				break
			}
			d.log.Error("recording deliveries failed; retrying", "count", len(batch), "err", err)
			select {
			case <-time.After(wait):
			case <-d.crash:
				return false
			}
		}
		for _, r := range pending {
			if r.token {
				<-tokens
			}
		}
		d.unrecorded.Add(-int64(len(batch)))
		if d.o.Recorded != nil && len(batch) > 0 {
			d.o.Recorded(len(batch))
		}
		if d.o.Edition != 0 {
			// Delivering one edition to the end: an idle worker may be
			// waiting for these outcomes to see that it is done.
			d.wakeIdle()
		}
		pending = pending[:0]
		return true
	}
	for {
		select {
		case rs, ok := <-in:
			if !ok {
				flush()
				return
			}
			if d.crashing() {
				return
			}
			first := len(pending) == 0
			pending = append(pending, rs...)
			if len(pending) >= d.o.RecordEvery {
				timer.Stop()
				if !flush() {
					return
				}
			} else if first {
				timer.Reset(flushDelay)
			}
		case <-timer.C:
			if !flush() {
				return
			}
		case <-d.crash:
			return
		}
	}
}

func (d *Deliverer) crashing() bool {
	select {
	case <-d.crash:
		return true
	default:
		return false
	}
}
