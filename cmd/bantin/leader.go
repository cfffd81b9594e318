package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/bantin/bantin/cluster"
	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
)

// leaderWork is the part of bantin serve that must run once per database,
// on the elected leader only: cutting digest editions, polling upstream
// feeds and importing the articles directory. Run on several instances
// they would race each other for nothing, and the importers would read
// every file N times.
type leaderWork struct {
	names []string
	fns   []func(context.Context) error
}

func (l *leaderWork) add(name string, fn func(context.Context) error) {
	l.names = append(l.names, name)
	l.fns = append(l.fns, fn)
}

// run runs every part until ctx is done, and returns nil then. A part that
// fails stops the others and run returns its error, as in serve: the
// leader never leads half-alive.
func (l *leaderWork) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for i, fn := range l.fns {
		wg.Go(func() {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				errOnce.Do(func() { firstErr = fmt.Errorf("%s: %w", l.names[i], err) })
				cancel()
			}
		})
	}
	wg.Wait()
	return firstErr
}

// newElector returns the daemon's elector, its leadership shown on
// /metrics as bantin_leader.
func newElector(db *store.DB, metrics *newsletter.Metrics, logger *slog.Logger) *cluster.Elector {
	e := cluster.New(db, cluster.Options{Logger: logger})
	metrics.AddGauge("bantin_leader", "1 while this instance is the leader: it cuts editions, polls upstream feeds, imports articles.dir and pings the WebSub hub.",
		func() float64 {
			if e.IsLeader() {
				return 1
			}
			return 0
		})
	return e
}
