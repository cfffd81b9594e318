// Package progress owns the progress bar that long CLI commands draw on a
// terminal. Off a terminal it stays silent, so logs and pipes get only the
// command's summary.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Bar draws "label [#####.....] done/total rate ETA" on one line.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	total   int
	done    int
	start   time.Time
	last    time.Time
	now     func() time.Time
	enabled bool
}

// New returns a bar writing to w. It draws only when w is a terminal.
func New(w io.Writer, label string) *Bar {
	enabled := false
	if f, ok := w.(*os.File); ok {
		enabled = term.IsTerminal(int(f.Fd()))
	}
	return newBar(w, label, enabled, time.Now)
}

func newBar(w io.Writer, label string, enabled bool, now func() time.Time) *Bar {
	return &Bar{w: w, label: label, enabled: enabled, now: now, start: now()}
}

// Set records progress. It redraws at most ten times a second, and always
// for the last item, so that a fast loop is not slowed by the terminal.
func (b *Bar) Set(done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done, b.total = done, total
	if !b.enabled {
		return
	}
	t := b.now()
	if done < total && t.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = t
	fmt.Fprint(b.w, "\r"+b.line(t)+"\x1b[K")
}

// Finish ends the bar's line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.enabled {
		fmt.Fprint(b.w, "\r"+b.line(b.now())+"\x1b[K\n")
	}
}

func (b *Bar) line(t time.Time) string {
	const width = 30
	filled := 0
	if b.total > 0 {
		filled = b.done * width / b.total
	}
	elapsed := t.Sub(b.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(b.done) / elapsed
	}
	eta := "--"
	if rate > 0 && b.total >= b.done {
		eta = (time.Duration(float64(b.total-b.done)/rate) * time.Second).Round(time.Second).String()
	}
	return fmt.Sprintf("%s [%s%s] %d/%d %.0f/s ETA %s", b.label,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), b.done, b.total, rate, eta)
}
