package store

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestClaimTakesOneBatchWithStaleStatistics: right after an edition is
// planned, PostgreSQL's statistics still describe the deliveries table
// before its rows, as on any database in service. A claim must still take
// one batch, not the whole edition. (It took all 3,000 deliveries when
// they were claimed a row at a time with "IN (SELECT ... LIMIT n)".)
func TestClaimTakesOneBatchWithStaleStatistics(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		const n = 3000
		if db.dialect.name() == "postgres" {
			if _, err := db.sql.ExecContext(ctx, `INSERT INTO subscribers (email, status, cadence, categories, created_at, updated_at)
SELECT 'doc-gia-' || i || '@example.vn', 'active', 'daily', '[]', 1, 1 FROM generate_series(1, $1) AS i`, n); err != nil {
				t.Fatal(err)
			}
		} else {
			for i := range n {
				insertSubscriber(t, db, "doc-gia-"+strconv.Itoa(i)+"@example.vn", StatusActive, CadenceDaily)
			}
		}
		now := time.Date(2026, 11, 30, 6, 0, 0, 0, ict)
		old := newEdition(t, db, CadenceDaily, now.Add(-24*time.Hour))
		planAll(t, db, old, 1000)
		if _, err := db.sql.ExecContext(ctx, "UPDATE deliveries SET status = 'sent'"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.sql.ExecContext(ctx, "ANALYZE"); err != nil {
			t.Fatal(err)
		}
		e := newEdition(t, db, CadenceDaily, now)
		db.deliveryBatch = 10
		planAll(t, db, e, 1000)

		b, err := db.ClaimBatch(ctx, e.ID, "w1", now, time.Minute)
		if err != nil || b == nil {
			t.Fatal(b, err)
		}
		var held int
		if err := db.sql.QueryRowContext(ctx, db.dialect.rebind(
			"SELECT COUNT(*) FROM delivery_batches WHERE edition_id = ? AND owner = 'w1'"), e.ID).Scan(&held); err != nil {
			t.Fatal(err)
		}
		if len(b.Claims) != 10 || held != 1 {
			t.Fatalf("a claim returned %d deliveries and holds %d batches, want 10 and 1", len(b.Claims), held)
		}
	})
}

// TestClaimPassesOverABatchWithNothingDue: a worker that recorded every
// outcome of its batch and died before giving it back leaves a batch with
// nothing queued, due when its lease ends. A claim then gives it back (it
// is gone) and looks at the next one.
func TestClaimPassesOverABatchWithNothingDue(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t, WithDeliveryBatch(2))
		for i := range 4 {
			insertSubscriber(t, db, "ban-doc-"+strconv.Itoa(i)+"@example.vn", StatusActive, CadenceDaily)
		}
		e := newEdition(t, db, CadenceDaily, time.Now())
		planAll(t, db, e, 100)
		now := time.Now()
		dead, err := db.ClaimBatch(ctx, e.ID, "dead", now, time.Minute)
		if err != nil || dead == nil || len(dead.Claims) != 2 {
			t.Fatal(dead, err)
		}
		var results []DeliveryResult
		for _, c := range dead.Claims {
			results = append(results, DeliveryResult{EditionID: e.ID, SubscriberID: c.SubscriberID, Status: DeliverySent, Until: e.Until})
		}
		if err := db.RecordDeliveries(ctx, "dead", results, nil, 2); err != nil {
			t.Fatal(err)
		}
		// The other batch is held, due again only after the dead one's.
		alive, err := db.ClaimBatch(ctx, e.ID, "alive", now, 2*time.Minute)
		if err != nil || alive == nil || alive.First == dead.First {
			t.Fatal(alive, err)
		}
		later := now.Add(time.Minute + time.Second)
		if b, err := db.ClaimBatch(ctx, e.ID, "next", later, time.Minute); b != nil || err != nil {
			t.Fatalf("claim after the dead worker's lease: %+v, %v; want none (nothing left to send in it)", b, err)
		}
		if got := editionBatches(t, db, e.ID); len(got) != 1 || got[0][0] != alive.First {
			t.Fatalf("batches %v, want only the one held", got)
		}
		// The held batch comes back after its lease, whole.
		b, err := db.ClaimBatch(ctx, e.ID, "next", now.Add(3*time.Minute), time.Minute)
		if err != nil || b == nil || b.First != alive.First || len(b.Claims) != 2 {
			t.Fatalf("claim after the other lease: %+v, %v", b, err)
		}
	})
}

