package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkDeliveryQueue measures the queue's database work per delivery:
// claiming in batches of 100, reading the recipients in groups of 20 and
// recording outcomes in groups of 100, as the delivery workers do on
// SQLite.
func BenchmarkDeliveryQueue(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	const n = 20000
	tx, _ := db.sql.Begin()
	for i := range n {
		if _, err := tx.Exec(`INSERT INTO subscribers (email, status, cadence, categories, created_at, updated_at)
VALUES (?, 'active', 'daily', '[]', 1, 1)`, fmt.Sprintf("s%d@example.vn", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	done := 0
	for done < b.N {
		b.StopTimer()
		e := &Edition{Cadence: CadenceDaily, Until: time.Now()}
		if err := db.CreateEdition(ctx, e); err != nil {
			b.Fatal(err)
		}
		for {
			_, ok, err := db.PlanDeliveries(ctx, e, 50000)
			if err != nil {
				b.Fatal(err)
			}
			if ok {
				break
			}
		}
		b.StartTimer()
		for done < b.N {
			batch, err := db.ClaimBatch(ctx, e.ID, "w", time.Now(), time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			if batch == nil {
				break
			}
			claims := batch.Claims
			var results []DeliveryResult
			for g := 0; g < len(claims); g += 20 {
				var ids []int64
				for _, c := range claims[g:min(g+20, len(claims))] {
					ids = append(ids, c.SubscriberID)
				}
				if _, err := db.SubscribersByIDs(ctx, ids); err != nil {
					b.Fatal(err)
				}
			}
			for _, c := range claims {
				results = append(results, DeliveryResult{EditionID: e.ID, SubscriberID: c.SubscriberID, Status: DeliverySent, Until: e.Until})
				if len(results) == 100 {
					if err := db.RecordDeliveries(ctx, "w", results, nil, 2); err != nil {
						b.Fatal(err)
					}
					results = results[:0]
				}
			}
			release := []BatchRelease{{EditionID: e.ID, First: batch.First}}
			if err := db.RecordDeliveries(ctx, "w", results, release, 2); err != nil {
				b.Fatal(err)
			}
			done += len(claims)
		}
	}
}
