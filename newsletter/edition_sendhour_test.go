package newsletter

import (
	"slices"
	"testing"
	"time"

	"github.com/bantin/bantin/store"
)

// TestScheduledEditionsHonourSendHours: the schedule's daily edition holds
// a subscriber who chose 20:00 until then, while one who chose nothing is
// sent at once; an operator's Plan ("digest send --now") sends to both now.
func TestScheduledEditionsHonourSendHours(t *testing.T) {
	for _, tt := range []struct {
		name      string
		scheduled bool
		wantNow   int // how many a claim right after planning takes
	}{
		{"scheduled", true, 1},
		{"operator", false, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.planner = NewPlanner(f.db, f.render, PlannerOptions{Location: testZone, Metrics: f.metrics})
			f.article("Khai trương chợ phiên cuối tuần ở phường Tân Hòa", "thoi-su", time.Hour, true)
			evening := f.subscriber("toi@example.vn", store.CadenceDaily)
			atOnce := f.subscriber("ngay@example.vn", store.CadenceDaily)
			if _, err := f.db.ChangeSubscriber(f.ctx, evening.ID, nil, func(s *store.Subscriber) { s.SendHour = 20 },
				store.Consent{Action: store.ConsentPreferences, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
			plan := f.planner.Plan
			if tt.scheduled {
				plan = f.planner.PlanScheduled
			}
			// f.now is 06:00 on a day after the store's real clock, so
			// 20:00 that day is hours away from every claim below.
			e, err := plan(f.ctx, store.CadenceDaily, f.now)
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.db.ClaimBatch(f.ctx, e.ID, "w1", time.Now(), time.Minute)
			if err != nil || b == nil {
				t.Fatal(b, err)
			}
			claims := b.Claims
			var ids []int64
			for _, c := range claims {
				ids = append(ids, c.SubscriberID)
			}
			if len(claims) != tt.wantNow || !slices.Contains(ids, atOnce.ID) {
				t.Fatalf("claim now took subscribers %v; want %d including %d", ids, tt.wantNow, atOnce.ID)
			}
			b, err = f.db.ClaimBatch(f.ctx, e.ID, "w2", f.now.Add(14*time.Hour), time.Minute)
			if err != nil || b == nil {
				t.Fatal(b, err)
			}
			later := b.Claims
			// By 20:00 the first claim's lease has run out too, so that
			// delivery may come back; the evening one must be there.
			var laterIDs []int64
			for _, c := range later {
				laterIDs = append(laterIDs, c.SubscriberID)
			}
			if tt.scheduled && !slices.Contains(laterIDs, evening.ID) {
				t.Fatalf("claim at 20:00 took subscribers %v, want %d among them", laterIDs, evening.ID)
			}
		})
	}
}
