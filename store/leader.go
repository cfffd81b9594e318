package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Several bantin serve processes on one PostgreSQL database elect a
// leader, the one instance that runs the work that must run once (package
// cluster decides what). Leadership is a session-level advisory lock held
// on a connection of its own for as long as the instance leads: PostgreSQL
// releases it the moment that session ends, whether the process stopped,
// was killed or lost the network, so no lease has to be renewed and no
// row can be left claimed by a dead process.

// leaderLockClass is the first half of the leader lock's key. It is the
// two-int form of advisory locks, whose key space is apart from the
// one-bigint form of migrationLockID, so the two can never collide. The
// second half is hashtext(current_schema()): advisory locks are per
// database, not per schema, and two sites (or two test runs) in two
// schemas of one database each need their own leader. Two schemas whose
// names hash alike (one chance in four billion) would share one leader:
// one of them would wait, never both lead.
const leaderLockClass int32 = 0x62746c64 // "btld"

// ErrLeaderLockLost is the cause of the context given to the function of
// TryLeaderLock when the lock's session was found dead: another instance
// may take the lock, so the work of the leader must stop.
var ErrLeaderLockLost = errors.New("store: leader lock lost")

// Defaults of LeaderOptions.
const (
	DefaultLeaderCheck        = 5 * time.Second
	DefaultLeaderCheckTimeout = 2 * time.Second
)

// LeaderOptions configure TryLeaderLock.
type LeaderOptions struct {
	// Name is set as the application_name of the lock's session once the
	// lock is taken, so that pg_stat_activity shows which instance leads.
	Name string
	// CheckInterval is how long the lock's session may stay silent before
	// it is checked with a round trip; 0 is DefaultLeaderCheck. The server
	// is told to drop the session after 2×CheckInterval without an answer
	// from its client (TCP keepalives), which frees the lock when the
	// leader's host is cut off rather than killed.
	CheckInterval time.Duration
	// CheckTimeout bounds the round trip; 0 is DefaultLeaderCheckTimeout.
	// It is kept to at most half of CheckInterval, so that a leader cut off
	// from the server gives up (after CheckInterval+CheckTimeout at most)
	// before the server drops its session and another instance can lead.
	CheckTimeout time.Duration
	// Settle is how long to hold the lock, watching it, before calling the
	// function: the time a leader whose session ended without it noticing
	// at once (a server restart) needs to find out and stop. 0 waits not.
	Settle time.Duration
	// Logger hears about session settings that could not be made; nil
	// discards.
	Logger *slog.Logger
}

func (o LeaderOptions) withDefaults() LeaderOptions {
	if o.CheckInterval <= 0 {
		o.CheckInterval = DefaultLeaderCheck
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = DefaultLeaderCheckTimeout
	}
	o.CheckTimeout = min(o.CheckTimeout, o.CheckInterval/2)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// TryLeaderLock tries once to take the leader lock. When another instance
// holds it, it returns false and a nil error at once. When it gets it, it
// waits o.Settle, then calls fn and holds the lock until fn returns, and
// returns true with fn's error. fn's context is cancelled when ctx is, or
// with the cause ErrLeaderLockLost as soon as the lock's session is found
// dead: fn must then stop the leader's work promptly, since another
// instance may already be taking over. An error with false means the lock
// could not be tried (the database is unreachable) or was lost while
// settling; fn was not called.
//
// The lock's session is a connection of its own, not counted against
// database.max_open_conns. When fn returns the lock is unlocked and the
// session closed rather than given back to the pool, where it could keep
// the lock if the unlock failed.
//
// On SQLite the lock is always granted and fn called at once: a SQLite
// file is served by one bantin serve process (several instances are only
// supported on PostgreSQL), so that process is the only candidate; the
// commands run beside it (import, digest send) never take the lock.
func (db *DB) TryLeaderLock(ctx context.Context, o LeaderOptions, fn func(context.Context) error) (held bool, err error) {
	if db.dialect.name() != "postgres" {
		return true, fn(ctx)
	}
	o = o.withDefaults()
	actx, cancel := context.WithTimeout(ctx, o.CheckInterval)
	conn, err := db.sql.Conn(actx)
	cancel()
	if err != nil {
		return false, fmt.Errorf("store: leader lock: %w", err)
	}
	defer conn.Close()
	rawErr := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			err = fmt.Errorf("store: leader lock: the PostgreSQL driver is not pgx: got %T", dc)
			return nil
		}
		var locked bool
		locked, held, err = db.leadOn(ctx, sc.Conn(), o, fn)
		if locked || err != nil {
			// The session goes whatever the unlock did, since ending it
			// is sure to free the lock. A try that failed midway may
			// have taken the lock unseen, or left the connection
			// broken: that one goes too.
			return driver.ErrBadConn
		}
		return nil
	})
	if err == nil && rawErr != nil && !errors.Is(rawErr, driver.ErrBadConn) {
		err = rawErr
	}
	return held, err
}

