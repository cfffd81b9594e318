package cronspec

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestParse(t *testing.T) {
	from := time.Date(2026, 4, 10, 5, 3, 0, 0, time.UTC) // a Friday
	tests := []struct {
		spec string
		next time.Time // zero: want an error
		err  string
	}{
		{"*/10 * * * *", time.Date(2026, 4, 10, 5, 10, 0, 0, time.UTC), ""},
		{"0 6 * * *", time.Date(2026, 4, 10, 6, 0, 0, 0, time.UTC), ""},
		{"0 6 * * 1", time.Date(2026, 4, 13, 6, 0, 0, 0, time.UTC), ""},
		{"@hourly", time.Date(2026, 4, 10, 6, 0, 0, 0, time.UTC), ""},
		{"@every 15m", time.Date(2026, 4, 10, 5, 18, 0, 0, time.UTC), ""},
		{"CRON_TZ=Asia/Ho_Chi_Minh 0 13 * * *", time.Date(2026, 4, 10, 6, 0, 0, 0, time.UTC), ""},
		{"TZ=Asia/Ho_Chi_Minh 0 13 * * *", time.Date(2026, 4, 10, 6, 0, 0, 0, time.UTC), ""},

		{"", time.Time{}, `invalid cron spec "": empty`},
		{" \t", time.Time{}, `invalid cron spec " \t": empty`},
		{"0 25 * * *", time.Time{}, `invalid cron spec "0 25 * * *": end of range (25) above maximum (23)`},
		{"0 0 * * 7/0", time.Time{}, `invalid cron spec "0 0 * * 7/0": beginning of range (7) beyond end of range (6)`},
		{"0 */10 * * * *", time.Time{}, "expected exactly 5 fields"},
		{"every monday", time.Time{}, `invalid cron spec "every monday"`},
		{"@fortnightly", time.Time{}, "unrecognized descriptor"},
		{"@every", time.Time{}, `invalid cron spec "@every"`},
		{"CRON_TZ=Nowhere/City 0 * * * *", time.Time{}, "provided bad location Nowhere/City"},
		// The parser panics on these; see TestParserStillPanics.
		{"TZ=UTC", time.Time{}, `invalid cron spec "TZ=UTC" (the parser failed: runtime error: slice bounds out of range`},
		{"CRON_TZ=", time.Time{}, `invalid cron spec "CRON_TZ=" (the parser failed:`},
	}
	for _, tt := range tests {
		sched, err := Parse(tt.spec)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || sched != nil {
				t.Errorf("Parse(%q) = %v, %v; want an error with %q", tt.spec, sched, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.spec, err)
			continue
		}
		if got := sched.Next(from); !got.Equal(tt.next) {
			t.Errorf("Parse(%q).Next(%v) = %v, want %v", tt.spec, from, got, tt.next)
		}
	}
}

// TestParserStillPanics proves the recover in Parse is needed: robfig/cron
// v3.0.1 panics on a TZ prefix with no fields after it.
func TestParserStillPanics(t *testing.T) {
	for _, spec := range []string{"TZ=UTC", "CRON_TZ=Asia/Ho_Chi_Minh"} {
		panicked := func() (p bool) {
			defer func() { p = recover() != nil }()
			_, _ = cron.ParseStandard(spec)
			return false
		}()
		if !panicked {
			t.Logf("cron.ParseStandard(%q) no longer panics; the recover in Parse may be unneeded", spec)
		}
	}
}

// FuzzParse: no spec panics, and every one gives a schedule or an error
// that quotes it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"*/10 * * * *", "@every 15m", "@hourly", "TZ=UTC", "CRON_TZ=", "CRON_TZ=Asia/Ho_Chi_Minh 0 6 * * *", "0 0 30 2 *", "61 * * * *", "@every -1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		sched, err := Parse(spec)
		if (sched == nil) == (err == nil) {
			t.Fatalf("Parse(%q) = %v, %v", spec, sched, err)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%q", spec)) {
			t.Fatalf("Parse(%q) error %q does not quote the spec", spec, err)
		}
	})
}
