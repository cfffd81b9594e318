package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBarDrawsOnTerminalOnly(t *testing.T) {
	clock := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }

	var tty bytes.Buffer
	b := newBar(&tty, "Nhập bài", true, now)
	clock = clock.Add(2 * time.Second)
	b.Set(50, 100)
	clock = clock.Add(2 * time.Second)
	b.Set(100, 100)
	b.Finish()
	out := tty.String()
	if !strings.Contains(out, "50/100") || !strings.Contains(out, "100/100") {
		t.Fatalf("terminal output lacks counts: %q", out)
	}
	if !strings.Contains(out, "25/s") || !strings.Contains(out, "ETA 2s") {
		t.Fatalf("terminal output lacks rate or ETA: %q", out)
	}
	if !strings.Contains(out, "[###############...............]") || !strings.HasSuffix(out, "\n") {
		t.Fatalf("bar not drawn half full or line not ended: %q", out)
	}

	var pipe bytes.Buffer
	p := newBar(&pipe, "Nhập bài", false, now)
	p.Set(1, 2)
	p.Finish()
	if pipe.Len() != 0 {
		t.Fatalf("bar wrote %q off a terminal", pipe.String())
	}
}

func TestBarThrottlesRedraws(t *testing.T) {
	clock := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	b := newBar(&out, "x", true, func() time.Time { return clock })
	for i := 1; i < 1000; i++ {
		b.Set(i, 1000)
	}
	if n := strings.Count(out.String(), "\r"); n != 1 {
		t.Fatalf("1,000 updates within one instant drew %d times, want 1", n)
	}
	b.Set(1000, 1000)
	if n := strings.Count(out.String(), "\r"); n != 2 {
		t.Fatalf("the last update was not drawn: %d draws", n)
	}
}
