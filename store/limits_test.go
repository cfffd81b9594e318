package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestChargeLimits: charges are all or none, and windows start at the
// first hit.
func TestChargeLimits(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		ip := Charge{Key: "ip-hour:aa", N: 1, Limit: 2, Window: time.Hour}
		global := Charge{Key: "global-hour", N: 3, Limit: 5, Window: time.Hour}

		if i, err := db.ChargeLimits(ctx, now, []Charge{ip, global}); err != nil || i != -1 {
			t.Fatalf("first charge = %d, %v; want -1", i, err)
		}
		// The global counter is at 3; three more would make 6 > 5, so the
		// IP counter must not move either.
		if i, err := db.ChargeLimits(ctx, now, []Charge{ip, global}); err != nil || i != 1 {
			t.Fatalf("second charge = %d, %v; want 1 (global)", i, err)
		}
		if n, _ := db.LimitHits(ctx, now, "ip-hour:aa"); n != 1 {
			t.Errorf("ip counter = %d after a refused charge, want 1", n)
		}
		if n, _ := db.LimitHits(ctx, now, "global-hour"); n != 3 {
			t.Errorf("global counter = %d, want 3", n)
		}
		if i, _ := db.ChargeLimits(ctx, now, []Charge{ip}); i != -1 {
			t.Fatalf("ip charge 2 of 2 refused")
		}
		if i, _ := db.ChargeLimits(ctx, now, []Charge{ip}); i != 0 {
			t.Fatalf("ip charge 3 of 2 accepted")
		}
		// The window starts at the first hit; after it the counter starts over.
		later := now.Add(time.Hour)
		if n, _ := db.LimitHits(ctx, later, "ip-hour:aa"); n != 0 {
			t.Errorf("expired counter reads %d", n)
		}
		if i, _ := db.ChargeLimits(ctx, later, []Charge{ip}); i != -1 {
			t.Fatalf("charge in a new window refused")
		}
		if n, _ := db.LimitHits(ctx, later, "ip-hour:aa"); n != 1 {
			t.Errorf("new window counter = %d, want 1", n)
		}
		// A charge restarts only its own counters: the expired global one
		// is left to the purge, so that no request deletes across the table.
		if n, err := countRows(ctx, db.sql, "share_counters", ""); err != nil || n != 2 {
			t.Errorf("%d counter rows, %v; want 2, the expired one left", n, err)
		}
		if n, err := db.PurgeShareState(ctx, later, time.Time{}); err != nil || n != 1 {
			t.Errorf("purge = %d, %v; want the expired counter", n, err)
		}
		if n, _ := db.LimitHits(ctx, later, "ip-hour:aa"); n != 1 {
			t.Errorf("the purge took a live counter: %d", n)
		}
		if _, err := db.ChargeLimits(ctx, now, []Charge{{Key: "x", N: 0, Limit: 1, Window: time.Hour}}); err == nil {
			t.Error("a charge of 0 was accepted")
		}
	})
}

// TestChargeLimitsConcurrent: many goroutines racing for the last units get
// exactly Limit of them between them.
func TestChargeLimitsConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		now := time.Now()
		var mu sync.Mutex
		granted := 0
		var wg sync.WaitGroup
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				i, err := db.ChargeLimits(ctx, now, []Charge{{Key: "global-hour", N: 1, Limit: 7, Window: time.Hour}})
				if err != nil {
					t.Error(err)
					return
				}
				if i == -1 {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if granted != 7 {
			t.Errorf("granted %d charges, want 7", granted)
		}
	})
}

func TestCheckLimitsReadsOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		now := time.Now()
		c := []Charge{{Key: "a", N: 1, Limit: 2, Window: time.Hour}, {Key: "b", N: 2, Limit: 2, Window: time.Hour}}
		if i, err := db.CheckLimits(ctx, now, c); i != -1 || err != nil {
			t.Fatalf("fresh counters = %d, %v", i, err)
		}
		if i, _ := db.ChargeLimits(ctx, now, c); i != -1 {
			t.Fatal("charge refused")
		}
		if i, _ := db.CheckLimits(ctx, now, c); i != 1 {
			t.Fatalf("CheckLimits = %d, want 1 (b is full)", i)
		}
		if n, _ := db.LimitHits(ctx, now, "a"); n != 1 {
			t.Errorf("CheckLimits wrote: a = %d", n)
		}
		if i, _ := db.CheckLimits(ctx, now.Add(time.Hour), c); i != -1 {
			t.Error("an expired counter counts")
		}
	})
}
