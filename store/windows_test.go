package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// mustExec runs a statement written with '?' placeholders on db, failing
// the test on an error.
func mustExec(t *testing.T, db *DB, query string, args ...any) {
	t.Helper()
	if _, err := db.sql.Exec(db.dialect.rebind(query), args...); err != nil {
		t.Fatal(err)
	}
}

// countSubscriberUpdates makes db remember the id of every subscriber row
// updated from now on, and returns a function that lists them.
func countSubscriberUpdates(t *testing.T, db *DB) func() []int64 {
	t.Helper()
	stmts := []string{"CREATE TABLE seen_updates (id BIGINT NOT NULL)"}
	if db.dialect.name() == "postgres" {
		stmts = append(stmts, `CREATE FUNCTION seen_update() RETURNS trigger AS $$
BEGIN
    INSERT INTO seen_updates VALUES (NEW.id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql`,
			"CREATE TRIGGER seen_update AFTER UPDATE ON subscribers FOR EACH ROW EXECUTE FUNCTION seen_update()")
	} else {
		stmts = append(stmts, `CREATE TRIGGER seen_update AFTER UPDATE ON subscribers
BEGIN INSERT INTO seen_updates VALUES (NEW.id); END`)
	}
	for _, s := range stmts {
		if _, err := db.sql.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	return func() []int64 {
		t.Helper()
		rows, err := db.sql.Query("SELECT DISTINCT id FROM seen_updates ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
}

// TestWindowsFollowDeliveries: a subscriber's window (where their next
// digest starts) is the end of the latest edition they got or had
// nothing new in, read from their deliveries, or the last_edition_until
// written before migration 10 if that is later; sending writes no
// subscriber row, but to clear a bounce count it was sent with.
func TestWindowsFollowDeliveries(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		t1 := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
		t2 := t1.Add(24 * time.Hour)
		legacy := t1.Add(time.Hour) // a window written before migration 10, later than t1
		ids := map[string]int64{}
		for _, name := range []string{"sent", "nothing-new", "failed", "bounced", "legacy", "cleared"} {
			ids[name] = insertSubscriber(t, db, name+"@example.vn", StatusActive, CadenceDaily)
		}
		mustExec(t, db, "UPDATE subscribers SET last_edition_until = ? WHERE id = ?", micros(legacy), ids["legacy"])
		mustExec(t, db, "UPDATE subscribers SET bounces = 2 WHERE id = ?", ids["cleared"])
		updated := countSubscriberUpdates(t, db)

		e1 := newEdition(t, db, CadenceDaily, t1)
		planAll(t, db, e1, 100)
		late := insertSubscriber(t, db, "late@example.vn", StatusActive, CadenceDaily) // after planning: no delivery

		b, err := db.ClaimBatch(ctx, e1.ID, "w", time.Now(), time.Minute)
		if err != nil || b == nil || len(b.Claims) != 6 {
			t.Fatalf("claim %+v, %v", b, err)
		}
		outcome := map[int64]DeliveryResult{
			ids["sent"]:        {Status: DeliverySent, Until: t1},
			ids["nothing-new"]: {Status: DeliverySkipped, Error: "nothing new", Until: t1},
			ids["failed"]:      {Status: DeliveryFailed, Error: "5.3.0 refused", Attempted: true},
			ids["bounced"]:     {Status: DeliveryBounced, Error: "5.1.1 no such user", Attempted: true},
			ids["legacy"]:      {Status: DeliverySent, Until: t1},
			ids["cleared"]:     {Status: DeliverySent, Until: t1, ClearBounces: true},
		}
		var results []DeliveryResult
		for _, c := range b.Claims {
			r := outcome[c.SubscriberID]
			r.EditionID, r.SubscriberID = e1.ID, c.SubscriberID
			results = append(results, r)
		}
		if err := db.RecordDeliveries(ctx, "w", results, []BatchRelease{{EditionID: e1.ID, First: b.First}}, 5); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name    string
			id      int64
			window  time.Time
			bounces int
		}{
			{"sent", ids["sent"], t1, 0},
			{"nothing new", ids["nothing-new"], t1, 0},
			{"failed", ids["failed"], time.Time{}, 0},
			{"bounced", ids["bounced"], time.Time{}, 1},
			{"legacy window later", ids["legacy"], legacy, 0},
			{"bounces cleared", ids["cleared"], t1, 0},
			{"never planned", late, time.Time{}, 0},
		}
		for _, tt := range tests {
			sub, err := db.SubscriberByID(ctx, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if !sub.LastEditionUntil.Equal(tt.window) || sub.Bounces != tt.bounces {
				t.Errorf("%s: window %v, %d bounces; want %v, %d", tt.name, sub.LastEditionUntil, sub.Bounces, tt.window, tt.bounces)
			}
		}
		if got, want := updated(), []int64{ids["bounced"], ids["cleared"]}; !slices.Equal(got, want) {
			t.Errorf("subscriber rows written by recording outcomes: %v, want only %v (a bounce, a count cleared)", got, want)
		}

		// The next edition starts each recipient where their window ends,
		// as read by the claim; a failure there leaves the window as it was.
		e2 := newEdition(t, db, CadenceDaily, t2)
		planAll(t, db, e2, 100)
		b, err = db.ClaimBatch(ctx, e2.ID, "w", time.Now(), time.Minute)
		if err != nil || b == nil || len(b.Claims) != 7 {
			t.Fatalf("claim of the next edition %+v, %v", b, err)
		}
		for _, c := range b.Claims {
			if c.Subscriber == nil {
				continue // SQLite: workers read recipients themselves
			}
			want, err := db.SubscriberByID(ctx, c.SubscriberID)
			if err != nil || !c.Subscriber.LastEditionUntil.Equal(want.LastEditionUntil) {
				t.Errorf("claimed window of %d: %v, want %v (%v)", c.SubscriberID, c.Subscriber.LastEditionUntil, want.LastEditionUntil, err)
			}
		}
		results = results[:0]
		for _, c := range b.Claims {
			results = append(results, DeliveryResult{EditionID: e2.ID, SubscriberID: c.SubscriberID, Status: DeliveryFailed, Error: "4.0.0 gave up", Attempted: true})
		}
		if err := db.RecordDeliveries(ctx, "w", results, []BatchRelease{{EditionID: e2.ID, First: b.First}}, 5); err != nil {
			t.Fatal(err)
		}
		if sub, err := db.SubscriberByID(ctx, ids["sent"]); err != nil || !sub.LastEditionUntil.Equal(t1) {
			t.Errorf("window after a failed next edition: %v, %v; want still %v", sub.LastEditionUntil, err, t1)
		}
	})
}

// sendAll claims every batch of e, already planned, and records for each
// delivery its status in status, as a worker would: a sent one used up
// e's window.
func sendAll(t *testing.T, db *DB, e *Edition, status map[int64]string) {
	t.Helper()
	eachBatch(t, db, e.ID, "w", time.Now(), func(batch *Batch) {
		var results []DeliveryResult
		for _, c := range batch.Claims {
			r := DeliveryResult{EditionID: e.ID, SubscriberID: c.SubscriberID, Status: status[c.SubscriberID], Attempted: true}
			if r.Status == DeliverySent {
				r.Until = e.Until
			} else {
				r.Error = fmt.Sprintf("%s for the test", r.Status)
			}
			results = append(results, r)
		}
		if err := db.RecordDeliveries(context.Background(), "w", results, []BatchRelease{{EditionID: e.ID, First: batch.First}}, 5); err != nil {
			t.Fatal(err)
		}
	})
}

// eachBatch claims the due batches of edition for owner at now, one after
// the other until none is left, and hands each to fn.
func eachBatch(t *testing.T, db *DB, edition int64, owner string, now time.Time, fn func(*Batch)) {
	t.Helper()
	for {
		b, err := db.ClaimBatch(context.Background(), edition, owner, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return
		}
		fn(b)
	}
}

// TestEarliestSinceReadsWindowsFromDeliveries: the earliest window of a
// cadence, through each way a window is read: the cadence's latest
// edition, an older delivery, the pre-migration column, and none.
func TestEarliestSinceReadsWindowsFromDeliveries(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		first := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		w1 := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
		w2 := w1.Add(7 * 24 * time.Hour)
		a := insertSubscriber(t, db, "a@example.vn", StatusActive, CadenceWeekly)
		b := insertSubscriber(t, db, "b@example.vn", StatusActive, CadenceWeekly)
		insertSubscriber(t, db, "daily@example.vn", StatusActive, CadenceDaily) // another cadence: never counted

		earliest := func(want time.Time, what string) {
			t.Helper()
			got, ok, err := db.EarliestSince(ctx, CadenceWeekly, first)
			if err != nil || !ok || !got.Equal(want) {
				t.Fatalf("%s: earliest %v, %v, %v; want %v", what, got, ok, err, want)
			}
		}
		send := func(e *Edition, status map[int64]string) {
			t.Helper()
			planAll(t, db, e, 100)
			sendAll(t, db, e, status)
		}

		earliest(first, "no edition yet")
		send(newEdition(t, db, CadenceWeekly, w1), map[int64]string{a: DeliverySent, b: DeliverySent})
		earliest(w1, "both got the latest edition")
		send(newEdition(t, db, CadenceWeekly, w2), map[int64]string{a: DeliverySent, b: DeliveryFailed})
		earliest(w1, "one got an older edition only")
		legacy := w1.Add(-48 * time.Hour)
		mustExec(t, db, "UPDATE subscribers SET last_edition_until = ? WHERE id = ?", micros(w2.Add(time.Hour)), b)
		earliest(w2, "a later pre-migration window")
		mustExec(t, db, "DELETE FROM deliveries WHERE subscriber_id = ?", b)
		mustExec(t, db, "UPDATE subscribers SET last_edition_until = ? WHERE id = ?", micros(legacy), b)
		earliest(legacy, "only a pre-migration window")
		mustExec(t, db, "UPDATE subscribers SET last_edition_until = 0 WHERE id = ?", b)
		earliest(first, "no window at all")
		mustExec(t, db, "UPDATE subscribers SET status = ? WHERE id = ?", StatusUnsubscribed, b)
		earliest(w2, "the one without a window left")
	})
}