// TestMigrationBatchesDeliveriesInFlight: an installation upgraded in the
// middle of an edition, with deliveries claimed a row at a time, goes on
// sending it after migration 8: claimed rows are queued again, and the
// edition's queued deliveries are cut into batches of 100.
func TestMigrationBatchesDeliveriesInFlight(t *testing.T) {
	eachBackendBefore(t, 8, func(t *testing.T, db *DB) {
		ctx := context.Background()
		const n = 250
		for i := range n {
			insertSubscriber(t, db, "dang-gui-"+strconv.Itoa(i)+"@example.vn", StatusActive, CadenceDaily)
		}
		now := time.Now()
		e := newEdition(t, db, CadenceDaily, now)
		// As row-at-a-time claiming left it: 10 sent, 30 claimed by a
		// worker, the rest queued.
		if _, err := db.sql.ExecContext(ctx, db.dialect.rebind(`INSERT INTO deliveries (edition_id, subscriber_id, status, next_at, owner)
SELECT ?, id, CASE WHEN id <= 10 THEN 'sent' WHEN id <= 40 THEN 'sending' ELSE 'queued' END, ?, CASE WHEN id <= 40 AND id > 10 THEN 'old-worker' ELSE '' END
FROM subscribers`), e.ID, micros(now)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.sql.ExecContext(ctx, db.dialect.rebind("UPDATE editions SET status = ? WHERE id = ?"), EditionSending, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := editionBatches(t, db, e.ID); len(got) != 3 || got[0][0] != 11 || got[2][1] != n {
			t.Fatalf("batches %v, want 3 covering subscribers 11 to %d", got, n)
		}
		sent := 0
		eachBatch(t, db, e.ID, "new-worker", now, func(b *Batch) {
			var results []DeliveryResult
			for _, c := range b.Claims {
				results = append(results, DeliveryResult{EditionID: e.ID, SubscriberID: c.SubscriberID, Status: DeliverySent, Until: e.Until})
			}
			sent += len(results)
			if err := db.RecordDeliveries(ctx, "new-worker", results, []BatchRelease{{EditionID: e.ID, First: b.First}}, 2); err != nil {
				t.Fatal(err)
			}
		})
		if sent != n-10 {
			t.Errorf("sent %d after the migration, want %d", sent, n-10)
		}
		if ids, err := db.FinishEditions(ctx); err != nil || !slices.Equal(ids, []int64{e.ID}) {
			t.Errorf("finished %v, %v; want the edition", ids, err)
		}
	})
}

// eachBackendBefore runs fn on a SQLite file and a PostgreSQL schema
// migrated to just before migration version, for tests of what that
// migration does to rows written before it.
func eachBackendBefore(t *testing.T, version int, fn func(t *testing.T, db *DB)) {
	backends := []struct {
		name string
		open func(*testing.T) *DB
	}{
		{"sqlite", func(t *testing.T) *DB { return openSQLiteFile(t, filepath.Join(t.TempDir(), "bantin.db")) }},
		{"postgres", openPostgresUnmigrated},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := b.open(t)
			all, err := db.Migrations()
			if err != nil {
				t.Fatal(err)
			}
			if err := db.ensureMigrationTable(ctx); err != nil {
				t.Fatal(err)
			}
			for _, m := range all[:slices.IndexFunc(all, func(m Migration) bool { return m.Version == version })] {
				if _, err := db.applyMigration(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			fn(t, db)
		})
	}
}

// TestPipelinedStatementsAreOneTransaction: the statements recording a
// group of outcomes on PostgreSQL go in one round trip, and a failure in
// any of them keeps all of them from taking effect.
func TestPipelinedStatementsAreOneTransaction(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		db := openTestDB(t)
		if db.dialect.name() != "postgres" {
			t.Skip("pipelining is PostgreSQL's")
		}
		ctx := context.Background()
		id := insertSubscriber(t, db, "mot-lan@example.vn", StatusActive, CadenceDaily)
		rename := sqlStatement{db.dialect.rebind("UPDATE subscribers SET name = ? WHERE id = ?"), []any{"Đã đổi", id}}
		// Fails on the server, after the rename has run.
		failing := sqlStatement{db.dialect.rebind("UPDATE subscribers SET bounces = bounces / (bounces - bounces) WHERE id = ?"), []any{id}}
		if err := db.execPipelined(ctx, []sqlStatement{rename, failing}); err == nil || !strings.Contains(err.Error(), "division by zero") {
			t.Fatalf("a pipeline with a failing statement: %v, want division by zero", err)
		}
		if s, err := db.SubscriberByID(ctx, id); err != nil || s.Name == "Đã đổi" {
			t.Fatalf("after the failed pipeline: %+v, %v; the first statement must not have taken effect", s, err)
		}
		if err := db.execPipelined(ctx, []sqlStatement{rename}); err != nil {
			t.Fatal(err)
		}
		if s, err := db.SubscriberByID(ctx, id); err != nil || s.Name != "Đã đổi" {
			t.Fatalf("after the pipeline: %+v, %v", s, err)
		}
	})
}

