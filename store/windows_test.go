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
			batch, err := db.ClaimBatch(ctx, e.ID, "w", time.Now(), time.Minute)
			if err != nil || batch == nil {
				t.Fatalf("claim %+v, %v", batch, err)
			}
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
			if err := db.RecordDeliveries(ctx, "w", results, []BatchRelease{{EditionID: e.ID, First: batch.First}}, 5); err != nil {
				t.Fatal(err)
			}
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
