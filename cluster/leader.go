// Package cluster lets several bantin serve processes share one PostgreSQL
// database. It owns leader election: of all the instances, exactly one,
// the leader, runs the work that must happen once (in bantin serve:
// cutting digest editions, polling upstream feeds, importing the articles
// directory), and when the leader stops, dies or is cut off, another
// instance takes over. What the leader does is the caller's lead
// function; the work every instance does (serving HTTP, delivering, the
// share service) needs no leader and is not this package's concern.
//
// The election is the store's leader lock (store.DB.TryLeaderLock), a
// PostgreSQL advisory lock held on a session of its own. On SQLite, whose
// file is served by a single process, that process always leads.
//
// Leadership is not a fence: an instance that has just lost its session
// may run its last statements while the next leader starts. The takeover
// delay makes that unlikely, and the leader's work is idempotent anyway
// (an edition is cut once per tick whoever tries; saving an article
// twice saves it once), so an overlap costs duplicate effort, never a
// duplicate edition.
package cluster

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bantin/bantin/store"
)

// Defaults of Options. With them a leader that is killed or stops is
// replaced within RetryInterval+TakeoverDelay (12 s), and one cut off
// from the network within 2×CheckInterval+RetryInterval+TakeoverDelay
// (22 s): the server drops the dead session after 2×CheckInterval.
const (
	DefaultRetryInterval = 5 * time.Second
	DefaultCheckInterval = store.DefaultLeaderCheck
	DefaultCheckTimeout  = store.DefaultLeaderCheckTimeout
)

// Options configure an Elector.
type Options struct {
	// ID names this instance in logs and in pg_stat_activity's
	// application_name of the lock's session ("bantin leader ID"); ""
	// is the host name and process id.
	ID string
	// RetryInterval is how often an instance that does not lead tries
	// the lock; 0 is DefaultRetryInterval.
	RetryInterval time.Duration
	// CheckInterval is how long the leader's session may stay silent
	// before it is checked; 0 is DefaultCheckInterval. See
	// store.LeaderOptions.
	CheckInterval time.Duration
	// CheckTimeout bounds a check; 0 is DefaultCheckTimeout, and it is
	// kept to at most half of CheckInterval.
	CheckTimeout time.Duration
	// TakeoverDelay is how long a new leader holds the lock before it
	// starts leading, so that a previous leader whose session ended
	// unnoticed has found out and stopped: 0 is CheckInterval +
	// CheckTimeout, the longest that takes; negative starts at once. It
	// only applies on PostgreSQL.
	TakeoverDelay time.Duration
	// Logger hears leadership changes; nil discards.
	Logger *slog.Logger
}

// Elector runs a lead function on one instance at a time. Its methods are
// safe for concurrent use, but Run must run only once at a time.
type Elector struct {
	db      *store.DB
	o       Options
	log     *slog.Logger
	leading atomic.Bool
}

// New returns an Elector that elects through db's leader lock.
func New(db *store.DB, o Options) *Elector {
	if o.ID == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "bantin"
		}
		o.ID = host + ":" + strconv.Itoa(os.Getpid())
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = DefaultRetryInterval
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = DefaultCheckInterval
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = DefaultCheckTimeout
	}
	o.CheckTimeout = min(o.CheckTimeout, o.CheckInterval/2)
	switch {
	case o.TakeoverDelay == 0:
		o.TakeoverDelay = o.CheckInterval + o.CheckTimeout
	case o.TakeoverDelay < 0:
		o.TakeoverDelay = 0
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Elector{db: db, o: o, log: log}
}

// ID returns the name of this instance.
func (e *Elector) ID() string { return e.o.ID }

// IsLeader reports whether this instance is leading: its lead function
// is running.
func (e *Elector) IsLeader() bool { return e.leading.Load() }

// Run takes part in the election until ctx is done, and returns nil then.
// It tries the lock at once and then every RetryInterval; once it has the
// lock (and the takeover delay has passed) it calls lead with a context
// that is cancelled when ctx is or when the lock is lost. When lead
// returns, the lock is released and Run goes back to trying, after
// RetryInterval so that another instance gets its chance.
//
// lead should run until its context is done and then stop promptly. An
// error from lead while the lock is held is not retried: Run releases
// the lock and returns it, so that the process stops whole rather than
// lead again and fail again, and another instance takes over.
func (e *Elector) Run(ctx context.Context, lead func(context.Context) error) error {
	o := store.LeaderOptions{
		Name:          "bantin leader " + e.o.ID,
		CheckInterval: e.o.CheckInterval,
		CheckTimeout:  e.o.CheckTimeout,
		Settle:        e.o.TakeoverDelay,
		Logger:        e.log,
	}
	unreachable := false
	for {
		held, err := e.db.TryLeaderLock(ctx, o, func(ctx context.Context) error { return e.lead(ctx, lead) })
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case held && err != nil:
			return err
		case err != nil && errors.Is(err, store.ErrLeaderLockLost):
			e.log.Warn("cluster: leader lock lost before leading; trying again", "instance", e.o.ID, "err", err)
		case err != nil:
			// Every instance logs this while the database is away: once
			// per outage is enough.
			if !unreachable {
				e.log.Warn("cluster: cannot try the leader lock; trying again", "instance", e.o.ID,
					"retry_every", e.o.RetryInterval, "err", err)
			}
			unreachable = true
		default:
			if unreachable {
				e.log.Info("cluster: leader lock reachable again", "instance", e.o.ID)
			}
			unreachable = false
		}
		t := time.NewTimer(e.o.RetryInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// lead runs lead as the leader and says why leading stopped.
func (e *Elector) lead(ctx context.Context, lead func(context.Context) error) error {
	e.log.Info("cluster: leading", "instance", e.o.ID)
	began := time.Now()
	e.leading.Store(true)
	err := lead(ctx)
	// Only now, with the leader's work stopped, does this instance stop
	// counting as the leader; the lock is released after this returns.
	e.leading.Store(false)
	led := time.Since(began).Round(time.Millisecond)
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, store.ErrLeaderLockLost):
		e.log.Warn("cluster: leadership lost; stopped leading", "instance", e.o.ID, "led_for", led, "err", cause)
		return nil
	case ctx.Err() != nil:
		e.log.Info("cluster: stopped leading", "instance", e.o.ID, "led_for", led)
		return nil
	case err != nil:
		e.log.Info("cluster: stopped leading: the leader's work failed", "instance", e.o.ID, "led_for", led)
		return err
	default:
		e.log.Info("cluster: stopped leading: the leader's work ended", "instance", e.o.ID, "led_for", led)
		return nil
	}
}