// TestMigrationKeepsWindowsWrittenBefore: windows written to subscribers
// by sending before migration 10 still hold after it, for a subscriber
// whose delivery was sent then and for one whose delivery was still
// queued; the next outcome moves them on from there.
func TestMigrationKeepsWindowsWrittenBefore(t *testing.T) {
	eachBackendBefore(t, 10, func(t *testing.T, db *DB) {
		ctx := context.Background()
		t1 := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
		t2 := t1.Add(24 * time.Hour)
		done := insertSubscriber(t, db, "da-nhan@example.vn", StatusActive, CadenceDaily)
		waiting := insertSubscriber(t, db, "dang-cho@example.vn", StatusActive, CadenceDaily)
		old := newEdition(t, db, CadenceDaily, t1)
		e := newEdition(t, db, CadenceDaily, t2)
		// As the release before left it: done got the old edition (sending
		// wrote its window to the subscriber), waiting's delivery of the
		// new one is queued, their window still at the one before.
		mustExec(t, db, "UPDATE subscribers SET last_edition_until = ? WHERE id = ?", micros(t1), done)
		mustExec(t, db, "UPDATE subscribers SET last_edition_until = ? WHERE id = ?", micros(t1.Add(-24*time.Hour)), waiting)
		mustExec(t, db, "INSERT INTO deliveries (edition_id, subscriber_id, status, next_at, sent_at) VALUES (?, ?, 'sent', 0, 1)", old.ID, done)
		mustExec(t, db, "INSERT INTO deliveries (edition_id, subscriber_id, status, next_at) VALUES (?, ?, 'queued', 0)", e.ID, waiting)
		mustExec(t, db, "INSERT INTO delivery_batches (edition_id, first_subscriber, last_subscriber, next_at) VALUES (?, ?, ?, 0)", e.ID, waiting, waiting)
		mustExec(t, db, "UPDATE editions SET status = ? WHERE id = ?", EditionSending, e.ID)
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		window := func(id int64, want time.Time, what string) {
			t.Helper()
			sub, err := db.SubscriberByID(ctx, id)
			if err != nil || !sub.LastEditionUntil.Equal(want) {
				t.Fatalf("%s: window %v, %v; want %v", what, sub.LastEditionUntil, err, want)
			}
		}
		window(done, t1, "sent before the migration")
		window(waiting, t1.Add(-24*time.Hour), "queued at the migration")

		b, err := db.ClaimBatch(ctx, e.ID, "w", time.Now(), time.Minute)
		if err != nil || b == nil || len(b.Claims) != 1 {
			t.Fatalf("claim %+v, %v", b, err)
		}
		if b.RecipientsRead && !b.Claims[0].Subscriber.LastEditionUntil.Equal(t1.Add(-24*time.Hour)) {
			t.Fatalf("claimed window %v", b.Claims[0].Subscriber.LastEditionUntil)
		}
		res := []DeliveryResult{{EditionID: e.ID, SubscriberID: waiting, Status: DeliverySent, Until: t2}}
		if err := db.RecordDeliveries(ctx, "w", res, []BatchRelease{{EditionID: e.ID, First: b.First}}, 5); err != nil {
			t.Fatal(err)
		}
		window(waiting, t2, "sent after the migration")
		window(done, t1, "untouched")
	})
}

