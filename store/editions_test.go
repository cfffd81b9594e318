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
		db.deliveryBatch = 2
		if n := planAll(t, db, e1, 3); n != 7 || e1.Recipients != 7 || e1.Status != EditionSending {
			t.Fatalf("planned %d, edition %+v", n, e1)
		}
		// Chunks of 3, 3 and 1, each cut into batches of at most 2.
		want := [][2]int64{{daily[0], daily[1]}, {daily[2], daily[2]}, {daily[3], daily[4]}, {daily[5], daily[5]}, {daily[6], daily[6]}}
		if got := editionBatches(t, db, e1.ID); !slices.Equal(got, want) {
			t.Fatalf("batches %v, want %v", got, want)
		}
		got, err := db.EditionByID(ctx, e1.ID)
		if err != nil || got.Status != EditionSending || got.Recipients != 7 || got.PlannedThrough != daily[6] {
			t.Fatalf("stored edition %+v, %v", got, err)
		}

		// Two of e1 are sent; a second edition of the cadence leaves out the
		// five whose e1 delivery is still to send.
		b, err := db.ClaimBatch(ctx, e1.ID, "w1", time.Now(), time.Minute)
		if err != nil || b == nil || len(b.Claims) != 2 {
			t.Fatalf("batch %+v, %v", b, err)
		}
		claims := b.Claims
		var results []DeliveryResult
		for _, c := range claims {
			results = append(results, DeliveryResult{EditionID: e1.ID, SubscriberID: c.SubscriberID, Status: DeliverySent, Until: now})
		}
		if err := db.RecordDeliveries(ctx, "w1", results, []BatchRelease{{EditionID: e1.ID, First: b.First}}, 2); err != nil {
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

// editionBatches returns the subscriber ranges of edition's batches.
func editionBatches(t *testing.T, db *DB, edition int64) [][2]int64 {
	t.Helper()
	rows, err := db.sql.QueryContext(context.Background(), db.dialect.rebind(
		"SELECT first_subscriber, last_subscriber FROM delivery_batches WHERE edition_id = ? ORDER BY first_subscriber"), edition)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var r [2]int64
		if err := rows.Scan(&r[0], &r[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func batchIDs(b *Batch) []int64 {
	if b == nil {
		return nil
	}
	var ids []int64
	for _, c := range b.Claims {
		ids = append(ids, c.SubscriberID)
	}
	return ids
}

func TestBatchClaimsLeasesAndRelease(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		db.deliveryBatch = 3
		var subs []int64
		for i := range 5 {
			subs = append(subs, insertSubscriber(t, db, fmt.Sprintf("a%d@example.vn", i), StatusActive, CadenceDaily))
		}
		e := newEdition(t, db, CadenceDaily, time.Now())
		planAll(t, db, e, 100)
		now := time.Now()
		a, err := db.ClaimBatch(ctx, e.ID, "a", now, time.Minute)
		if err != nil || !slices.Equal(batchIDs(a), subs[:3]) {
			t.Fatalf("first claim %v %v, want %v", batchIDs(a), err, subs[:3])
		}
		b, err := db.ClaimBatch(ctx, e.ID, "b", now, time.Minute)
		if err != nil || !slices.Equal(batchIDs(b), subs[3:]) {
			t.Fatalf("second claim %v %v, want the 2 left", batchIDs(b), err)
		}
		if c, err := db.ClaimBatch(ctx, e.ID, "c", now, time.Minute); c != nil || err != nil {
			t.Fatalf("claimed %v (%v) while every batch is leased", batchIDs(c), err)
		}
		// a crashes; once its lease has passed, its batch is due again.
		later := now.Add(2 * time.Minute)
		if err := db.RenewBatch(ctx, e.ID, b.First, "b", later.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		c, err := db.ClaimBatch(ctx, e.ID, "c", later, time.Minute)
		if err != nil || !slices.Equal(batchIDs(c), subs[:3]) {
			t.Fatalf("after a's lease: %v %v, want a's 3 (b renewed)", batchIDs(c), err)
		}
		q, err := db.EditionQueue(ctx, e.ID, later)
		if err != nil || q.Due != 0 || q.Claimed != 5 {
			t.Fatalf("queue %+v %v", q, err)
		}
		// a's late outcome for a delivery c now holds is ignored, and so
		// is a's release of the batch; a sent one counts (it went out).
		err = db.RecordDeliveries(ctx, "a", []DeliveryResult{
			{EditionID: e.ID, SubscriberID: subs[0], Status: DeliveryFailed, Error: "late"},
			{EditionID: e.ID, SubscriberID: subs[1], Status: DeliverySent, Until: e.Until},
		}, []BatchRelease{{EditionID: e.ID, First: a.First}}, 2)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := db.EditionDeliveryCounts(ctx, e.ID)
		if err != nil || counts[DeliveryQueued] != 4 || counts[DeliverySent] != 1 || counts.Total() != 5 {
			t.Fatalf("counts %v %v", counts, err)
		}
		// b sends its two; its batch is gone, nothing being left in it.
		err = db.RecordDeliveries(ctx, "b", []DeliveryResult{
			{EditionID: e.ID, SubscriberID: subs[3], Status: DeliverySent, Until: e.Until},
			{EditionID: e.ID, SubscriberID: subs[4], Status: DeliverySent, Until: e.Until},
		}, []BatchRelease{{EditionID: e.ID, First: b.First}}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := editionBatches(t, db, e.ID); len(got) != 1 || got[0][0] != subs[0] {
			t.Fatalf("batches %v, want only c's", got)
		}
		// c stops (its mail server is down) and gives the batch back until
		// an hour later: its two queued deliveries wait for that.
		resume := later.Add(time.Hour)
		if err := db.RecordDeliveries(ctx, "c", nil, []BatchRelease{{EditionID: e.ID, First: c.First, NotBefore: resume}}, 2); err != nil {
			t.Fatal(err)
		}
		q, err = db.EditionQueue(ctx, e.ID, later)
		if err != nil || q.Due != 0 || q.Claimed != 0 || q.Waiting != 2 || !q.NextAt.Equal(resume.Truncate(time.Microsecond)) {
			t.Fatalf("queue after the release %+v %v", q, err)
		}
		if d, err := db.ClaimBatch(ctx, e.ID, "d", later, time.Minute); d != nil || err != nil {
			t.Fatalf("claimed %v (%v) before the batch's time", batchIDs(d), err)
		}
		d, err := db.ClaimBatch(ctx, e.ID, "d", resume, time.Minute)
		if err != nil || !slices.Equal(batchIDs(d), []int64{subs[0], subs[2]}) {
			t.Fatalf("claim at the batch's time %v %v, want the 2 still queued", batchIDs(d), err)
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
		b, err := db.ClaimBatch(ctx, e.ID, "w", now, time.Minute)
		if err != nil || len(batchIDs(b)) != 3 {
			t.Fatal(batchIDs(b), err)
		}
		release := []BatchRelease{{EditionID: e.ID, First: b.First}}
		retryAt := now.Add(time.Hour)
		err = db.RecordDeliveries(ctx, "w", []DeliveryResult{
			{EditionID: e.ID, SubscriberID: ok, Status: DeliverySent, Until: until},
			{EditionID: e.ID, SubscriberID: bad, Status: DeliveryBounced, Attempted: true, Error: "550 5.1.1"},
			{EditionID: e.ID, SubscriberID: flaky, Status: DeliveryQueued, Attempted: true, NextAt: retryAt, Error: "451"},
		}, release, 1)
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
		if c, err := db.ClaimBatch(ctx, e.ID, "w", retryAt.Add(-time.Second), time.Minute); c != nil || err != nil {
			t.Fatalf("claimed %v (%v) before the retry's time", batchIDs(c), err)
		}
		c, err := db.ClaimBatch(ctx, e.ID, "w", retryAt, time.Minute)
		if err != nil || c == nil || len(c.Claims) != 1 || c.Claims[0].SubscriberID != flaky || c.Claims[0].Attempts != 1 {
			t.Fatalf("retry claim %+v %v", c, err)
		}
		if err := db.RecordDeliveries(ctx, "w", []DeliveryResult{{EditionID: e.ID, SubscriberID: flaky, Status: DeliverySent, Until: until}}, release, 1); err != nil {
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
