package store

import (
	"context"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/testutil"
)

// TestPlanDeliveriesAtHonoursSendHours: a daily edition cut at 06:00 local
// queues a subscriber who chose 20:00 for 20:00 today, one who chose 05:00
// for 05:00 tomorrow, and one who chose nothing for now; a claim at 06:00
// takes only the last.
func TestPlanDeliveriesAtHonoursSendHours(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		day := time.Date(2026, 11, 30, 0, 0, 0, 0, ict)
		cutAt := day.Add(6 * time.Hour)
		clk := testutil.NewClock(cutAt)
		db := openTestDB(t, WithClock(clk.Now))
		evening := insertSubscriber(t, db, "toi@example.vn", StatusActive, CadenceDaily)
		early := insertSubscriber(t, db, "som@example.vn", StatusActive, CadenceDaily)
		anyHour := insertSubscriber(t, db, "bat-ky@example.vn", StatusActive, CadenceDaily)
		for id, h := range map[int64]int{evening: 20, early: 5} {
			if _, err := db.sql.Exec(db.dialect.rebind("UPDATE subscribers SET send_hour = ? WHERE id = ?"), h, id); err != nil {
				t.Fatal(err)
			}
		}
		e := newEdition(t, db, CadenceDaily, cutAt)
		for {
			_, done, err := db.PlanDeliveriesAt(ctx, e, 100, day)
			if err != nil {
				t.Fatal(err)
			}
			if done {
				break
			}
		}
		want := map[int64]time.Time{evening: day.Add(20 * time.Hour), early: day.Add(29 * time.Hour), anyHour: cutAt}
		for id, at := range want {
			var next int64
			if err := db.sql.QueryRow(db.dialect.rebind("SELECT next_at FROM deliveries WHERE edition_id = ? AND subscriber_id = ?"), e.ID, id).Scan(&next); err != nil {
				t.Fatal(err)
			}
			if got := fromMicros(next); !got.Equal(at) {
				t.Errorf("subscriber %d queued for %v, want %v", id, got.In(ict), at.In(ict))
			}
		}
		b, err := db.ClaimBatch(ctx, e.ID, "w1", cutAt, time.Minute)
		if err != nil || b == nil {
			t.Fatal(b, err)
		}
		if claims := b.Claims; len(claims) != 1 || claims[0].SubscriberID != anyHour {
			t.Fatalf("claim at 06:00 took %+v, want only subscriber %d", b.Claims, anyHour)
		}
	})
}
