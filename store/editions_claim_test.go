package store

import (
	"context"
	"strconv"
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
