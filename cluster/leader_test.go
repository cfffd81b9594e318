package cluster

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/pgtest"
	"github.com/bantin/bantin/store"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the admin connection
)

// Short intervals, so that failovers take a fraction of a second.
const (
	testRetry   = 200 * time.Millisecond
	testCheck   = 200 * time.Millisecond
	testTimeout = 100 * time.Millisecond
	// testFailover bounds a takeover: the next try (testRetry) plus the
	// takeover delay (testCheck+testTimeout), with room for a loaded
	// machine; far below the 30 s the daemon promises.
	testFailover = 5 * time.Second
)

func testOptions(id string) Options {
	return Options{ID: id, RetryInterval: testRetry, CheckInterval: testCheck, CheckTimeout: testTimeout}
}

// instance is one candidate: its own DB (as another process would have)
// and elector, running until stopped.
type instance struct {
	id     string
	db     *store.DB
	e      *Elector
	cancel context.CancelFunc
	done   chan error
	// terms counts the times lead was called.
	terms atomic.Int32
	// lost receives the cause of each lead's end.
	ended chan error
}

// watch follows every instance's leadership for a whole test: active is
// the number of lead functions running, and max the most at once.
type watch struct {
	active, max atomic.Int32
}

func (w *watch) enter() {
	n := w.active.Add(1)
	for {
		m := w.max.Load()
		if n <= m || w.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func start(t *testing.T, url, id string, w *watch, lead func(ctx context.Context) error) *instance {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	in := &instance{id: id, db: db, e: New(db, testOptions(id)), done: make(chan error, 1), ended: make(chan error, 100)}
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	go func() {
		in.done <- in.e.Run(ctx, func(ctx context.Context) error {
			in.terms.Add(1)
			w.enter()
			defer w.active.Add(-1)
			var err error
			if lead != nil {
				err = lead(ctx)
			} else {
				<-ctx.Done()
			}
			in.ended <- context.Cause(ctx)
			return err
		})
	}()
	t.Cleanup(func() { in.stop(t) })
	return in
}

// stop cancels the instance's Run and waits for it; twice is fine.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	in.cancel()
	select {
	case err, ok := <-in.done:
		if ok && err != nil {
			t.Errorf("%s: Run = %v after cancel, want nil", in.id, err)
		}
		if ok {
			close(in.done)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: Run did not return after cancel", in.id)
	}
}

// waitLeader waits until exactly one of ins leads and returns it, with
// how long that took.
func waitLeader(t *testing.T, within time.Duration, ins ...*instance) (*instance, time.Duration) {
	t.Helper()
	began := time.Now()
	for time.Since(began) < within {
		var leaders []*instance
		for _, in := range ins {
			if in.e.IsLeader() {
				leaders = append(leaders, in)
			}
		}
		switch len(leaders) {
		case 1:
			return leaders[0], time.Since(began)
		case 0:
		default:
			t.Fatalf("%d instances lead at once", len(leaders))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no instance led within %s", within)
	return nil, 0
}

// sample checks, until the test ends, that no two instances lead at once.
func sample(t *testing.T, ins ...*instance) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			n := 0
			for _, in := range ins {
				if in.e.IsLeader() {
					n++
				}
			}
			if n > 1 {
				t.Errorf("%d instances lead at once", n)
				return
			}
		}
	})
	t.Cleanup(func() { close(stop); wg.Wait() })
}

// admin opens a connection of the test's own, on the server but outside
// the instances, as an operator (or a dying network) would act.
func admin(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// leaderPID returns the backend pid of in's lock session, found by the
// application_name that the lock sets.
func leaderPID(t *testing.T, adm *sql.DB, in *instance) int {
	t.Helper()
	var pid int
	err := adm.QueryRow(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, "bantin leader "+in.id).Scan(&pid)
	if err != nil {
		t.Fatalf("the lock session of %s: %v", in.id, err)
	}
	return pid
}

func TestOneLeaderAndFailoverOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	var w watch
	a := start(t, url, "a-"+t.Name(), &w, nil)
	b := start(t, url, "b-"+t.Name(), &w, nil)
	sample(t, a, b)

	first, took := waitLeader(t, testFailover, a, b)
	t.Logf("first leader %s after %s", first.id, took)
	other := map[*instance]*instance{a: b, b: a}
	// The other keeps trying and never gets in.
	time.Sleep(5 * testRetry)
	if other[first].e.IsLeader() || other[first].terms.Load() != 0 {
		t.Fatalf("%s led beside %s", other[first].id, first.id)
	}

	// A dead session, as when the leader's process is killed: the
	// server ends it, which frees the lock.
	adm := admin(t, url)
	if _, err := adm.Exec(`SELECT pg_terminate_backend($1)`, leaderPID(t, adm, first)); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	select {
	case cause := <-first.ended:
		if !errors.Is(cause, store.ErrLeaderLockLost) {
			t.Errorf("the old leader stopped because of %v, want ErrLeaderLockLost", cause)
		}
		t.Logf("the old leader stopped %s after its session was killed", time.Since(killed))
	case <-time.After(testFailover):
		t.Fatal("the old leader did not stop after its session was killed")
	}
	second, _ := waitLeader(t, testFailover, a, b)
	if second != other[first] {
		// The old leader may win the race to the lock again; what
		// matters is that someone leads, alone.
		t.Logf("%s took the lock back", second.id)
	}
	t.Logf("failover after pg_terminate_backend: %s", time.Since(killed))

	// A graceful stop: the leader's Run ends, which releases the lock.
	stopped := time.Now()
	second.stop(t)
	if second.e.IsLeader() {
		t.Error("a stopped instance still leads")
	}
	third, _ := waitLeader(t, testFailover, a, b)
	if third == second {
		t.Fatal("the stopped instance leads")
	}
	t.Logf("failover after a graceful stop: %s", time.Since(stopped))
	if m := w.max.Load(); m != 1 {
		t.Errorf("at most %d lead functions ran at once, want 1", m)
	}
}

