package newsletter

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/store"
)

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	m.addQueued(3)
	m.observe(store.DeliverySent, false, 20*time.Millisecond)
	m.observe(store.DeliverySent, false, 2*time.Second)
	m.observe(store.DeliveryBounced, false, time.Millisecond)
	m.observe(store.DeliveryQueued, true, time.Second)
	m.addSkipped()
	var nilMetrics *Metrics
	nilMetrics.addQueued(1) // no metrics is fine

	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	body, _ := io.ReadAll(rec.Body)
	out := string(body)
	for _, want := range []string{
		"# TYPE bantin_digest_sent_total counter\nbantin_digest_sent_total 2\n",
		"bantin_digest_queued_total 3\n",
		"bantin_digest_bounced_total 1\n",
		"bantin_digest_failed_total 0\n",
		"bantin_digest_retried_total 1\n",
		"bantin_digest_skipped_total 1\n",
		"# TYPE bantin_digest_send_seconds histogram\n",
		`bantin_digest_send_seconds_bucket{le="0.005"} 1` + "\n",
		`bantin_digest_send_seconds_bucket{le="0.025"} 2` + "\n",
		`bantin_digest_send_seconds_bucket{le="1"} 3` + "\n",
		`bantin_digest_send_seconds_bucket{le="2.5"} 4` + "\n",
		`bantin_digest_send_seconds_bucket{le="+Inf"} 4` + "\n",
		"bantin_digest_send_seconds_sum 3.021\n",
		"bantin_digest_send_seconds_count 4\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "# HELP ") && !strings.HasPrefix(line, "# TYPE ") && strings.Count(line, " ") != 1 {
			t.Errorf("malformed sample line %q", line)
		}
	}
}

func TestMetricsGauges(t *testing.T) {
	m := NewMetrics()
	leading := 0.0
	m.AddGauge("bantin_leader", "1 while this instance leads.", func() float64 { return leading })
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	if out := scrape(); !strings.Contains(out, "# HELP bantin_leader 1 while this instance leads.\n# TYPE bantin_leader gauge\nbantin_leader 0\n") {
		t.Errorf("gauge missing or wrong:\n%s", out)
	}
	leading = 1
	if out := scrape(); !strings.Contains(out, "\nbantin_leader 1\n") {
		t.Errorf("gauge not read at scrape time:\n%s", out)
	}
}
