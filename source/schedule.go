package source

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/bantin/bantin/internal/cronspec"
)

// parseSchedule parses the feed schedule (sources.schedule) as the
// configuration check does.
func parseSchedule(spec string) (cron.Schedule, error) {
	sched, err := cronspec.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("source: feed schedule: %w", err)
	}
	return sched, nil
}

// Run polls every feed once at once, then at each time of schedule, a
// standard cron spec read in the poller's Location, until ctx is done; it
// then waits for polls in flight (each bounded by its timeout) and returns
// nil. A feed whose previous poll is still running when its next one is
// due is skipped that time. The only error is a bad schedule, reported
// before anything is polled.
func (p *Poller) Run(ctx context.Context, schedule string) error {
	sched, err := parseSchedule(schedule)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	// Each poll runs on its own so that a slow one does not delay the
	// schedule; the per-feed flags keep a feed from overlapping itself.
	poll := func() { wg.Go(func() { p.PollAll(ctx) }) }
	poll()
	for {
		next := p.nextPoll(sched, p.now())
		if next.IsZero() {
			// A spec that never fires again ("0 0 30 2 *"): nothing is
			// due, so only wait for the end.
			p.log.Warn("source: feed schedule never fires", "schedule", schedule)
			<-ctx.Done()
			return nil
		}
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
			poll()
		}
	}
}

// nextPoll returns the first time of sched after now, reading the spec's
// hours and days in the poller's Location whatever the server's zone is.
func (p *Poller) nextPoll(sched cron.Schedule, now time.Time) time.Time {
	return sched.Next(now.In(p.loc))
}
