package newsletter

import (
	"bufio"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bantin/bantin/store"
)

// Metrics counts what delivery does, for Prometheus. It writes the text
// exposition format 0.0.4 itself: five series do not justify the client
// library and its dependencies. The zero value is not usable; use
// NewMetrics. It is safe for concurrent use.
type Metrics struct {
	queued, sent, failed, bounced, skipped, retried atomic.Uint64
	latency                                         histogram

	// gauges are the daemon's other series, written after delivery's.
	gaugesMu sync.Mutex
	gauges   []gauge
}

// gauge is a series whose value is read at each scrape.
type gauge struct {
	name, help string
	value      func() float64
}

// NewMetrics returns zeroed metrics.
func NewMetrics() *Metrics {
	return &Metrics{latency: newHistogram([]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})}
}

// The methods below accept a nil *Metrics, so that code paths without
// metrics (the CLI) need no checks.

func (m *Metrics) addQueued(n int) {
	if m != nil {
		m.queued.Add(uint64(n))
	}
}

func (m *Metrics) observe(status string, retry bool, d time.Duration) {
	if m == nil {
		return
	}
	switch {
	case status == store.DeliverySent:
		m.sent.Add(1)
	case status == store.DeliveryBounced:
		m.bounced.Add(1)
	case status == store.DeliveryFailed:
		m.failed.Add(1)
	case retry:
		m.retried.Add(1)
	}
	m.latency.observe(d.Seconds())
}

func (m *Metrics) addSkipped() {
	if m != nil {
		m.skipped.Add(1)
	}
}

// AddGauge adds a gauge, read from value at each scrape, to what ServeHTTP
// writes: for the state of the daemon beyond delivery (bantin_leader), so
// that one endpoint serves all of it. name must be a valid Prometheus
// metric name, not one of Metrics' own; value must be quick and safe for
// concurrent use.
func (m *Metrics) AddGauge(name, help string, value func() float64) {
	m.gaugesMu.Lock()
	defer m.gaugesMu.Unlock()
	m.gauges = append(m.gauges, gauge{name: name, help: help, value: value})
}

// ServeHTTP writes the metrics in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriter(w)
	counter := func(name, help string, v uint64) {
		bw.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n")
		bw.WriteString(name + " " + strconv.FormatUint(v, 10) + "\n")
	}
	counter("bantin_digest_queued_total", "Digest deliveries queued.", m.queued.Load())
	counter("bantin_digest_sent_total", "Digests the SMTP server accepted.", m.sent.Load())
	counter("bantin_digest_failed_total", "Digests given up on: attempts or age exhausted, or refused for a reason other than the address.", m.failed.Load())
	counter("bantin_digest_bounced_total", "Digests refused for their address (5xx).", m.bounced.Load())
	counter("bantin_digest_retried_total", "Digest sends that failed temporarily and were queued again.", m.retried.Load())
	counter("bantin_digest_skipped_total", "Digest deliveries not sent: the subscriber left, or nothing was new for them.", m.skipped.Load())
	m.latency.write(bw, "bantin_digest_send_seconds", "Time to hand one digest to the SMTP server, whatever the outcome.")
	m.gaugesMu.Lock()
	gauges := m.gauges[:len(m.gauges):len(m.gauges)]
	m.gaugesMu.Unlock()
	for _, g := range gauges {
		bw.WriteString("# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n")
		bw.WriteString(g.name + " " + strconv.FormatFloat(g.value(), 'g', -1, 64) + "\n")
	}
	_ = bw.Flush()
}

// histogram is a Prometheus histogram with fixed buckets.
type histogram struct {
	bounds []float64
	counts []atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	sum    atomic.Uint64   // float64 bits
}

func newHistogram(bounds []float64) histogram {
	return histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	h.counts[i].Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func (h *histogram) write(w *bufio.Writer, name, help string) {
	w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n")
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		w.WriteString(name + `_bucket{le="` + strconv.FormatFloat(b, 'g', -1, 64) + `"} ` + strconv.FormatUint(cum, 10) + "\n")
	}
	cum += h.counts[len(h.bounds)].Load()
	w.WriteString(name + `_bucket{le="+Inf"} ` + strconv.FormatUint(cum, 10) + "\n")
	w.WriteString(name + "_sum " + strconv.FormatFloat(math.Float64frombits(h.sum.Load()), 'g', -1, 64) + "\n")
	w.WriteString(name + "_count " + strconv.FormatUint(cum, 10) + "\n")
}
