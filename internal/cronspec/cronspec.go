// Package cronspec owns reading the cron specs of bantin's configuration
// (sources.schedule, newsletter.daily, newsletter.weekly), so that the
// configuration check, the feed poller and the edition scheduler accept
// and refuse the same specs, with the same messages.
package cronspec

import (
	"fmt"
	"strings"

	"github.com/robfig/cron/v3"
)

// Parse parses spec with robfig/cron's standard parser: five fields
// (minute hour day-of-month month day-of-week), a descriptor such as
// @hourly or @every 15m, and an optional CRON_TZ= or TZ= prefix naming the
// zone. The caller decides the zone of a spec without one: the schedule
// reads times in the zone of the time given to Next.
//
// The parser panics on some malformed specs (a TZ= prefix with nothing
// after it slices out of range); the panic is recovered and returned as an
// error, so that a bad configuration is reported, not a crash. Every error
// quotes spec.
func Parse(spec string) (sched cron.Schedule, err error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("invalid cron spec %q: empty; one is required, such as */10 * * * * or @hourly", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("invalid cron spec %q (the parser failed: %v)", spec, r)
		}
	}()
	sched, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid cron spec %q: %w", spec, err)
	}
	return sched, nil
}
