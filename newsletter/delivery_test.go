package newsletter

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/store/storetest"
	"github.com/emersion/go-smtp"
)

// subscribers adds n active daily subscribers of every category and
// returns their addresses.
func (f *fixture) subscribers(n int) []string {
	var emails []string
	for i := range n {
		e := fmt.Sprintf("doc-gia-%03d@example.vn", i)
		f.subscriber(e, store.CadenceDaily)
		emails = append(emails, e)
	}
	return emails
}

func TestDeliversAnEditionOnceToEveryRecipient(t *testing.T) {
	f := newFixture(t)
	f.article("Khánh thành cầu Long Kiểng", "thoi-su", time.Hour, true)
	f.article("Giá lúa tăng", "kinh-te", 2*time.Hour, true)
	emails := f.subscribers(37)
	s := newSink(t)
	e := f.plan(store.CadenceDaily)
	if e.Recipients != 37 {
		t.Fatalf("edition has %d recipients, want 37", e.Recipients)
	}
	res := f.deliver(f.mailer(s, 3, 5*time.Second), e, testDelivery())
	if res.Waiting != 0 {
		t.Fatalf("%d left waiting", res.Waiting)
	}
	for _, to := range emails {
		if n := s.count(to); n != 1 {
			t.Errorf("%s got %d messages, want 1", to, n)
		}
	}
	c := f.counts(e)
	if c[store.DeliverySent] != 37 || c.Total() != 37 {
		t.Fatalf("counts %v", c)
	}
	got, _ := f.db.EditionByID(f.ctx, e.ID)
	if got.Status != store.EditionDone || got.FinishedAt.IsZero() {
		t.Fatalf("edition not done: %+v", got)
	}
	msg := s.message(emails[0])
	for _, want := range []string{"<" + testSite + "/unsubscribe?t=", "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "List-Id:"} {
		if !bytes.Contains(msg, []byte(want)) {
			t.Errorf("message lacks %q", want)
		}
	}
	sub, _ := f.db.SubscriberByEmail(f.ctx, emails[0])
	if !sub.LastEditionUntil.Equal(f.now) {
		t.Errorf("last edition until = %v, want %v", sub.LastEditionUntil, f.now)
	}
	if f.metrics.sent.Load() != 37 || f.metrics.queued.Load() != 37 {
		t.Errorf("metrics sent %d queued %d", f.metrics.sent.Load(), f.metrics.queued.Load())
	}
}

func TestTemporaryRepliesAreRetriedWithBackoff(t *testing.T) {
	for _, code := range []int{421, 451, 452} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := newFixture(t)
			f.article("Họp báo", "thoi-su", time.Hour, true)
			emails := f.subscribers(6)
			s := newSink(t)
			s.rcpt = func(to string, n int) error {
				if n <= 2 {
					return smtpReply(code, [3]int{4, 3, 0}, "try again later")
				}
				return nil
			}
			e := f.plan(store.CadenceDaily)
			f.deliver(f.mailer(s, 2, 5*time.Second), e, testDelivery())
			for _, to := range emails {
				if n := s.count(to); n != 1 {
					t.Errorf("%s got %d, want 1 after two %d replies", to, n, code)
				}
			}
			if c := f.counts(e); c[store.DeliverySent] != 6 {
				t.Fatalf("counts %v", c)
			}
			if f.metrics.retried.Load() != 12 {
				t.Errorf("retried %d, want 12", f.metrics.retried.Load())
			}
		})
	}
}

