package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
)

func newEdition(t *testing.T, db *DB, cadence string, until time.Time) *Edition {
	t.Helper()
	e := &Edition{Cadence: cadence, Since: until.Add(-24 * time.Hour), Until: until, Subject: "Bản tin sáng"}
	if err := db.CreateEdition(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func planAll(t *testing.T, db *DB, e *Edition, chunk int) int {
	t.Helper()
	total := 0
	for {
		n, done, err := db.PlanDeliveries(context.Background(), e, chunk)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if done {
			return total
		}
	}
}

func TestPlanDeliveriesInChunksSkipsOthersAndSubscribersWithPendingDeliveries(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		var daily []int64
		for i := range 7 {
			daily = append(daily, insertSubscriber(t, db, fmt.Sprintf("a%d@example.vn", i), StatusActive, CadenceDaily))
		}
		insertSubscriber(t, db, "w@example.vn", StatusActive, CadenceWeekly)
		insertSubscriber(t, db, "p@example.vn", StatusPending, CadenceDaily)
		insertSubscriber(t, db, "u@example.vn", StatusUnsubscribed, CadenceDaily)

		now := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
		e1 := newEdition(t, db, CadenceDaily, now)
		if n := planAll(t, db, e1, 3); n != 7 || e1.Recipients != 7 || e1.Status != EditionSending {
			t.Fatalf("planned %d, edition %+v", n, e1)
		}
		got, err := db.EditionByID(ctx, e1.ID)
		if err != nil || got.Status != EditionSending || got.Recipients != 7 || got.PlannedThrough != daily[6] {
			t.Fatalf("stored edition %+v, %v", got, err)
		}

		// Two of e1 are sent; a second edition of the cadence leaves out the
		// five whose e1 delivery is still to send.
		claims, err := db.ClaimDeliveries(ctx, e1.ID, "w1", time.Now(), time.Minute, 2)
		if err != nil || len(claims) != 2 {
			t.Fatalf("claims %v, %v", claims, err)
		}
		var results []DeliveryResult
		for _, c := range claims {
			results = append(results, DeliveryResult{EditionID: e1.ID, SubscriberID: c.SubscriberID, Status: DeliverySent, Until: now})
		}
		if err := db.RecordDeliveries(ctx, "w1", results, 2); err != nil {
			t.Fatal(err)
		}
		e2 := newEdition(t, db, CadenceDaily, now.Add(24*time.Hour))
		if n := planAll(t, db, e2, 100); n != 2 {
			t.Fatalf("second edition queued %d, want the 2 whose first was sent", n)
		}
		sub, err := db.SubscriberByID(ctx, claims[0].SubscriberID)
		if err != nil || !sub.LastEditionUntil.Equal(now) {
			t.Fatalf("last edition of a recipient = %v, %v; want %v", sub.LastEditionUntil, err, now)
		}
	})
}

func TestClaimsLeasesAndRelease(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		for i := range 5 {
			insertSubscriber(t, db, fmt.Sprintf("a%d@example.vn", i), StatusActive, CadenceDaily)
		}
		e := newEdition(t, db, CadenceDaily, time.Now())
		planAll(t, db, e, 100)
		now := time.Now()
		a, err := db.ClaimDeliveries(ctx, e.ID, "a", now, time.Minute, 3)
		if err != nil || len(a) != 3 {
			t.Fatalf("first claim %v %v", a, err)
		}
		b, err := db.ClaimDeliveries(ctx, e.ID, "b", now, time.Minute, 10)
		if err != nil || len(b) != 2 {
			t.Fatalf("second claim %v %v, want the 2 left", b, err)
		}
		for _, c := range b {
			if slices.ContainsFunc(a, func(x Claim) bool { return x.SubscriberID == c.SubscriberID }) {
				t.Fatalf("subscriber %d claimed twice", c.SubscriberID)
			}
		}
		if c, _ := db.ClaimDeliveries(ctx, e.ID, "c", now, time.Minute, 10); len(c) != 0 {
			t.Fatalf("claimed %v while all are leased", c)
		}
		// a crashes; once its lease has passed, its claims are due again.
		later := now.Add(2 * time.Minute)
		if err := db.RenewClaims(ctx, e.ID, "b", []int64{b[0].SubscriberID, b[1].SubscriberID}, later.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		c, err := db.ClaimDeliveries(ctx, e.ID, "c", later, time.Minute, 10)
		if err != nil || len(c) != 3 {
			t.Fatalf("after a's lease: %v %v, want a's 3 (b renewed)", c, err)
		}
		q, err := db.EditionQueue(ctx, e.ID, later)
		if err != nil || q.Due != 0 || q.Claimed != 5 {
			t.Fatalf("queue %+v %v", q, err)
		}
		// a's late outcome for a row c now holds is ignored (unless sent).
		err = db.RecordDeliveries(ctx, "a", []DeliveryResult{{EditionID: e.ID, SubscriberID: a[0].SubscriberID,
			Status: DeliveryFailed, Error: "late"}}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ReleaseClaims(ctx, e.ID, "c", []int64{a[0].SubscriberID}, later); err != nil {
			t.Fatal(err)
		}
		counts, err := db.EditionDeliveryCounts(ctx, e.ID)
		if err != nil || counts[DeliveryQueued] != 1 || counts[DeliverySending] != 4 || counts.Pending() != 5 || counts.Total() != 5 {
			t.Fatalf("counts %v %v", counts, err)
		}
	})
}

