package store

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
)

func insertSubscriber(t *testing.T, db *DB, email, status, cadence string) int64 {
	t.Helper()
	var id int64
	err := db.sql.QueryRow(db.dialect.rebind(`INSERT INTO subscribers (email, status, cadence, categories, created_at, updated_at)
VALUES (?, ?, ?, '["thoi-su"]', 1, 1) RETURNING id`), email, status, cadence).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestActiveSubscribersPagesByCadenceAndStatus(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		var want []int64
		for i := range 7 {
			status := StatusActive
			if i == 3 {
				status = StatusUnsubscribed
			}
			id := insertSubscriber(t, db, fmt.Sprintf("doc-gia%d@example.vn", i), status, "daily")
			if status == StatusActive {
				want = append(want, id)
			}
		}
		insertSubscriber(t, db, "tuan@example.vn", StatusActive, "weekly")
		insertSubscriber(t, db, "cho@example.vn", StatusPending, "daily")

		var got []int64
		var after int64
		for {
			page, err := db.ActiveSubscribers(ctx, "daily", after, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, s := range page {
				got = append(got, s.ID)
				if s.Status != StatusActive || s.Cadence != "daily" || len(s.Categories) != 1 || s.Categories[0] != "thoi-su" {
					t.Fatalf("unexpected subscriber %+v", s)
				}
			}
			after = page[len(page)-1].ID
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("paged ids %v, want %v", got, want)
		}
	})
}

func TestSubscriberLookupsAndStatuses(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		a := insertSubscriber(t, db, "an@example.vn", StatusActive, "daily")
		b := insertSubscriber(t, db, "binh@xn--v-dy-jua.vn", StatusUnsubscribed, "weekly")
		got, err := db.SubscriberByEmail(ctx, "binh@xn--v-dy-jua.vn")
		if err != nil || got.ID != b {
			t.Fatalf("SubscriberByEmail = %+v, %v", got, err)
		}
		if _, err := db.SubscriberByID(ctx, 999); err != ErrNotFound {
			t.Fatalf("missing id: %v", err)
		}
		st, err := db.SubscriberStatuses(ctx, []int64{a, b, 999})
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != 2 || st[a] != StatusActive || st[b] != StatusUnsubscribed {
			t.Fatalf("statuses = %v", st)
		}
		if st, err := db.SubscriberStatuses(ctx, nil); err != nil || len(st) != 0 {
			t.Fatalf("no ids: %v %v", st, err)
		}
	})
}

func TestSecretKeyIsCreatedOnceAndShared(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		keys := make([][]byte, 8)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := db.SecretKey(ctx, "token")
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			}()
		}
		wg.Wait()
		for _, k := range keys {
			if len(k) != 48 || !bytes.Equal(k, keys[0]) {
				t.Fatalf("concurrent first calls disagree or key is short: %x vs %x", k, keys[0])
			}
		}
		other, err := db.SecretKey(ctx, "another")
		if err != nil || bytes.Equal(other, keys[0]) {
			t.Fatalf("a second name got the same key (%v)", err)
		}
	})
}