// TestManyCandidates runs several electors through repeated session
// kills, checking that the lead functions never overlap.
func TestManyCandidatesNeverOverlap(t *testing.T) {
	url := pgtest.URL(t)
	var w watch
	var ins []*instance
	for _, id := range []string{"a", "b", "c", "d"} {
		ins = append(ins, start(t, url, id+"-"+t.Name(), &w, nil))
	}
	sample(t, ins...)
	adm := admin(t, url)
	var worst time.Duration
	for range 5 {
		leader, _ := waitLeader(t, testFailover, ins...)
		killed := time.Now()
		if _, err := adm.Exec(`SELECT pg_terminate_backend($1)`, leaderPID(t, adm, leader)); err != nil {
			t.Fatal(err)
		}
		// Wait for the old leader to stop, then for the next.
		for leader.e.IsLeader() {
			if time.Since(killed) > testFailover {
				t.Fatal("the killed leader did not stop")
			}
			time.Sleep(time.Millisecond)
		}
		_, _ = waitLeader(t, testFailover, ins...)
		worst = max(worst, time.Since(killed))
	}
	t.Logf("slowest of 5 failovers: %s", worst)
	if m := w.max.Load(); m != 1 {
		t.Errorf("at most %d lead functions ran at once, want 1", m)
	}
}

func TestLeadFailureStopsRunAndHandsOver(t *testing.T) {
	url := pgtest.URL(t)
	var w watch
	boom := errors.New("boom")
	failing := start(t, url, "failing-"+t.Name(), &w, func(ctx context.Context) error { return boom })
	if err := <-failing.done; !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the lead function's error", err)
	}
	close(failing.done)
	// The lock was released: a newcomer leads.
	next := start(t, url, "next-"+t.Name(), &w, nil)
	_, took := waitLeader(t, testFailover, next)
	t.Logf("a newcomer led %s after the failed leader stopped", took)
}

func TestLeadReturningReleasesAndRetries(t *testing.T) {
	url := pgtest.URL(t)
	var w watch
	in := start(t, url, "brief-"+t.Name(), &w, func(ctx context.Context) error { return nil })
	deadline := time.Now().Add(testFailover)
	for in.terms.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("lead ran %d times; want it tried again after it returned", in.terms.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSchemasHaveTheirOwnLeaders: advisory locks are per database, but
// two sites in two schemas of one database (or two test packages running
// at once) must each have a leader.
func TestSchemasHaveTheirOwnLeaders(t *testing.T) {
	var w1, w2 watch
	a := start(t, pgtest.URL(t), "schema1-"+t.Name(), &w1, nil)
	b := start(t, pgtest.URL(t), "schema2-"+t.Name(), &w2, nil)
	waitLeader(t, testFailover, a)
	waitLeader(t, testFailover, b)
}

func TestSQLiteAlwaysLeads(t *testing.T) {
	db, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "bantin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A takeover delay far longer than the test: SQLite must not wait.
	o := testOptions("sqlite")
	o.TakeoverDelay = time.Hour
	e := New(db, o)
	ctx, cancel := context.WithCancel(context.Background())
	led := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- e.Run(ctx, func(ctx context.Context) error {
			close(led)
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	select {
	case <-led:
	case <-time.After(testFailover):
		t.Fatal("the only instance on SQLite did not lead")
	}
	if !e.IsLeader() {
		t.Error("IsLeader = false while leading")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v after cancel, want nil", err)
	}
	if e.IsLeader() {
		t.Error("IsLeader = true after Run returned")
	}
}

func TestUnreachableDatabaseIsRetried(t *testing.T) {
	url := pgtest.URL(t)
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	// A closed pool fails every try, as an unreachable server would.
	db.Close()
	e := New(db, testOptions("closed"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*testRetry)
	defer cancel()
	if err := e.Run(ctx, func(context.Context) error { t.Error("led without the lock"); return nil }); err != nil {
		t.Errorf("Run = %v, want nil: failing tries are retried until ctx ends", err)
	}
}
