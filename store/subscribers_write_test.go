package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/bantin/bantin/internal/testutil"
	"slices"
	"strings"
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
		db := openTestDB(t, WithClock(func() time.Time { return copyNow }))
		fx := fillEveryTable(t, db)
		// The fixture's fourth reader: active, queued in the edition, and
		// named nowhere else (the first two also sent feedback, which is
		// not the newsletter's to erase).
		email := fx.emails[3]
		sub, err := db.SubscriberByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.SubscriberByEmail(ctx, fx.emails[4])
		if err != nil {
			t.Fatal(err)
		}
		// The scan must see the subscriber where they are, or finding
		// nothing afterwards would prove nothing.
		before := traces(t, db, sub.ID, email, sub.Name)
		for _, want := range []string{"subscribers.email", "subscribers.name", "subscribers.id", "consents.subscriber_id", "deliveries.subscriber_id"} {
			if !slices.Contains(before, want) {
				t.Fatalf("before the erasure the scan finds %v, not %s", before, want)
			}
		}
		edition, _ := db.EditionByID(ctx, fx.edition)
		counts, _ := db.EditionDeliveryCounts(ctx, fx.edition)

		if err := db.EraseSubscriber(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		if left := traces(t, db, sub.ID, email, sub.Name); len(left) > 0 {
			t.Errorf("the erased subscriber is still in %v", left)
		}
		if _, err := db.SubscriberByEmail(ctx, email); !errors.Is(err, ErrNotFound) {
			t.Errorf("erased subscriber still found: %v", err)
		}
		if left := traces(t, db, other.ID, other.Email, other.Name); !slices.Contains(left, "deliveries.subscriber_id") ||
			!slices.Contains(left, "consents.subscriber_id") {
			t.Errorf("another subscriber's rows went too; left: %v", left)
		}
		// The edition keeps its planned count; the per-status counts are
		// of the rows that remain.
		if e, _ := db.EditionByID(ctx, fx.edition); e.Recipients != edition.Recipients {
			t.Errorf("edition recipients %d after the erasure, want %d", e.Recipients, edition.Recipients)
		}
		if c, _ := db.EditionDeliveryCounts(ctx, fx.edition); c.Total() != counts.Total()-1 {
			t.Errorf("edition deliveries %v after the erasure, want one fewer than %v", c, counts)
		}
		if err := db.EraseSubscriber(ctx, sub.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("erasing twice: %v", err)
		}
	})
}

// traces returns, as table.column, every column of every table in db's
// schema that holds one of texts, or id in a subscriber id column: read
// from the schema, so that a table a future migration adds is searched too.
func traces(t *testing.T, db *DB, id int64, texts ...string) []string {
	t.Helper()
	ctx := context.Background()
	tables, err := listTables(ctx, db.sql, db.dialect)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, table := range tables {
		cols, err := tableColumns(ctx, db.sql, db.dialect, table)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			var where []string
			var args []any
			switch {
			case c.kind == kindText:
				for _, s := range texts {
					where, args = append(where, c.name+" LIKE ?"), append(args, "%"+s+"%")
				}
			case c.kind == kindInt && (strings.Contains(c.name, "subscriber_id") || table == "subscribers" && c.name == "id"):
				where, args = append(where, c.name+" = ?"), append(args, id)
			}
			if len(where) == 0 {
				continue
			}
			var n int
			q := "SELECT COUNT(*) FROM " + table + " WHERE " + strings.Join(where, " OR ")
			if err := db.sql.QueryRowContext(ctx, db.dialect.rebind(q), args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if n > 0 {
				out = append(out, table+"."+c.name)
			}
		}
	}
	return out
}

// TestEraseSubscriberWhilePlanning: subscribers erased while an edition
// queues its deliveries leave no delivery behind, whichever of the two
// commits first.
func TestEraseSubscriberWhilePlanning(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		var ids []int64
		for i := range 150 {
			ids = append(ids, insertSubscriber(t, db, fmt.Sprintf("doc-gia%d@example.vn", i), StatusActive, CadenceDaily))
		}
		e := newEdition(t, db, CadenceDaily, time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC))
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				_, done, err := db.PlanDeliveries(ctx, e, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if done {
					return
				}
			}
		})
		wg.Go(func() {
			for i := 0; i < len(ids); i += 3 {
				if err := db.EraseSubscriber(ctx, ids[i]); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Wait()
		var orphans int
		if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries d
WHERE NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = d.subscriber_id)`).Scan(&orphans); err != nil {
			t.Fatal(err)
		}
		if orphans > 0 {
			t.Errorf("%d deliveries of erased subscribers left", orphans)
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

// TestMigrationDropsDeliveriesOfEarlierErasures: migration 7 deletes the
// deliveries that erasures before it left behind, and no one else's.
func TestMigrationDropsDeliveriesOfEarlierErasures(t *testing.T) {
	eachBackendBefore(t, 7, func(t *testing.T, db *DB) {
		ctx := context.Background()
		kept := insertSubscriber(t, db, "o-lai@example.vn", StatusActive, CadenceDaily)
		erased := insertSubscriber(t, db, "da-xoa@example.vn", StatusActive, CadenceDaily)
		e := newEdition(t, db, CadenceDaily, time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC))
		// Queued as planning did before migration 8 (no batches).
		if _, err := db.sql.ExecContext(ctx, db.dialect.rebind(`INSERT INTO deliveries (edition_id, subscriber_id, status, next_at)
SELECT ?, id, 'queued', 0 FROM subscribers`), e.ID); err != nil {
			t.Fatal(err)
		}
		// An erasure as it was before migration 7.
		if _, err := db.sql.ExecContext(ctx, db.dialect.rebind("DELETE FROM subscribers WHERE id = ?"), erased); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		rows, err := db.sql.QueryContext(ctx, "SELECT subscriber_id FROM deliveries")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, []int64{kept}) {
			t.Errorf("deliveries after migration 7 are of %v, want only %d's", ids, kept)
		}
	})
}