func TestTemporaryFailuresGiveUpAfterMaxAttempts(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	f.subscribers(3)
	s := newSink(t)
	s.rcpt = func(string, int) error { return smtpReply(451, [3]int{4, 3, 0}, "greylisted") }
	e := f.plan(store.CadenceDaily)
	o := testDelivery()
	o.MaxAttempts = 3
	f.deliver(f.mailer(s, 2, 5*time.Second), e, o)
	if c := f.counts(e); c[store.DeliveryFailed] != 3 {
		t.Fatalf("counts %v, want 3 failed", c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for to, n := range s.rcptSeen {
		if n != 3 {
			t.Errorf("%s tried %d times, want 3", to, n)
		}
	}
}

func TestPermanentRefusalsBounceTheAddress(t *testing.T) {
	for _, code := range []int{550, 553} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := newFixture(t)
			f.article("Họp báo", "thoi-su", time.Hour, true)
			good := f.subscriber("tot@example.vn", store.CadenceDaily)
			bad := f.subscriber("khong-ton-tai@example.vn", store.CadenceDaily)
			s := newSink(t)
			s.rcpt = func(to string, n int) error {
				if to == bad.Email {
					return smtpReply(code, [3]int{5, 1, 1}, "no such user")
				}
				return nil
			}
			e := f.plan(store.CadenceDaily)
			f.deliver(f.mailer(s, 2, 5*time.Second), e, testDelivery())
			if s.count(good.Email) != 1 || s.count(bad.Email) != 0 {
				t.Fatalf("good got %d, bad got %d", s.count(good.Email), s.count(bad.Email))
			}
			s.mu.Lock()
			tries := s.rcptSeen[bad.Email]
			s.mu.Unlock()
			if tries != 1 {
				t.Errorf("a permanent refusal was tried %d times", tries)
			}
			got, _ := f.db.SubscriberByID(f.ctx, bad.ID)
			if got.Status != store.StatusBounced || got.Bounces != 1 {
				t.Fatalf("refused subscriber: status %s, bounces %d", got.Status, got.Bounces)
			}
			if c := f.counts(e); c[store.DeliveryBounced] != 1 || c[store.DeliverySent] != 1 {
				t.Fatalf("counts %v", c)
			}
			// A bounced address gets nothing more.
			f.article("Tin chiều", "thoi-su", -time.Hour, true)
			f.now = f.now.Add(2 * time.Hour)
			e2 := f.plan(store.CadenceDaily)
			if e2.Recipients != 1 {
				t.Fatalf("next edition has %d recipients, want 1 (the bounced address excluded)", e2.Recipients)
			}
		})
	}
}

func TestBounceThresholdCountsRefusals(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	bad := f.subscriber("day@example.vn", store.CadenceDaily)
	s := newSink(t)
	s.rcpt = func(string, int) error { return smtpReply(550, [3]int{5, 2, 2}, "mailbox full") }
	o := testDelivery()
	o.BounceThreshold = 2
	f.deliver(f.mailer(s, 1, 5*time.Second), f.plan(store.CadenceDaily), o)
	got, _ := f.db.SubscriberByID(f.ctx, bad.ID)
	if got.Status != store.StatusActive || got.Bounces != 1 {
		t.Fatalf("after one refusal: %s, %d bounces; want active, 1", got.Status, got.Bounces)
	}
	f.now = f.now.Add(time.Hour)
	f.deliver(f.mailer(s, 1, 5*time.Second), f.plan(store.CadenceDaily), o)
	got, _ = f.db.SubscriberByID(f.ctx, bad.ID)
	if got.Status != store.StatusBounced || got.Bounces != 2 {
		t.Fatalf("after two refusals: %s, %d bounces; want bounced, 2", got.Status, got.Bounces)
	}
}

// TestDeliveryClearsTheBounceCount: a message that goes out clears the
// count of refusals before it, so that only refusals in a row mark the
// address bounced.
func TestDeliveryClearsTheBounceCount(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	sub := f.subscriber("day@example.vn", store.CadenceDaily)
	s := newSink(t)
	var refuse atomic.Bool
	refuse.Store(true)
	s.rcpt = func(string, int) error {
		if refuse.Load() {
			return smtpReply(550, [3]int{5, 2, 2}, "mailbox full")
		}
		return nil
	}
	o := testDelivery()
	o.BounceThreshold = 2
	f.deliver(f.mailer(s, 1, 5*time.Second), f.plan(store.CadenceDaily), o)
	if got, _ := f.db.SubscriberByID(f.ctx, sub.ID); got.Bounces != 1 {
		t.Fatalf("after a refusal: %d bounces, want 1", got.Bounces)
	}
	refuse.Store(false)
	f.now = f.now.Add(time.Hour)
	f.article("Kết luận", "thoi-su", 30*time.Minute, true)
	f.deliver(f.mailer(s, 1, 5*time.Second), f.plan(store.CadenceDaily), o)
	if got, _ := f.db.SubscriberByID(f.ctx, sub.ID); got.Status != store.StatusActive || got.Bounces != 0 {
		t.Fatalf("after a delivery: %s, %d bounces; want active, 0", got.Status, got.Bounces)
	}
}

func TestConnectionDroppedMidDataIsRetried(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	emails := f.subscribers(8)
	s := newSink(t)
	var dropped atomic.Int32
	s.data = func(to []string, c *smtp.Conn, r io.Reader) error {
		if dropped.Add(1) <= 3 {
			_, _ = io.CopyN(io.Discard, r, 512)
			_ = c.Conn().Close()
			return fmt.Errorf("dropped")
		}
		return nil
	}
	e := f.plan(store.CadenceDaily)
	f.deliver(f.mailer(s, 2, 5*time.Second), e, testDelivery())
	for _, to := range emails {
		if n := s.count(to); n != 1 {
			t.Errorf("%s got %d, want 1", to, n)
		}
	}
	if c := f.counts(e); c[store.DeliverySent] != 8 {
		t.Fatalf("counts %v", c)
	}
}