// TestPlanningFindsWindowsInThePreviousEdition: planning stores in each
// delivery the window the recipient's delivery of the cadence's previous
// edition used up, when it used one and the subscriber has not changed
// since that edition was created; otherwise 0, and the claim looks the
// window up. The claim looks it up too for a subscriber who changed after
// planning. Either way a claimed window is the subscriber's latest, even
// for one who got editions of another cadence in between.
func TestPlanningFindsWindowsInThePreviousEdition(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		clock := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
		db.now = func() time.Time { return clock }
		at := func(day, hour int) time.Time { return time.Date(2026, 10, day, hour, 0, 0, 0, time.UTC) }
		change := func(id int64, fn func(*Subscriber)) {
			t.Helper()
			if _, err := db.ChangeSubscriber(ctx, id, nil, fn, Consent{Action: ConsentPreferences}); err != nil {
				t.Fatal(err)
			}
		}
		toCadence := func(cadence string) func(*Subscriber) { return func(s *Subscriber) { s.Cadence = cadence } }
		ids := map[string]int64{}
		// detour moves subscriber name to the weekly cadence at hour of
		// day, sends them a weekly edition an hour later, and brings them
		// back to daily an hour after that.
		detour := func(name string, day, hour int) *Edition {
			t.Helper()
			clock = at(day, hour)
			change(ids[name], toCadence(CadenceWeekly))
			clock = at(day, hour+1)
			weekly := newEdition(t, db, CadenceWeekly, clock)
			planAll(t, db, weekly, 100)
			sendAll(t, db, weekly, map[int64]string{ids[name]: DeliverySent})
			clock = at(day, hour+2)
			change(ids[name], toCadence(CadenceDaily))
			return weekly
		}
		for _, name := range []string{"steady", "renamed", "switcher", "failed", "late-switcher"} {
			ids[name] = insertSubscriber(t, db, name+"@example.vn", StatusActive, CadenceDaily)
		}
		all := func(status string, except map[string]string) map[int64]string {
			out := map[int64]string{}
			for name, id := range ids {
				out[id] = status
				if s, ok := except[name]; ok {
					out[id] = s
				}
			}
			return out
		}

		clock = at(2, 6)
		older := newEdition(t, db, CadenceDaily, clock)
		planAll(t, db, older, 100)
		sendAll(t, db, older, all(DeliverySent, nil))
		clock = at(3, 6)
		prev := newEdition(t, db, CadenceDaily, clock)
		planAll(t, db, prev, 100)
		sendAll(t, db, prev, all(DeliverySent, map[string]string{"failed": DeliveryFailed}))

		// Between the two daily editions: a rename, and a subscriber who
		// gets a weekly edition, then comes back.
		clock = at(3, 12)
		change(ids["renamed"], func(s *Subscriber) { s.Name = "Trần Thị Bình" })
		weekly := detour("switcher", 3, 13)
		clock = at(3, 21)
		ids["new"] = insertSubscriber(t, db, "new@example.vn", StatusActive, CadenceDaily)

		clock = at(4, 6)
		e := newEdition(t, db, CadenceDaily, clock)
		planAll(t, db, e, 2) // in chunks: each finds its own
		planned := map[int64]int64{}
		rows, err := db.sql.QueryContext(ctx, db.dialect.rebind("SELECT subscriber_id, since_at FROM deliveries WHERE edition_id = ?"), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, since int64
			if err := rows.Scan(&id, &since); err != nil {
				t.Fatal(err)
			}
			planned[id] = since
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]int64{
			"steady": micros(prev.Until), "late-switcher": micros(prev.Until),
			"renamed": 0, "switcher": 0, "failed": 0, "new": 0,
		} {
			if got, ok := planned[ids[name]]; !ok || got != want {
				t.Errorf("%s: planned since_at %d (planned %v), want %d", name, got, ok, want)
			}
		}

		// After planning, late-switcher gets a weekly edition too, and
		// comes back before the claim.
		lateWeekly := detour("late-switcher", 4, 7)

		want := map[string]time.Time{
			"steady": prev.Until, "renamed": prev.Until, "switcher": weekly.Until,
			"failed": older.Until, "new": {}, "late-switcher": lateWeekly.Until,
		}
		claimed := map[int64]*Subscriber{}
		var recipientsRead bool
		eachBatch(t, db, e.ID, "w", time.Now(), func(b *Batch) {
			recipientsRead = b.RecipientsRead
			for _, c := range b.Claims {
				claimed[c.SubscriberID] = c.Subscriber
			}
		})
		if len(claimed) != len(want) {
			t.Fatalf("claimed %d deliveries, want %d", len(claimed), len(want))
		}
		for name, window := range want {
			sub, err := db.SubscriberByID(ctx, ids[name])
			if err != nil || !sub.LastEditionUntil.Equal(window) {
				t.Errorf("%s: window %v, %v; want %v", name, sub.LastEditionUntil, err, window)
			}
			if c := claimed[ids[name]]; recipientsRead && (c == nil || !c.LastEditionUntil.Equal(window)) {
				t.Errorf("%s: claimed recipient %+v, want window %v", name, c, window)
			}
		}
	})
}