func TestRecordDeliveriesRetriesBouncesAndFinishes(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		ok := insertSubscriber(t, db, "ok@example.vn", StatusActive, CadenceDaily)
		bad := insertSubscriber(t, db, "bad@example.vn", StatusActive, CadenceDaily)
		flaky := insertSubscriber(t, db, "flaky@example.vn", StatusActive, CadenceDaily)
		until := time.Now().Truncate(time.Second)
		e := newEdition(t, db, CadenceDaily, until)
		planAll(t, db, e, 100)
		now := time.Now()
		claims, err := db.ClaimDeliveries(ctx, e.ID, "w", now, time.Minute, 10)
		if err != nil || len(claims) != 3 {
			t.Fatal(claims, err)
		}
		retryAt := now.Add(time.Hour)
		err = db.RecordDeliveries(ctx, "w", []DeliveryResult{
			{EditionID: e.ID, SubscriberID: ok, Status: DeliverySent, Until: until},
			{EditionID: e.ID, SubscriberID: bad, Status: DeliveryBounced, Attempted: true, Error: "550 5.1.1"},
			{EditionID: e.ID, SubscriberID: flaky, Status: DeliveryQueued, Attempted: true, NextAt: retryAt, Error: "451"},
		}, 1)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := db.SubscriberByID(ctx, bad)
		if s.Status != StatusBounced || s.Bounces != 1 {
			t.Fatalf("bounced subscriber %+v", s)
		}
		q, err := db.EditionQueue(ctx, e.ID, now)
		if err != nil || q.Waiting != 1 || !q.NextAt.Equal(retryAt.Truncate(time.Microsecond)) || q.Due != 0 {
			t.Fatalf("queue %+v %v", q, err)
		}
		if ids, err := db.FinishEditions(ctx); err != nil || len(ids) != 0 {
			t.Fatalf("finished %v %v with a retry pending", ids, err)
		}
		c, err := db.ClaimDeliveries(ctx, e.ID, "w", retryAt, time.Minute, 10)
		if err != nil || len(c) != 1 || c[0].Attempts != 1 {
			t.Fatalf("retry claim %v %v", c, err)
		}
		if err := db.RecordDeliveries(ctx, "w", []DeliveryResult{{EditionID: e.ID, SubscriberID: flaky, Status: DeliverySent, Until: until}}, 1); err != nil {
			t.Fatal(err)
		}
		if ids, err := db.FinishEditions(ctx); err != nil || len(ids) != 1 || ids[0] != e.ID {
			t.Fatalf("finished %v %v", ids, err)
		}
		counts, _ := db.EditionDeliveryCounts(ctx, e.ID)
		if counts[DeliverySent] != 2 || counts[DeliveryBounced] != 1 {
			t.Fatalf("counts %v", counts)
		}
		if n, err := db.SentSince(ctx, e.ID, now.Add(-time.Minute)); err != nil || n != 2 {
			t.Fatalf("sent since: %d %v", n, err)
		}
	})
}