func TestServerSlowerThanTheTimeoutIsRetried(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	emails := f.subscribers(4)
	s := newSink(t)
	var slow atomic.Int32
	s.data = func(to []string, c *smtp.Conn, r io.Reader) error {
		if slow.Add(1) <= 2 {
			time.Sleep(600 * time.Millisecond)
		}
		return nil
	}
	e := f.plan(store.CadenceDaily)
	f.deliver(f.mailer(s, 2, 200*time.Millisecond), e, testDelivery())
	if c := f.counts(e); c[store.DeliverySent] != 4 {
		t.Fatalf("counts %v", c)
	}
	// The slow server may have kept a message it answered too late:
	// that is SMTP's own duplicate, bounded by the slow answers.
	msgs, dups := s.total()
	if msgs < 4 || dups > 2 {
		t.Fatalf("%d messages, %d duplicates", msgs, dups)
	}
	for _, to := range emails {
		if s.count(to) == 0 {
			t.Errorf("%s got nothing", to)
		}
	}
}

func TestServerDownAtStartIsWaitedFor(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	emails := f.subscribers(12)
	s := newSinkDown(t)
	m := f.mailer(s, 2, time.Second)
	o := testDelivery()
	o.MaxAttempts = 1 // an unreachable server must cost no attempt
	d := f.deliverer(m, o)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	e := f.plan(store.CadenceDaily)
	d.Wake()
	time.Sleep(300 * time.Millisecond) // the daemon runs on, failing to connect
	if c := f.counts(e); c[store.DeliverySent] != 0 || c[store.DeliveryFailed] != 0 {
		t.Fatalf("counts %v while the server is down", c)
	}
	s.start()
	waitUntil(t, "every delivery sent", func() bool { return f.counts(e)[store.DeliverySent] == 12 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, to := range emails {
		if n := s.count(to); n != 1 {
			t.Errorf("%s got %d, want 1", to, n)
		}
	}
}

func TestUnsubscribeMidEditionStopsTheRest(t *testing.T) {
	// One batch, claimed before anyone left.
	f := newFixtureOn(t, storetest.OpenSQLite(t, store.WithDeliveryBatch(60)))
	f.chunks(60)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	emails := f.subscribers(60)
	leaving := map[string]bool{}
	for _, e := range emails[30:] {
		leaving[e] = true
	}
	s := newSink(t)
	// The edition is under way: the second half leaves now.
	atRecipient(s, 10, func() {
		for _, e := range emails[30:] {
			sub, _ := f.db.SubscriberByEmail(f.ctx, e)
			f.setStatus(sub.ID, store.StatusUnsubscribed)
		}
	})
	e := f.plan(store.CadenceDaily)
	o := testDelivery()
	o.Workers = 1
	f.deliver(f.mailer(s, 1, 5*time.Second), e, o)
	var late int
	for _, to := range emails {
		if leaving[to] && s.count(to) > 0 {
			late++
		}
	}
	// Statuses are read per group of statusGroup, just before sending:
	// only those of the group under way when they left can still get it.
	if late > statusGroup {
		t.Fatalf("%d recipients got the edition after unsubscribing", late)
	}
	c := f.counts(e)
	if c[store.DeliverySkipped] < 30-statusGroup || c.Pending() != 0 {
		t.Fatalf("counts %v", c)
	}
}

func TestPauseStopsDeliveryUntilResumed(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	f.subscribers(5)
	s := newSink(t)
	if err := f.db.PauseDelivery(f.ctx); err != nil {
		t.Fatal(err)
	}
	e := f.plan(store.CadenceDaily)
	d := f.deliverer(f.mailer(s, 1, 5*time.Second), testDelivery())
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	time.Sleep(200 * time.Millisecond)
	if msgs, _ := s.total(); msgs != 0 {
		t.Fatalf("%d sent while paused", msgs)
	}
	if err := f.db.ResumeDelivery(f.ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the edition sent after resuming", func() bool { return f.counts(e)[store.DeliverySent] == 5 })
	cancel()
	<-done
}

// crashingSender sends through m and, after the n-th message the server
// accepted, makes the Deliverer stop as a kill -9 would: nothing more is
// recorded, nothing released.
type crashingSender struct {
	m     mailer.Sender
	n     int32
	sent  atomic.Int32
	crash func()
	once  sync.Once
}

func (c *crashingSender) Send(ctx context.Context, msg *mailer.Message) error {
	err := c.m.Send(ctx, msg)
	if err == nil && c.sent.Add(1) >= c.n {
		c.once.Do(c.crash)
	}
	return err
}

func TestKillMidEditionLosesNothingAndDuplicatesAtMostTheUnrecorded(t *testing.T) {
	for _, crashAt := range []int32{1, 17, 45, 88} {
		t.Run(fmt.Sprint(crashAt), func(t *testing.T) {
			f := newFixture(t)
			f.article("Họp báo", "thoi-su", time.Hour, true)
			emails := f.subscribers(100)
			s := newSink(t)
			e := f.plan(store.CadenceDaily)
			o := testDelivery()
			o.Workers, o.RecordEvery, o.MaxUnrecorded = 4, 5, 12
			o.Edition = e.ID

			first := f.deliverer(nil, o)
			cs := &crashingSender{m: f.mailer(s, 3, 5*time.Second), n: crashAt}
			cs.crash = func() { close(first.crash) }
			first.mail = cs
			ctx, cancel := context.WithTimeout(f.ctx, 20*time.Second)
			defer cancel()
			go func() { _, _ = first.DeliverEdition(ctx) }()
			<-first.crash
			// Let whatever was mid-send finish, as the kernel would close
			// the sockets of a killed process.
			time.Sleep(50 * time.Millisecond)
			before, _ := s.total()

			// The restart: same database, a new process (owner); the
			// crashed one's claims come back when their lease ends.
			f.deliver(f.mailer(s, 3, 5*time.Second), e, o)
			msgs, dups := s.total()
			for _, to := range emails {
				if s.count(to) == 0 {
					t.Errorf("%s lost", to)
				}
			}
			if dups > o.MaxUnrecorded {
				t.Fatalf("%d duplicates, more than max unrecorded %d (crash after %d, %d before restart, %d in all)",
					dups, o.MaxUnrecorded, crashAt, before, msgs)
			}
			if c := f.counts(e); c[store.DeliverySent] != 100 {
				t.Fatalf("counts %v", c)
			}
			t.Logf("crash after %d sends: %d sent before the restart, %d duplicates", crashAt, before, dups)
		})
	}
}

// blockingRecordStore holds the first RecordDeliveries until release is
// closed, telling blocked when it starts waiting.
type blockingRecordStore struct {
	*store.DB
	once    sync.Once
	blocked chan struct{}
	release chan struct{}
}

func (s *blockingRecordStore) RecordDeliveries(ctx context.Context, owner string, rs []store.DeliveryResult, bs []store.BatchRelease, threshold int) error {
	s.once.Do(func() {
		close(s.blocked)
		<-s.release
	})
	return s.DB.RecordDeliveries(ctx, owner, rs, bs, threshold)
}

// TestUnsubscribeDuringATokenWaitIsSeen: a worker that waited long for a
// token (outcomes could not be recorded) reads its recipient again before
// sending, so an unsubscribe made meanwhile still stops the message.
func TestUnsubscribeDuringATokenWaitIsSeen(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", time.Hour, true)
	emails := f.subscribers(3)
	leaving, err := f.db.SubscriberByEmail(f.ctx, emails[1])
	if err != nil {
		t.Fatal(err)
	}
	s := newSink(t)
	e := f.plan(store.CadenceDaily)
	blocking := &blockingRecordStore{DB: f.db, blocked: make(chan struct{}), release: make(chan struct{})}
	go func() {
		// The first outcome cannot be recorded: the worker, with one
		// token, waits with the second recipient read and rendered.
		<-blocking.blocked
		f.setStatus(leaving.ID, store.StatusUnsubscribed)
		time.Sleep(maxReadAge + 200*time.Millisecond)
		close(blocking.release)
	}()
	o := testDelivery()
	o.Workers, o.RecordEvery, o.MaxUnrecorded, o.Edition, o.Metrics = 1, 1, 1, e.ID, f.metrics
	ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer cancel()
	if _, err := NewDeliverer(blocking, f.mailer(s, 1, 5*time.Second), f.render, f.links, f.planner, o).DeliverEdition(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.count(emails[1]); n != 0 {
		t.Fatalf("%s got %d messages after unsubscribing during the wait", emails[1], n)
	}
	if s.count(emails[0]) != 1 || s.count(emails[2]) != 1 {
		t.Fatalf("the others got %d and %d messages, want 1 each", s.count(emails[0]), s.count(emails[2]))
	}
}
