package newsletter

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/store"
)

func TestParseScheduleIsInTheSiteZoneAndNamesTheKey(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSchedule("newsletter.daily", "0 6 * * *", hcm)
	if err != nil {
		t.Fatal(err)
	}
	next := s.Next(time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC)) // 06:30 on the 30th in Vietnam
	if want := time.Date(2026, 12, 1, 6, 0, 0, 0, hcm); !next.Equal(want) {
		t.Errorf("next daily tick %v, want %v", next, want)
	}
	w, _ := ParseSchedule("newsletter.weekly", "0 6 * * 1", hcm)
	if next := w.Next(time.Date(2026, 11, 26, 0, 0, 0, 0, hcm)); next.Weekday() != time.Monday || next.Hour() != 6 {
		t.Errorf("next weekly tick %v", next)
	}
	for _, bad := range []string{"", "0 25 * * *", "CRON_TZ=", "TZ=", "@every"} {
		_, err := ParseSchedule("newsletter.weekly", bad, hcm)
		if err == nil || !strings.HasPrefix(err.Error(), "newsletter.weekly: ") {
			t.Errorf("ParseSchedule(%q) = %v, want an error naming the key", bad, err)
		}
	}
}

func TestEveryTicksOnTheWindow(t *testing.T) {
	e := Every(10 * time.Minute)
	got := e.Next(time.Date(2026, 11, 30, 6, 3, 20, 0, testZone))
	if want := time.Date(2026, 11, 30, 6, 10, 0, 0, testZone); !got.Equal(want) {
		t.Fatalf("next %v, want %v", got, want)
	}
	if got2 := e.Next(got); !got2.Equal(got.Add(10 * time.Minute)) {
		t.Fatalf("after a tick: %v", got2)
	}
}

func TestLatestTickCatchesUpWithOneTick(t *testing.T) {
	when, _ := ParseSchedule("newsletter.daily", "0 6 * * *", testZone)
	last := time.Date(2026, 11, 26, 6, 0, 0, 0, testZone)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, testZone)
	if got, want := latestTick(when, last, now), time.Date(2026, 11, 30, 6, 0, 0, 0, testZone); !got.Equal(want) {
		t.Fatalf("latest tick %v, want %v", got, want)
	}
	if got := latestTick(when, now, now.Add(time.Hour)); !got.IsZero() {
		t.Fatalf("no tick due, got %v", got)
	}
}

func TestFirstStartCatchesNothingUpAndSkipIsHonoured(t *testing.T) {
	f := newFixture(t)
	f.article("Họp báo", "thoi-su", -15*time.Minute, true) // at 06:15, in the window of the 06:20 tick
	f.subscriber("ngay@example.vn", store.CadenceInstant)
	now := f.now
	clock := func() time.Time { return now }
	sched := NewScheduler(f.planner, f.db, []Schedule{{Cadence: store.CadenceInstant, Key: "newsletter.instant_window", When: Every(10 * time.Minute)}},
		SchedulerOptions{Now: clock})
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { _ = sched.Run(ctx); close(done) }()
	waitUntil(t, "the first tick recorded", func() bool {
		st, _ := f.db.EditionTick(f.ctx, store.CadenceInstant)
		return !st.Last.IsZero()
	})
	cancel()
	<-done
	if eds, _ := f.db.Editions(f.ctx, store.EditionQuery{Limit: 5}); len(eds) != 0 {
		t.Fatalf("the first start made editions: %v", eds)
	}

	// A skip through the next tick: handled, and no edition.
	next := Every(10 * time.Minute).Next(now)
	if err := f.db.SkipThrough(f.ctx, store.CadenceInstant, next); err != nil {
		t.Fatal(err)
	}
	if err := sched.handle(f.ctx, sched.schedules[0], next); err != nil {
		t.Fatal(err)
	}
	if eds, _ := f.db.Editions(f.ctx, store.EditionQuery{Limit: 5}); len(eds) != 0 {
		t.Fatalf("a skipped tick made editions: %v", eds)
	}
	// The tick after is not skipped: one edition covering both windows.
	after := next.Add(10 * time.Minute)
	if err := sched.handle(f.ctx, sched.schedules[0], after); err != nil {
		t.Fatal(err)
	}
	if eds, _ := f.db.Editions(f.ctx, store.EditionQuery{Limit: 5}); len(eds) != 1 || !eds[0].Until.Equal(after) {
		t.Fatalf("editions after the skip: %v", eds)
	}
	if st, _ := f.db.EditionTick(f.ctx, store.CadenceInstant); !st.Last.Equal(after) {
		t.Fatalf("last tick %v", st.Last)
	}
}