func TestSkipEditionPauseAndTicks(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		for i := range 3 {
			insertSubscriber(t, db, fmt.Sprintf("a%d@example.vn", i), StatusActive, CadenceWeekly)
		}
		e := newEdition(t, db, CadenceWeekly, time.Now())
		planAll(t, db, e, 100)
		if n, err := db.SkipEdition(ctx, e.ID); err != nil || n != 3 {
			t.Fatalf("skip: %d %v", n, err)
		}
		if _, err := db.SkipEdition(ctx, e.ID); err != ErrNotFound {
			t.Fatalf("skipping twice: %v", err)
		}
		if eds, err := db.Editions(ctx, EditionQuery{Statuses: []string{EditionSending, EditionDone}, Limit: 10}); err != nil || len(eds) != 0 {
			t.Fatalf("public editions %v %v", eds, err)
		}

		if at, err := db.DeliveryPausedAt(ctx); err != nil || !at.IsZero() {
			t.Fatalf("paused at %v %v", at, err)
		}
		for range 2 {
			if err := db.PauseDelivery(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if at, err := db.DeliveryPausedAt(ctx); err != nil || at.IsZero() {
			t.Fatalf("not paused: %v %v", at, err)
		}
		if err := db.ResumeDelivery(ctx); err != nil {
			t.Fatal(err)
		}
		if at, _ := db.DeliveryPausedAt(ctx); !at.IsZero() {
			t.Fatal("still paused")
		}

		tick := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
		if st, err := db.EditionTick(ctx, CadenceDaily); err != nil || !st.Last.IsZero() {
			t.Fatalf("fresh tick state %+v %v", st, err)
		}
		if err := db.SkipThrough(ctx, CadenceDaily, tick.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.SetLastTick(ctx, CadenceDaily, tick); err != nil {
			t.Fatal(err)
		}
		st, err := db.EditionTick(ctx, CadenceDaily)
		if err != nil || !st.Last.Equal(tick) || !st.SkipThrough.Equal(tick.Add(24*time.Hour)) {
			t.Fatalf("tick state %+v %v", st, err)
		}
	})
}

func TestNewsletterArticlesWindowCategoriesAndOptOut(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		base := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
		save := func(id, cat string, at time.Time, newsletter bool) {
			a := sampleArticle(id, at)
			a.ID = id
			a.CategorySlug, a.Category, a.Newsletter = cat, cat, newsletter
			if _, err := db.SaveArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		save("a1", "thoi-su", base.Add(time.Hour), true)
		save("a2", "kinh-te", base.Add(2*time.Hour), true)
		save("a3", "thoi-su", base.Add(3*time.Hour), false)
		save("a4", "thoi-su", base.Add(-time.Hour), true)
		save("a5", "the-thao", base.Add(6*time.Hour), true)

		got, err := db.NewsletterArticles(ctx, NewsletterQuery{Since: base, Until: base.Add(6 * time.Hour), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if ids := articleIDs(got); fmt.Sprint(ids) != "[a5 a2 a1]" {
			t.Fatalf("window (base, base+6h] = %v, want [a5 a2 a1]", ids)
		}
		got, _ = db.NewsletterArticles(ctx, NewsletterQuery{Since: base, Until: base.Add(6 * time.Hour), Categories: []string{"thoi-su", "kinh-te"}, Limit: 1})
		if ids := articleIDs(got); fmt.Sprint(ids) != "[a2]" {
			t.Fatalf("categories with limit 1 = %v", ids)
		}

		insertSubscriber(t, db, "new@example.vn", StatusActive, CadenceDaily)
		first := base.Add(-24 * time.Hour)
		since, ok, err := db.EarliestSince(ctx, CadenceDaily, first)
		if err != nil || !ok || !since.Equal(first) {
			t.Fatalf("earliest since %v %v %v", since, ok, err)
		}
		if _, ok, _ := db.EarliestSince(ctx, CadenceInstant, first); ok {
			t.Fatal("a cadence without subscribers has a window")
		}
	})
}

func articleIDs(arts []*article.Article) []string {
	ids := make([]string, len(arts))
	for i, a := range arts {
		ids[i] = a.ID
	}
	return ids
}

func TestOneEditionPerCadenceAndTick(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		until := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
		newEdition(t, db, CadenceDaily, until)
		again := &Edition{Cadence: CadenceDaily, Since: until.Add(-time.Hour), Until: until}
		if err := db.CreateEdition(ctx, again); err != ErrEditionExists {
			t.Fatalf("second edition of the same tick: %v, want ErrEditionExists", err)
		}
		newEdition(t, db, CadenceWeekly, until)
	})
}
