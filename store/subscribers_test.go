package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

// TestDecodeCategories: the hand-cut common form and encoding/json's
// fallback read categories alike, and malformed ones fail.
func TestDecodeCategories(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: `[]`, want: []string{}},
		{in: `["thoi-su"]`, want: []string{"thoi-su"}},
		{in: `["thoi-su","kinh-te","the-gioi"]`, want: []string{"thoi-su", "kinh-te", "the-gioi"}},
		{in: `["văn-hóa"]`, want: []string{"văn-hóa"}},
		{in: `[ "thoi-su" , "kinh-te" ]`, want: []string{"thoi-su", "kinh-te"}},
		{in: `["a\"b","c,d"]`, want: []string{`a"b`, "c,d"}},
		{in: `["gi\u00e1o-d\u1ee5c"]`, want: []string{"giáo-dục"}},
		{in: `["",""]`, want: []string{"", ""}},
		{in: `null`, want: nil},
		{in: `["thoi-su",]`, wantErr: true},
		{in: `[,"thoi-su"]`, wantErr: true},
		{in: `["thoi-su"`, wantErr: true},
		{in: `["tab	here"]`, wantErr: true},
		{in: `[1]`, wantErr: true},
		{in: ``, wantErr: true},
	}
	for _, tt := range tests {
		got, err := decodeCategories(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("decodeCategories(%q) = %#v, %v; want %#v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// FuzzDecodeCategories holds the hand-cut path to encoding/json's reading
// of whatever it accepts.
func FuzzDecodeCategories(f *testing.F) {
	for _, s := range []string{`[]`, `["thoi-su","kinh-te"]`, `["a\"b"]`, `["x",]`, `["\u00e1"]`, "[\"\xff\"]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := plainStringArray(s)
		if !ok {
			return
		}
		var want []string
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatalf("plainStringArray(%q) = %q, but encoding/json refuses it: %v", s, got, err)
		}
		if !slices.Equal(got, want) || want == nil {
			t.Fatalf("plainStringArray(%q) = %#v, encoding/json reads %#v", s, got, want)
		}
	})
}
