package store

import (
	"context"
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

func openLeaderTestDB(t *testing.T, rawURL string, opts ...Option) *DB {
	t.Helper()
	db, err := Open(context.Background(), rawURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var quickLeader = LeaderOptions{Name: "bantin leader test", CheckInterval: 200 * time.Millisecond, CheckTimeout: 100 * time.Millisecond}

// holdLeader takes the lock on db in the background and holds it until
// the returned release is called; it fails the test if the lock is not
// free. lost receives the cause of the hold's end.
func holdLeader(t *testing.T, db *DB, o LeaderOptions) (release func(), lost <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan struct{})
	causes := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		held, err := db.TryLeaderLock(ctx, o, func(ctx context.Context) error {
			close(got)
			<-ctx.Done()
			causes <- context.Cause(ctx)
			return nil
		})
		if !held || err != nil {
			t.Errorf("TryLeaderLock = %v, %v; want the free lock", held, err)
			close(got)
		}
	}()
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("TryLeaderLock did not call fn")
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(release)
	return release, causes
}

func TestLeaderLockIsExclusivePerSchema(t *testing.T) {
	url := pgtest.URL(t)
	a := openLeaderTestDB(t, url, WithMaxOpenConns(2))
	b := openLeaderTestDB(t, url)
	release, _ := holdLeader(t, a, quickLeader)

	// The lock's session is not taken from the pool's cap.
	if got := a.sql.Stats().MaxOpenConnections; got != 3 {
		t.Errorf("MaxOpenConnections while leading = %d, want 2+1", got)
	}
	var name string
	if err := b.sql.QueryRow(`SELECT application_name FROM pg_stat_activity WHERE application_name = $1`,
		quickLeader.Name).Scan(&name); err != nil {
		t.Errorf("the lock's session is not named in pg_stat_activity: %v", err)
	}

	held, err := b.TryLeaderLock(context.Background(), quickLeader, func(context.Context) error {
		t.Error("fn called while another DB holds the lock")
		return nil
	})
	if held || err != nil {
		t.Fatalf("TryLeaderLock while held elsewhere = %v, %v; want false, nil", held, err)
	}
	// Another schema of the same database has a lock of its own.
	other := openLeaderTestDB(t, pgtest.URL(t))
	holdLeader(t, other, quickLeader)

	release()
	if got := a.sql.Stats().MaxOpenConnections; got != 2 {
		t.Errorf("MaxOpenConnections after leading = %d, want 2", got)
	}
	// Released: the session was closed, not pooled with the lock on it.
	ran := false
	held, err = b.TryLeaderLock(context.Background(), quickLeader, func(context.Context) error { ran = true; return nil })
	if !held || err != nil || !ran {
		t.Fatalf("TryLeaderLock after release = %v, %v (fn ran: %v); want true, nil", held, err, ran)
	}
}

func TestLeaderLockReturnsFnError(t *testing.T) {
	db := openLeaderTestDB(t, pgtest.URL(t))
	boom := errors.New("boom")
	held, err := db.TryLeaderLock(context.Background(), quickLeader, func(context.Context) error { return boom })
	if !held || !errors.Is(err, boom) {
		t.Fatalf("TryLeaderLock = %v, %v; want true, fn's error", held, err)
	}
}

func TestLeaderLockLostWhenSessionKilled(t *testing.T) {
	url := pgtest.URL(t)
	db := openLeaderTestDB(t, url)
	_, lost := holdLeader(t, db, LeaderOptions{Name: "bantin leader killed", CheckInterval: time.Hour, CheckTimeout: time.Second})
	killed := time.Now()
	// With an hour between checks, only the wait on the connection can
	// notice the end of the session in time.
	if _, err := db.sql.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bantin leader killed'`); err != nil {
		t.Fatal(err)
	}
	select {
	case cause := <-lost:
		if !errors.Is(cause, ErrLeaderLockLost) {
			t.Fatalf("fn's context ended with %v, want ErrLeaderLockLost", cause)
		}
		t.Logf("loss noticed %s after pg_terminate_backend", time.Since(killed))
	case <-time.After(5 * time.Second):
		t.Fatal("the end of the lock's session went unnoticed")
	}
}

