package newsletter

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/pgtest"
	"github.com/bantin/bantin/internal/testutil"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/store/storetest"
)

// TestSubscribeLimitsHoldAcrossInstances: two instances, each with its own
// store handle on one database, count against the same limits, one after
// the other and racing.
func TestSubscribeLimitsHoldAcrossInstances(t *testing.T) {
	backends := []struct {
		name string
		url  func(testing.TB) string
	}{
		{"sqlite", func(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "bantin.db") }},
		{"postgres", pgtest.URL},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Run("per IP", func(t *testing.T) {
				envs := newInstances(t, b.url(t), func(o *SubscriptionOptions) { o.SubscribePerIP = 3 })
				req := func(i int) SubscribeRequest {
					return SubscribeRequest{Email: fmt.Sprintf("ip-%d@example.vn", i), IP: testIP, Form: FormPage}
				}
				if got := accepted(t, subscribeEach(envs, 4, false, req)); got != 3 {
					t.Errorf("%d of 4 requests from one IP accepted in turn by two instances, want 3", got)
				}
				envs[0].clock.Advance(time.Hour + time.Second)
				if got := accepted(t, subscribeEach(envs, 12, true, req)); got != 3 {
					t.Errorf("%d of 12 racing requests from one IP accepted, want 3", got)
				}
			})
			t.Run("mails per address", func(t *testing.T) {
				envs := newInstances(t, b.url(t), func(o *SubscriptionOptions) { o.SubscribePerIP = 0 })
				req := func(int) SubscribeRequest {
					return SubscribeRequest{Email: "spam@example.vn", IP: testIP, Form: FormPage}
				}
				accepted(t, subscribeEach(envs, 4, false, req))
				if n := len(envs[0].mailsTo(t, "spam@example.vn")); n != 3 {
					t.Errorf("%d mails to one address from 4 requests in turn through two instances, want 3", n)
				}
				envs[0].clock.Advance(24 * time.Hour)
				accepted(t, subscribeEach(envs, 12, true, req))
				if n := len(envs[0].mailsTo(t, "spam@example.vn")); n != 6 {
					t.Errorf("%d mails after 12 racing requests the next day, want 3 more than 3", n)
				}
			})
		})
	}
}

// TestConfirmationMailsSlidingWindow: at most 3 confirmation mails reach
// one address in any 24 hours, however the requests fall. A counter reset
// 24 hours after its first hit would let 3 through just before the reset
// and 3 more just after it: 6 within minutes.
func TestConfirmationMailsSlidingWindow(t *testing.T) {
	env := newSubEnv(t, func(o *SubscriptionOptions) { o.SubscribePerIP = 0 })
	req := SubscribeRequest{Email: "hoa@example.vn", IP: testIP, Form: FormPage}
	mails := func() int { return len(env.mailsTo(t, "hoa@example.vn")) }
	steps := []struct {
		advance time.Duration
		want    int // mails so far
	}{
		{0, 1},                // 00:00:00
		{23 * time.Hour, 2},   // 23:00:00
		{59 * time.Minute, 3}, // 23:59:00
		{59 * time.Second, 3}, // 23:59:59: three in the last 24 hours
		{3 * time.Second, 4},  // 24:00:02: the first has left the window
		{time.Second, 4},      // 24:00:03: 23:00, 23:59 and 24:00:02 are in it
		{23 * time.Hour, 5},   // 47:00:03: the 23:00 one has left
		{30 * time.Minute, 5}, // 47:30:03: 23:59, 24:00:02 and 47:00:03
		{29 * time.Minute, 6}, // 47:59:03: the 23:59 one has left
	}
	for i, st := range steps {
		env.clock.Advance(st.advance)
		if err := env.subs.Subscribe(context.Background(), req); err != nil && !errors.Is(err, ErrTooManyRequests) {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := mails(); got != st.want {
			t.Fatalf("step %d (+%s): %d mails, want %d", i, st.advance, got, st.want)
		}
	}
}

// newInstances returns two Subscriptions, each with its own store handle
// on the database at url, sharing a clock, a key and a Maildir.
func newInstances(t *testing.T, url string, opts ...func(*SubscriptionOptions)) []*subEnv {
	t.Helper()
	clock := testutil.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	dir := filepath.Join(t.TempDir(), "mail")
	var envs []*subEnv
	for range 2 {
		envs = append(envs, newSubEnvOn(t, storetest.Open(t, url, store.WithClock(clock.Now)), clock, dir, opts...))
	}
	return envs
}

// subscribeEach sends n requests, request i through envs[i%len(envs)], one
// after the other or all at once, and returns their answers.
func subscribeEach(envs []*subEnv, n int, racing bool, req func(i int) SubscribeRequest) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		send := func() { errs[i] = envs[i%len(envs)].subs.Subscribe(context.Background(), req(i)) }
		if racing {
			wg.Go(send)
		} else {
			send()
		}
	}
	wg.Wait()
	return errs
}

// accepted counts the nil answers, failing on any but ErrTooManyRequests.
func accepted(t *testing.T, errs []error) int {
	t.Helper()
	n := 0
	for i, err := range errs {
		switch {
		case err == nil:
			n++
		case !errors.Is(err, ErrTooManyRequests):
			t.Fatalf("request %d: %v", i, err)
		}
	}
	return n
}
