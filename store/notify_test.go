package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/pgtest"
)

// heard is one change a test listener heard, and when.
type heard struct {
	ch ArticleChange
	at time.Time
}

// listenForTest runs db's listener until the test ends and returns what
// it hears, once it listens (its first report, All, is consumed).
func listenForTest(t *testing.T, db *DB) <-chan heard {
	t.Helper()
	got := make(chan heard, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- db.ListenArticleChanges(ctx, nil, func(ch ArticleChange) {
			got <- heard{ch, time.Now()}
		})
	}()
	// Registered after the DB was opened, so it runs before the DB closes.
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listener: %v", err)
		}
	})
	if h := next(t, got); !h.ch.All {
		t.Fatalf("first report = %+v, want All once listening", h.ch)
	}
	return got
}

func next[T any](t *testing.T, got <-chan T) T {
	t.Helper()
	select {
	case h := <-got:
		return h
	case <-time.After(5 * time.Second):
		t.Fatal("nothing heard within 5 s")
		var zero T
		return zero
	}
}

// withAppName names a test's connections so that a test can find them
// among those of other tests on the server.
func withAppName(t *testing.T, rawURL string) (string, string) {
	t.Helper()
	raw := make([]byte, 6)
	_, _ = rand.Read(raw)
	name := "bantin_test_" + hex.EncodeToString(raw)
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String(), name
}