// TestLeaderLockLostWhenSessionSilent cuts the leader off the server
// through a proxy that stops forwarding, as a broken network does: the
// leader must give up within CheckInterval+CheckTimeout. The server still
// sees its side of the connection open, as it would until its keepalives
// give up, and keeps the lock until that connection closes.
func TestLeaderLockLostWhenSessionSilent(t *testing.T) {
	base := pgtest.URL(t)
	p := newBlackholeProxy(t, base)
	db := openLeaderTestDB(t, p.url)
	other := openLeaderTestDB(t, base)
	_, lost := holdLeader(t, db, quickLeader)

	cut := time.Now()
	p.cut.Store(true)
	select {
	case cause := <-lost:
		if !errors.Is(cause, ErrLeaderLockLost) {
			t.Fatalf("fn's context ended with %v, want ErrLeaderLockLost", cause)
		}
		took := time.Since(cut)
		t.Logf("silent session given up after %s", took)
		if limit := quickLeader.CheckInterval + quickLeader.CheckTimeout + time.Second; took > limit {
			t.Errorf("gave up after %s, want at most %s", took, limit)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a silent session was not given up")
	}

	if held, err := other.TryLeaderLock(context.Background(), quickLeader, func(context.Context) error { return nil }); held || err != nil {
		t.Fatalf("TryLeaderLock while the server keeps the old session = %v, %v; want false, nil", held, err)
	}
	p.closeUpstream() // the server's keepalives give up
	deadline := time.Now().Add(5 * time.Second)
	for {
		held, err := other.TryLeaderLock(context.Background(), quickLeader, func(context.Context) error { return nil })
		if held && err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lock was not freed when the server dropped the session: %v, %v", held, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLeaderSessionSettings: the server must drop a leader's session
// within about 2×CheckInterval once the leader stops answering.
func TestLeaderSessionSettings(t *testing.T) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if c.PgConn().Conn().RemoteAddr().Network() != "tcp" {
		t.Skip("keepalive settings read as 0 on a Unix socket")
	}
	setLeaderSession(ctx, c, LeaderOptions{Name: "bantin leader x", CheckInterval: 5 * time.Second}.withDefaults())
	for name, want := range map[string]string{
		"application_name":        "bantin leader x",
		"tcp_keepalives_idle":     "5",
		"tcp_keepalives_interval": "1",
		"tcp_keepalives_count":    "5",
		"tcp_user_timeout":        "10000",
	} {
		var got string
		if err := c.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestLeaderLockSQLiteAlwaysGranted(t *testing.T) {
	db := openLeaderTestDB(t, "sqlite://"+filepath.Join(t.TempDir(), "bantin.db"))
	for range 2 {
		ran := false
		held, err := db.TryLeaderLock(context.Background(), LeaderOptions{Settle: time.Hour}, func(context.Context) error {
			ran = true
			return nil
		})
		if !held || err != nil || !ran {
			t.Fatalf("TryLeaderLock on SQLite = %v, %v (fn ran: %v); want true, nil, at once", held, err, ran)
		}
	}
}

// blackholeProxy forwards TCP to the PostgreSQL server until cut, and then
// drops everything both ways without closing anything: a cable pulled.
type blackholeProxy struct {
	url string
	cut atomic.Bool

	mu       sync.Mutex
	upstream []net.Conn
}

func newBlackholeProxy(t *testing.T, rawURL string) *blackholeProxy {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.Host = ln.Addr().String()
	p := &blackholeProxy{url: u.String()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		p.closeUpstream()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				down.Close()
				continue
			}
			p.mu.Lock()
			p.upstream = append(p.upstream, up, down)
			p.mu.Unlock()
			wg.Go(func() { p.pipe(up, down) })
			wg.Go(func() { p.pipe(down, up) })
		}
	})
	return p
}

func (p *blackholeProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			dst.Close()
			return
		}
		if p.cut.Load() {
			continue
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			src.Close()
			return
		}
	}
}

// closeUpstream closes every connection, as the server does when its
// keepalives find the client gone.
func (p *blackholeProxy) closeUpstream() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.upstream {
		c.Close()
	}
	p.upstream = nil
}