// TestClaimReadsTheRecipients: on PostgreSQL, a claim returns each due
// delivery with its subscriber as stored, and none for a subscriber
// deleted since planning; on SQLite it reads no recipient, and says so.
func TestClaimReadsTheRecipients(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		an := insertSubscriber(t, db, "an@example.vn", StatusActive, CadenceDaily)
		gone := insertSubscriber(t, db, "gone@example.vn", StatusActive, CadenceDaily)
		now := time.Date(2026, 11, 30, 6, 0, 0, 0, ict)
		e := newEdition(t, db, CadenceDaily, now)
		planAll(t, db, e, 1000)
		if _, err := db.sql.ExecContext(ctx, db.dialect.rebind(
			"UPDATE subscribers SET name = 'Nguyễn Văn An', send_hour = 7 WHERE id = ?"), an); err != nil {
			t.Fatal(err)
		}
		// By hand: erasing would delete the delivery too.
		if _, err := db.sql.ExecContext(ctx, db.dialect.rebind("DELETE FROM subscribers WHERE id = ?"), gone); err != nil {
			t.Fatal(err)
		}
		b, err := db.ClaimBatch(ctx, e.ID, "w", now, time.Minute)
		if err != nil || b == nil || len(b.Claims) != 2 {
			t.Fatalf("claim = %+v, %v; want both deliveries", b, err)
		}
		if c := b.Claims[1]; c.SubscriberID != gone || c.Subscriber != nil {
			t.Fatalf("the deleted subscriber's claim = %+v, want no recipient", c)
		}
		if db.dialect.name() != "postgres" {
			if b.RecipientsRead || b.Claims[0].Subscriber != nil {
				t.Fatalf("a SQLite claim read its recipients (%v, %+v)", b.RecipientsRead, b.Claims[0].Subscriber)
			}
			return
		}
		if !b.RecipientsRead {
			t.Fatal("a PostgreSQL claim did not read its recipients")
		}
		want, err := db.SubscriberByID(ctx, an)
		if err != nil {
			t.Fatal(err)
		}
		got := b.Claims[0].Subscriber
		if got == nil || got.ID != an || got.Name != want.Name || got.SendHour != 7 || got.Email != want.Email ||
			!slices.Equal(got.Categories, want.Categories) || !got.CreatedAt.Equal(want.CreatedAt) {
			t.Fatalf("claimed recipient %+v, want %+v", got, want)
		}
	})
}

// TestClaimCommitsWithoutWaitingForTheDisk: on PostgreSQL a claim's
// transaction commits with synchronous_commit off, and recording the
// outcomes still waits for the flush. Deferred triggers read the setting
// as each transaction commits.
func TestClaimCommitsWithoutWaitingForTheDisk(t *testing.T) {
	db := openTestPostgres(t)
	ctx := context.Background()
	mustExec(t, db, `CREATE TABLE commit_settings (tbl TEXT NOT NULL, setting TEXT NOT NULL)`)
	mustExec(t, db, `CREATE FUNCTION note_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO commit_settings VALUES (TG_TABLE_NAME, current_setting('synchronous_commit'));
    RETURN NULL;
END $$`)
	for _, table := range []string{"delivery_batches", "deliveries"} {
		mustExec(t, db, `CREATE CONSTRAINT TRIGGER note_commit AFTER UPDATE ON `+table+`
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_commit_setting()`)
	}
	id := insertSubscriber(t, db, "binh@example.vn", StatusActive, CadenceDaily)
	now := time.Date(2026, 11, 30, 6, 0, 0, 0, ict)
	e := newEdition(t, db, CadenceDaily, now)
	planAll(t, db, e, 1000)

	b, err := db.ClaimBatch(ctx, e.ID, "w", now, time.Minute)
	if err != nil || b == nil || len(b.Claims) != 1 {
		t.Fatalf("claim = %+v, %v", b, err)
	}
	sent := []DeliveryResult{{EditionID: e.ID, SubscriberID: id, Status: DeliverySent, Until: e.Until}}
	if err := db.RecordDeliveries(ctx, "w", sent, nil, 3); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	rows, err := db.sql.QueryContext(ctx, "SELECT tbl, setting FROM commit_settings")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, setting string
		if err := rows.Scan(&table, &setting); err != nil {
			t.Fatal(err)
		}
		got[table] = append(got[table], setting)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got["delivery_batches"], []string{"off"}) || !slices.Equal(got["deliveries"], []string{"on"}) {
		t.Fatalf("synchronous_commit at commit: %v; want off for the claim and on for the outcome", got)
	}
}
