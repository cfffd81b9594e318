package newsletter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/bantin/bantin/internal/cronspec"
	"github.com/bantin/bantin/store"
)

// Schedule is when one cadence's editions are cut.
type Schedule struct {
	Cadence string
	// Key is the configuration key the schedule came from, for messages.
	Key  string
	When cron.Schedule
}

// ParseSchedule parses spec, a cron spec (minute hour day-of-month month
// day-of-week, or a descriptor such as @daily), whose times are in loc
// unless the spec names its own zone (CRON_TZ=). It accepts what the
// configuration check does (internal/cronspec); its errors name the
// configuration key the spec came from.
func ParseSchedule(key, spec string, loc *time.Location) (cron.Schedule, error) {
	parsed, err := cronspec.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return inZone{parsed, loc}, nil
}

// inZone reads a cron schedule in a time zone: robfig/cron computes the
// next time in the zone of the time it is given.
type inZone struct {
	s   cron.Schedule
	loc *time.Location
}

func (z inZone) Next(t time.Time) time.Time { return z.s.Next(t.In(z.loc)) }

// Every returns a schedule that ticks every d, at multiples of d since the
// Unix epoch (so every 10 minutes is at :00, :10, ...), for instant
// editions.
func Every(d time.Duration) cron.Schedule { return every(d) }

type every time.Duration

func (e every) Next(t time.Time) time.Time {
	d := time.Duration(e)
	return t.Truncate(d).Add(d)
}

// TickStore is what the scheduler keeps in the store.
type TickStore interface {
	EditionTick(ctx context.Context, cadence string) (store.EditionTick, error)
	SetLastTick(ctx context.Context, cadence string, t time.Time) error
}

// SchedulerOptions configures a Scheduler.
type SchedulerOptions struct {
	// Planned is called after an edition has been planned, to wake the
	// delivery workers; nil calls nothing.
	Planned func(*store.Edition)
	// RetryAfter is how long to wait after planning failed before trying
	// the same tick again; 0 is a minute.
	RetryAfter time.Duration
	Logger     *slog.Logger
	// Now returns the current time; nil is time.Now. For tests.
	Now func() time.Time
}

// Scheduler cuts editions at their schedules' ticks.
//
// A tick is handled once: the last one handled is kept in the store per
// cadence. When the process starts after downtime, the ticks it missed
// are not replayed one by one (a subscriber would get several editions in
// a row, as listmonk #1801 did): only the latest missed tick gets an
// edition, and since every recipient's window starts at their own last
// edition, it covers the whole gap. On the very first start there is no
// last tick and nothing is caught up: the first edition comes at the next
// tick.
type Scheduler struct {
	planner   *Planner
	ticks     TickStore
	schedules []Schedule
	o         SchedulerOptions
	log       *slog.Logger
}

// NewScheduler returns a Scheduler for schedules.
func NewScheduler(planner *Planner, ticks TickStore, schedules []Schedule, o SchedulerOptions) *Scheduler {
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{planner: planner, ticks: ticks, schedules: schedules, o: o, log: log}
}

// Run handles ticks until ctx is done. Failures to plan are logged and
// retried; Run returns only ctx's error.
func (s *Scheduler) Run(ctx context.Context) error {
	done := make(chan struct{}, len(s.schedules))
	for _, sc := range s.schedules {
		go func() {
			s.runCadence(ctx, sc)
			done <- struct{}{}
		}()
	}
	for range s.schedules {
		<-done
	}
	return ctx.Err()
}

func (s *Scheduler) runCadence(ctx context.Context, sc Schedule) {
	var last time.Time
	for {
		st, err := s.ticks.EditionTick(ctx, sc.Cadence)
		if err == nil && st.Last.IsZero() {
			last = s.o.Now()
			err = s.ticks.SetLastTick(ctx, sc.Cadence, last)
		}
		if err == nil {
			if last.IsZero() {
				last = st.Last
			}
			break
		}
		s.log.Error("reading the schedule state failed", "cadence", sc.Cadence, "err", err)
		if !waitFor(ctx, s.o.RetryAfter) {
			return
		}
	}
	for {
		tick := latestTick(sc.When, last, s.o.Now())
		if tick.IsZero() {
			next := sc.When.Next(last)
			if next.IsZero() {
				s.log.Warn("schedule never fires again", "key", sc.Key)
				<-ctx.Done()
				return
			}
			if !waitFor(ctx, next.Sub(s.o.Now())) {
				return
			}
			continue
		}
		if err := s.handle(ctx, sc, tick); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("planning an edition failed; trying again", "cadence", sc.Cadence, "tick", tick,
				"retry_in", s.o.RetryAfter, "err", err)
			if !waitFor(ctx, s.o.RetryAfter) {
				return
			}
			continue
		}
		last = tick
	}
}

// latestTick returns the last tick of when after last and no later than
// now, or the zero time if there is none yet.
func latestTick(when cron.Schedule, last, now time.Time) time.Time {
	var tick time.Time
	// Bounded: a year of downtime is 52,560 ticks of ten minutes.
	for t, n := when.Next(last), 0; !t.IsZero() && !t.After(now) && n < 1_000_000; t, n = when.Next(t), n+1 {
		tick = t
	}
	return tick
}

// handle plans the edition of sc at tick, unless it is skipped, and records
// the tick as handled.
func (s *Scheduler) handle(ctx context.Context, sc Schedule, tick time.Time) error {
	st, err := s.ticks.EditionTick(ctx, sc.Cadence)
	if err != nil {
		return err
	}
	if !tick.After(st.SkipThrough) {
		s.log.Info("edition skipped by an operator", "cadence", sc.Cadence, "tick", tick)
		return s.ticks.SetLastTick(ctx, sc.Cadence, tick)
	}
	e, err := s.planner.PlanScheduled(ctx, sc.Cadence, tick)
	switch {
	case errors.Is(err, ErrNothingNew):
		s.log.Info("nothing new: no edition", "cadence", sc.Cadence, "tick", tick)
	case errors.Is(err, ErrAlreadyPlanned):
		s.log.Info("edition planned by another instance", "cadence", sc.Cadence, "tick", tick)
	case err != nil:
		return err
	default:
		if s.o.Planned != nil {
			s.o.Planned(e)
		}
		if e.Until.Before(tick) {
			// A half-planned edition was finished; this tick still needs
			// its own.
			return s.handle(ctx, sc, tick)
		}
	}
	return s.ticks.SetLastTick(ctx, sc.Cadence, tick)
}

// waitFor waits for d or until ctx is done, and reports whether it was d.
func waitFor(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
