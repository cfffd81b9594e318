package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/bantin/bantin/internal/testutil"
	"sync"
	"testing"
	"time"
)

func newSub(email, status string) *Subscriber {
	return &Subscriber{Email: email, Name: "Lan", Status: status, Cadence: "daily", Categories: []string{"thoi-su"}, SendHour: -1}
}

func TestCreateSubscriberKeepsOneRowPerAddress(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		c := testutil.NewClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
		db := openTestDB(t, WithClock(c.Now))
		first, created, err := db.CreateSubscriber(ctx, newSub("lan@example.vn", StatusPending),
			Consent{Action: ConsentSubscribe, IPHash: "ab12", FormVersion: "web/1", TextVersion: "vi/1"})
		if err != nil || !created || first.ID == 0 || first.Language != "vi" || !first.CreatedAt.Equal(c.Now()) {
			t.Fatalf("first create = %+v, %v, %v", first, created, err)
		}
		c.Advance(time.Minute)
		again, created, err := db.CreateSubscriber(ctx, newSub("lan@example.vn", StatusActive), Consent{Action: ConsentSubscribe})
		if err != nil || created || again.ID != first.ID || again.Status != StatusPending {
			t.Fatalf("second create = %+v, %v, %v; want the first row untouched", again, created, err)
		}
		cs, err := db.Consents(ctx, first.ID)
		if err != nil || len(cs) != 1 {
			t.Fatalf("consents = %+v, %v; want only the first", cs, err)
		}
		if got := cs[0]; got.Action != ConsentSubscribe || got.IPHash != "ab12" || got.FormVersion != "web/1" ||
			got.TextVersion != "vi/1" || !got.At.Equal(first.CreatedAt) {
			t.Errorf("consent = %+v", got)
		}
	})
}

func TestChangeSubscriberChecksStatusAndRecordsConsent(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		c := testutil.NewClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
		db := openTestDB(t, WithClock(c.Now))
		sub, _, err := db.CreateSubscriber(ctx, newSub("an@example.vn", StatusPending), Consent{Action: ConsentSubscribe})
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Hour)
		confirm := func(s *Subscriber) { s.Status, s.ConfirmedAt, s.Bounces = StatusActive, c.Now(), 0 }
		got, err := db.ChangeSubscriber(ctx, sub.ID, []string{StatusPending}, confirm, Consent{Action: ConsentConfirm, IPHash: "ff"})
		if err != nil || got.Status != StatusActive || !got.ConfirmedAt.Equal(c.Now()) || !got.UpdatedAt.Equal(c.Now()) {
			t.Fatalf("confirm = %+v, %v", got, err)
		}
		// Confirming twice is refused and writes nothing, not even consent.
		if _, err := db.ChangeSubscriber(ctx, sub.ID, []string{StatusPending}, confirm, Consent{Action: ConsentConfirm}); !errors.Is(err, ErrWrongStatus) {
			t.Fatalf("second confirm: %v, want ErrWrongStatus", err)
		}
		if _, err := db.ChangeSubscriber(ctx, 9999, nil, confirm, Consent{Action: ConsentConfirm}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing subscriber: %v", err)
		}
		active, err := db.ActiveSubscribers(ctx, "daily", 0, 10)
		if err != nil || len(active) != 1 {
			t.Fatalf("active after confirm = %d, %v", len(active), err)
		}
		_, err = db.ChangeSubscriber(ctx, sub.ID, nil, func(s *Subscriber) {
			s.Status = StatusUnsubscribed
		}, Consent{Action: ConsentUnsubscribe, Detail: "one-click"})
		if err != nil {
			t.Fatal(err)
		}
		active, err = db.ActiveSubscribers(ctx, "daily", 0, 10)
		if err != nil || len(active) != 0 {
			t.Fatalf("active after unsubscribe = %d, %v", len(active), err)
		}
		cs, _ := db.Consents(ctx, sub.ID)
		var actions []string
		for _, c := range cs {
			actions = append(actions, c.Action)
		}
		if fmt.Sprint(actions) != "[subscribe confirm unsubscribe]" {
			t.Errorf("consent record %v", actions)
		}
	})
}

func TestEraseSubscriberLeavesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		sub, _, err := db.CreateSubscriber(ctx, newSub("xoa@example.vn", StatusActive), Consent{Action: ConsentAdd})
		if err != nil {
			t.Fatal(err)
		}
		other, _, _ := db.CreateSubscriber(ctx, newSub("giu@example.vn", StatusActive), Consent{Action: ConsentAdd})
		if err := db.EraseSubscriber(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubscriberByEmail(ctx, "xoa@example.vn"); !errors.Is(err, ErrNotFound) {
			t.Errorf("erased subscriber still found: %v", err)
		}
		var n int
		db.sql.QueryRow(db.dialect.rebind("SELECT COUNT(*) FROM consents WHERE subscriber_id = ?"), sub.ID).Scan(&n)
		if n != 0 {
			t.Errorf("%d consent rows left", n)
		}
		if cs, _ := db.Consents(ctx, other.ID); len(cs) != 1 {
			t.Errorf("another subscriber's consents touched: %v", cs)
		}
		if err := db.EraseSubscriber(ctx, sub.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("erasing twice: %v", err)
		}
	})
}

func TestImportSubscribersLeavesExistingRowsAlone(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		left, _, _ := db.CreateSubscriber(ctx, newSub("di@example.vn", StatusUnsubscribed), Consent{Action: ConsentUnsubscribe})
		subs := []*Subscriber{newSub("moi@example.vn", StatusPending), newSub("di@example.vn", StatusActive)}
		created, err := db.ImportSubscribers(ctx, subs, []Consent{{Action: ConsentImport}, {Action: ConsentImport}})
		if err != nil || len(created) != 2 || created[0] == nil || created[0].ID == 0 || created[1] != nil {
			t.Fatalf("import = %v, %v", created, err)
		}
		got, _ := db.SubscriberByID(ctx, left.ID)
		if got.Status != StatusUnsubscribed {
			t.Errorf("import resubscribed someone who left: %+v", got)
		}
		if _, err := db.ImportSubscribers(ctx, subs, nil); err == nil {
			t.Error("mismatched consents accepted")
		}
	})
}

func TestListSubscribersPagesAndFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		for i := range 5 {
			status := StatusActive
			if i%2 == 1 {
				status = StatusPending
			}
			if _, _, err := db.CreateSubscriber(ctx, newSub(fmt.Sprintf("s%d@example.vn", i), status), Consent{Action: ConsentAdd}); err != nil {
				t.Fatal(err)
			}
		}
		var all []string
		var after int64
		for {
			page, err := db.ListSubscribers(ctx, SubscriberQuery{AfterID: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, s := range page {
				all = append(all, s.Email)
			}
			after = page[len(page)-1].ID
		}
		if len(all) != 5 || all[0] != "s0@example.vn" || all[4] != "s4@example.vn" {
			t.Errorf("all pages = %v", all)
		}
		pending, err := db.ListSubscribers(ctx, SubscriberQuery{Status: StatusPending, Limit: 10})
		if err != nil || len(pending) != 2 {
			t.Errorf("pending = %d, %v", len(pending), err)
		}
		if _, err := db.ListSubscribers(ctx, SubscriberQuery{}); err == nil {
			t.Error("zero limit accepted")
		}
		counts, err := db.SubscriberCounts(ctx)
		if err != nil || counts[StatusActive] != 3 || counts[StatusPending] != 2 {
			t.Errorf("counts = %v, %v", counts, err)
		}
	})
}

func TestTakeRateSlidingWindow(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		c := testutil.NewClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
		db := openTestDB(t, WithClock(c.Now))
		take := func(subject string) bool {
			t.Helper()
			ok, err := db.TakeRate(ctx, "confirm", subject, 3, 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		for i := range 3 {
			if !take("h1") {
				t.Fatalf("event %d refused", i+1)
			}
			c.Advance(time.Hour)
		}
		if take("h1") {
			t.Fatal("4th event in 24h allowed")
		}
		if !take("h2") {
			t.Fatal("another subject shares the limit")
		}
		c.Advance(21*time.Hour + 30*time.Minute) // only the first event has left the window
		if !take("h1") {
			t.Fatal("event refused after the oldest left the window")
		}
		if take("h1") {
			t.Fatal("window did not slide: two events allowed")
		}
		if ok, err := db.TakeRate(ctx, "ip", "x", 0, time.Hour); !ok || err != nil {
			t.Errorf("limit 0 = %v, %v; want no limit", ok, err)
		}
	})
}

func TestTakeRateConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		var mu sync.Mutex
		allowed := 0
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				ok, err := db.TakeRate(ctx, "ip", "same", 3, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if allowed != 3 {
			t.Errorf("%d of 12 concurrent events allowed, want 3", allowed)
		}
	})
}
