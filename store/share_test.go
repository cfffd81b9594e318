package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestChargeLimitsAllOrNothing(t *testing.T) {
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

func TestUseTokenOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		exp := time.Now().Add(time.Hour)
		if ok, err := db.UseToken(ctx, "h1", exp); !ok || err != nil {
			t.Fatalf("first use = %v, %v", ok, err)
		}
		if ok, err := db.UseToken(ctx, "h1", exp); ok || err != nil {
			t.Fatalf("replay = %v, %v; want false", ok, err)
		}
	})
}

func TestSuppressionAndPurge(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		if err := db.Suppress(ctx, "h-a", now); err != nil {
			t.Fatal(err)
		}
		if err := db.Suppress(ctx, "h-a", now); err != nil {
			t.Fatalf("suppressing twice: %v", err)
		}
		got, err := db.Suppressed(ctx, []string{"h-a", "h-b"})
		if err != nil || !got["h-a"] || got["h-b"] {
			t.Fatalf("Suppressed = %v, %v", got, err)
		}

		if _, err := db.ChargeLimits(ctx, now, []Charge{{Key: "rcpt-day:x", N: 1, Limit: 3, Window: time.Hour}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UseToken(ctx, "t1", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		f := &Feedback{ArticleID: "a", Name: "An", Email: "an@example.com", Body: "x", Language: "vi", CreatedAt: now}
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := db.SetFeedbackStatus(ctx, f.ID, FeedbackRejected, now); err != nil {
			t.Fatal(err)
		}
		n, err := db.PurgeShareState(ctx, now.Add(2*time.Hour), now.Add(time.Second))
		if err != nil || n != 3 {
			t.Fatalf("purge = %d, %v; want 3 rows", n, err)
		}
		if ok, _ := db.UseToken(ctx, "t1", now.Add(3*time.Hour)); !ok {
			t.Error("a purged token still counts as used")
		}
		// The suppression list is never purged.
		if got, _ := db.Suppressed(ctx, []string{"h-a"}); !got["h-a"] {
			t.Error("purge dropped a suppression")
		}
	})
}

func TestArticlesByID(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		a := sampleArticle("file:a.txt", time.Date(2026, 11, 20, 0, 0, 0, 0, ict))
		if _, err := db.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := db.ArticlesByID(ctx, []string{"nope", a.ID, "x-y"})
		if err != nil || len(got) != 1 || got[0].ID != a.ID || got[0].Title != a.Title {
			t.Fatalf("ArticlesByID = %v, %v", got, err)
		}
		if got, err := db.ArticlesByID(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("no ids = %v, %v", got, err)
		}
		if _, err := db.ArticlesByID(ctx, make([]string, 65)); err == nil {
			t.Error("65 ids accepted")
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