// leadOn tries the lock on c and, when it is taken, runs fn under it. It
// says whether the lock was taken and whether fn ran.
func (db *DB) leadOn(ctx context.Context, c *pgx.Conn, o LeaderOptions, fn func(context.Context) error) (locked, ran bool, err error) {
	tctx, cancel := context.WithTimeout(ctx, o.CheckInterval)
	defer cancel()
	err = c.QueryRow(tctx, `SELECT pg_try_advisory_lock($1, hashtext(coalesce(current_schema(), '')))`,
		leaderLockClass).Scan(&locked)
	if err != nil {
		return false, false, fmt.Errorf("store: leader lock: %w", err)
	}
	if !locked {
		return false, false, nil
	}
	db.holdConns(1)
	defer db.holdConns(-1)
	setLeaderSession(tctx, c, o)
	cancel()

	held, release := context.WithCancelCause(ctx)
	defer release(nil)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if err := watchLeaderSession(held, c, o); err != nil {
			release(fmt.Errorf("%w: %w", ErrLeaderLockLost, err))
		}
	}()
	// The watcher owns c from here on; it stops before c is unlocked and
	// closed.
	defer func() {
		release(nil)
		<-watched
		// Closing the session frees the lock too, but the server ends
		// the session a moment after the client hangs up: unlocking
		// first hands over at once, and makes "fn returned" mean "the
		// lock is free" for whoever tries next.
		if !c.IsClosed() {
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.CheckTimeout)
			_, _ = c.Exec(uctx, `SELECT pg_advisory_unlock($1, hashtext(coalesce(current_schema(), '')))`, leaderLockClass)
			cancel()
		}
	}()

	if o.Settle > 0 {
		t := time.NewTimer(o.Settle)
		select {
		case <-t.C:
		case <-held.Done():
		}
		t.Stop()
	}
	if held.Err() != nil {
		if ctx.Err() != nil {
			return true, false, nil
		}
		return true, false, context.Cause(held)
	}
	return true, true, fn(held)
}

// setLeaderSession names the lock's session and makes the server drop it
// (and so free the lock) within about 2×CheckInterval once its client
// stops answering. Without that, a leader whose host vanished from the
// network would keep the lock for the operating system's default
// keepalive time, two hours on Linux. Failures are logged and otherwise
// ignored: the settings speed up failover; the lock is held either way.
// They are session settings, dropped with the session.
func setLeaderSession(ctx context.Context, c *pgx.Conn, o LeaderOptions) {
	dead := 2 * o.CheckInterval
	secs := func(d time.Duration) string { return strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))) }
	settings := [][2]string{
		{"application_name", o.Name},
		// Probes start after half the allowance and five unanswered ones
		// fill the other half.
		{"tcp_keepalives_idle", secs(dead / 2)},
		{"tcp_keepalives_interval", secs(dead / 10)},
		{"tcp_keepalives_count", "5"},
		// Covers the case keepalives do not: the server's own data (an
		// answer) left unacknowledged. Linux only; refused elsewhere.
		{"tcp_user_timeout", strconv.FormatInt(max(1000, dead.Milliseconds()), 10)},
	}
	for _, s := range settings {
		if s[0] == "application_name" && s[1] == "" {
			continue
		}
		if _, err := c.Exec(ctx, "SELECT set_config($1, $2, false)", s[0], s[1]); err != nil {
			o.Logger.Warn("store: leader lock: session setting not made; failover after a network loss may be slower",
				"setting", s[0], "err", err)
			if c.IsClosed() || ctx.Err() != nil {
				return
			}
		}
	}
}

// watchLeaderSession returns nil when ctx is done, or why the lock's
// session is dead. It waits on the connection, so a session the server
// ended (an administrator's pg_terminate_backend, a shutdown) is noticed
// at once; a silent one is checked with a round trip every
// CheckInterval, which finds a broken network within
// CheckInterval+CheckTimeout.
func watchLeaderSession(ctx context.Context, c *pgx.Conn, o LeaderOptions) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, o.CheckInterval)
		_, err := c.WaitForNotification(wctx)
		idle := wctx.Err() != nil
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil:
			// A notification (nothing LISTENs on this session, but
			// one would show the session alive).
			continue
		case !idle || c.IsClosed():
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, o.CheckTimeout)
		err = c.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("check the lock's session: %w", err)
		}
	}
}