// TestListenArticleChanges: two instances on one schema hear each other's
// committed changes with their categories, not their own, not those of
// other schemas and not rolled-back ones.
func TestListenArticleChanges(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.URL(t)
	a := openURL(t, schema, WithMaxOpenConns(2))
	b := openURL(t, schema)
	other := openTestPostgres(t) // another schema on the same database
	heardA := listenForTest(t, a)
	heardB := listenForTest(t, b)
	if n := a.sql.Stats().MaxOpenConnections; n != 3 {
		t.Errorf("max open connections while listening = %d, want the 2 configured and the listener's", n)
	}

	// A change in another schema is not this site's.
	if _, err := other.SaveArticle(ctx, sampleArticle("file:other.txt", time.Now())); err != nil {
		t.Fatal(err)
	}
	// A notice sent in a transaction that rolls back is never delivered.
	tx, err := a.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.notifyOthers(ctx, tx, ArticleChange{ID: "rolled-back", Outcome: Created}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	art := sampleArticle("file:x.txt", time.Now())
	saved := time.Now()
	if _, err := a.SaveArticle(ctx, art); err != nil {
		t.Fatal(err)
	}
	h := next(t, heardB)
	if h.ch.All || h.ch.ID != art.ID || h.ch.Outcome != Created || strings.Join(h.ch.CategorySlugs, ",") != "kinh-te" {
		t.Fatalf("B heard %+v, want the creation of %s in kinh-te (and not the other schema's or the rolled-back one)", h.ch, art.ID)
	}
	t.Logf("created on A, heard on B after %s", h.at.Sub(saved))

	moved := sampleArticle("file:x.txt", art.PublishedAt)
	moved.Category, moved.CategorySlug, moved.ContentHash = "Thể thao", "the-thao", "hash-2"
	saved = time.Now()
	if _, err := a.SaveArticle(ctx, moved); err != nil {
		t.Fatal(err)
	}
	h = next(t, heardB)
	if h.ch.ID != art.ID || h.ch.Outcome != Updated || strings.Join(h.ch.CategorySlugs, ",") != "the-thao,kinh-te" {
		t.Fatalf("B heard %+v, want the move of %s from kinh-te to the-thao", h.ch, art.ID)
	}
	t.Logf("updated on A, heard on B after %s", h.at.Sub(saved))

	// Notices arrive in commit order: once A hears B's change, made after
	// its own, it would have heard its own.
	fromB := sampleArticle("file:y.txt", time.Now())
	if _, err := b.SaveArticle(ctx, fromB); err != nil {
		t.Fatal(err)
	}
	if h := next(t, heardA); h.ch.ID != fromB.ID {
		t.Fatalf("A heard %+v first, want only B's change %s, not its own", h.ch, fromB.ID)
	}
	select {
	case h := <-heardB:
		t.Errorf("B heard its own change: %+v", h.ch)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestListenArticleChangesTooBig: a change too big for a notice is sent
// as "everything changed" rather than lost.
func TestListenArticleChangesTooBig(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.URL(t)
	a, b := openURL(t, schema), openURL(t, schema)
	heardB := listenForTest(t, b)
	tx, err := a.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	huge := ArticleChange{ID: "x", Outcome: Created, CategorySlugs: []string{strings.Repeat("é", 5000)}}
	if err := a.notifyOthers(ctx, tx, huge); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if h := next(t, heardB); !h.ch.All {
		t.Fatalf("B heard %+v, want All", h.ch)
	}
}

// TestListenArticleChangesReconnects: when the listening connection is
// killed, the listener connects again and reports that everything may
// have changed, then hears changes again.
func TestListenArticleChangesReconnects(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.URL(t)
	urlB, appName := withAppName(t, schema)
	a, b := openURL(t, schema), openURL(t, urlB)
	heardB := listenForTest(t, b)

	admin, err := sql.Open("pgx", os.Getenv(pgtest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	err = admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE application_name = $1 AND query = 'LISTEN bantin_articles'`, appName).Scan(&killed)
	if err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d listening connections, want 1", killed)
	}
	killedAt := time.Now()
	if h := next(t, heardB); !h.ch.All {
		t.Fatalf("after the kill B heard %+v, want All", h.ch)
	} else {
		t.Logf("listening again and reported All %s after the kill", h.at.Sub(killedAt))
	}
	art := sampleArticle("file:after.txt", time.Now())
	if _, err := a.SaveArticle(ctx, art); err != nil {
		t.Fatal(err)
	}
	if h := next(t, heardB); h.ch.ID != art.ID {
		t.Fatalf("after reconnecting B heard %+v, want %s", h.ch, art.ID)
	}
	// The killed connection was not handed back to the pool: B still works.
	if err := b.Ping(ctx); err != nil {
		t.Fatalf("B after the kill: %v", err)
	}
}

// TestListenArticleChangesSQLite: on SQLite the listener hears nothing and
// returns when its context is done.
func TestListenArticleChangesSQLite(t *testing.T) {
	db := openTestDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	called := false
	if err := db.ListenArticleChanges(ctx, nil, func(ArticleChange) { called = true }); err != nil || called {
		t.Fatalf("ListenArticleChanges = %v, called = %v; want nil, false", err, called)
	}
}

// TestListenSubscriberChanges: every change to a subscriber that a
// message depends on is heard, whoever makes it (here plain SQL on another
// connection), and on this schema only; what sending writes is not.
//
// The listener's session has an empty schema first on its search_path,
// so that its current schema is not the table's: notifications name the
// table's.
func TestListenSubscriberChanges(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.URL(t)
	empty := pgtest.URL(t)
	u, err := url.Parse(schema)
	if err != nil {
		t.Fatal(err)
	}
	eu, err := url.Parse(empty)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", eu.Query().Get("search_path")+","+q.Get("search_path"))
	u.RawQuery = q.Encode()
	b := openURL(t, schema)
	// Not migrated: on its search_path, that would make tables in the
	// empty schema.
	a, err := Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	other := openTestPostgres(t) // another schema on the same database
	ida := insertSubscriber(t, b, "an@example.vn", StatusActive, CadenceDaily)
	idb := insertSubscriber(t, b, "binh@example.vn", StatusActive, CadenceDaily)
	otherID := insertSubscriber(t, other, "an@example.vn", StatusActive, CadenceDaily)

	got := make(chan SubscriberChange, 100)
	alive := make(chan time.Time, 1000)
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- a.ListenSubscriberChanges(lctx, nil, func(ch SubscriberChange) {
			if ch.Alive {
				alive <- time.Now()
				return
			}
			got <- ch
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listener: %v", err)
		}
	})
	if ch := next(t, got); !ch.Listening {
		t.Fatalf("first report = %+v, want Listening", ch)
	}

	// What sending writes, and the other schema's changes, are not heard.
	mustExec(t, b, "UPDATE subscribers SET last_edition_until = 7, bounces = 1, updated_at = 9 WHERE id = ?", ida)
	mustExec(t, other, "UPDATE subscribers SET status = 'unsubscribed' WHERE id = ?", otherID)
	for _, tc := range []struct {
		name, query string
		id          int64
	}{
		{"status", "UPDATE subscribers SET status = 'unsubscribed' WHERE id = ?", ida},
		{"categories", `UPDATE subscribers SET categories = '["the-thao"]' WHERE id = ?`, idb},
		{"name", "UPDATE subscribers SET name = 'Bình' WHERE id = ?", ida},
		{"send hour", "UPDATE subscribers SET send_hour = 6 WHERE id = ?", idb},
		{"erasure", "DELETE FROM subscribers WHERE id = ?", ida},
	} {
		mustExec(t, b, tc.query, tc.id)
		if ch := next(t, got); ch.ID != tc.id {
			t.Fatalf("after a change of %s, heard %+v, want subscriber %d (and nothing before it)", tc.name, ch, tc.id)
		}
	}
	// An update that changes nothing a message depends on stays silent.
	mustExec(t, b, "UPDATE subscribers SET send_hour = 6 WHERE id = ?", idb)
	select {
	case ch := <-got:
		t.Errorf("heard %+v after an update that changed nothing", ch)
	case <-time.After(200 * time.Millisecond):
	}
	// An idle listener still shows, every subscriberListenIdle, that its
	// connection works.
	for len(alive) > 0 {
		<-alive
	}
	quiet := time.Now()
	select {
	case at := <-alive:
		t.Logf("idle listener alive again after %s", at.Sub(quiet).Round(time.Millisecond))
	case <-time.After(subscriberListenIdle + 3*time.Second):
		t.Fatalf("no sign of life from an idle listener within %s", subscriberListenIdle+3*time.Second)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil // for the cleanup
	if ch := next(t, got); !ch.Lost {
		t.Fatalf("after the listener stopped, heard %+v, want Lost", ch)
	}
}
