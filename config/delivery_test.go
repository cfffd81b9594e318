package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateEditionsAndDelivery(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		key    string
		reason string // substring of the reason
	}{
		{"daily empty", func(c *Config) { c.Newsletter.Daily = " " }, "newsletter.daily", "required"},
		{"daily bad", func(c *Config) { c.Newsletter.Daily = "0 25 * * *" }, "newsletter.daily", `invalid cron spec "0 25 * * *"`},
		{"daily panics the parser", func(c *Config) { c.Newsletter.Daily = "CRON_TZ=" }, "newsletter.daily", "invalid cron spec"},
		{"weekly bad", func(c *Config) { c.Newsletter.Weekly = "every monday" }, "newsletter.weekly", "invalid cron spec"},
		{"instant window short", func(c *Config) { c.Newsletter.InstantWindow = 30 * time.Second }, "newsletter.instant_window", "between 1m and 24h, not 30s"},
		{"instant window long", func(c *Config) { c.Newsletter.InstantWindow = 25 * time.Hour }, "newsletter.instant_window", "between 1m and 24h"},
		{"max articles zero", func(c *Config) { c.Newsletter.MaxArticles = 0 }, "newsletter.max_articles", "between 1 and 500, not 0"},
		{"workers zero", func(c *Config) { c.Delivery.Workers = 0 }, "delivery.workers", "between 1 and 256, not 0"},
		{"workers many", func(c *Config) { c.Delivery.Workers = 257 }, "delivery.workers", "not 257"},
		{"batch size", func(c *Config) { c.Delivery.BatchSize = 20000 }, "delivery.batch_size", "between 1 and 10000"},
		{"record every zero", func(c *Config) { c.Delivery.RecordEvery = 0 }, "delivery.record_every", "between 1 and 1000"},
		{"record every above bound", func(c *Config) { c.Delivery.RecordEvery, c.Delivery.MaxUnrecorded = 100, 50 }, "delivery.record_every", "at most delivery.max_unrecorded (50), not 100"},
		{"max unrecorded zero", func(c *Config) { c.Delivery.MaxUnrecorded = 0 }, "delivery.max_unrecorded", "between 1 and 100000"},
		{"max attempts", func(c *Config) { c.Delivery.MaxAttempts = 0 }, "delivery.max_attempts", "between 1 and 100"},
		{"max age", func(c *Config) { c.Delivery.MaxAge = time.Second }, "delivery.max_age", "at least 1m0s"},
		{"backoff", func(c *Config) { c.Delivery.Backoff = 100 * time.Millisecond }, "delivery.backoff", "at least 1s"},
		{"lease", func(c *Config) { c.Delivery.Lease = time.Second }, "delivery.lease", "at least 2s"},
		{"bounce threshold", func(c *Config) { c.Delivery.BounceThreshold = 0 }, "delivery.bounce_threshold", "between 1 and 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(c)
			errs, ok := c.Validate().(ValidationErrors)
			if !ok || len(errs) != 1 {
				t.Fatalf("Validate() = %v, want one error for %s", c.Validate(), tt.key)
			}
			if errs[0].Key != tt.key || !strings.Contains(errs[0].Reason, tt.reason) {
				t.Fatalf("got %s: %s; want %s: ...%s...", errs[0].Key, errs[0].Reason, tt.key, tt.reason)
			}
		})
	}
}

func TestDefaultDeliveryKeepsItsPromises(t *testing.T) {
	d := Default().Delivery
	if d.RecordEvery > d.MaxUnrecorded {
		t.Errorf("record_every %d above max_unrecorded %d", d.RecordEvery, d.MaxUnrecorded)
	}
	if d.Lease < 3*time.Second {
		t.Errorf("lease %s too short to be renewed in time", d.Lease)
	}
}

// TestRecordEveryDefaultFollowsMaxUnrecorded: a file that sets only a
// small delivery.max_unrecorded, valid when record_every's default was 50,
// still loads; one that sets both out of order is still refused.
func TestRecordEveryDefaultFollowsMaxUnrecorded(t *testing.T) {
	c, err := load([]byte("delivery:\n  max_unrecorded: 60\n"), "bantin.yaml", nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if c.Delivery.RecordEvery != 60 {
		t.Fatalf("record_every = %d, want 60 (max_unrecorded)", c.Delivery.RecordEvery)
	}
	c, err = load(nil, "", []string{"BANTIN_DELIVERY_MAX_UNRECORDED=500"})
	if err != nil || c.Delivery.RecordEvery != 100 {
		t.Fatalf("record_every = %v, %v; want the default 100 under a larger max_unrecorded", c, err)
	}
	_, err = load([]byte("delivery:\n  max_unrecorded: 60\n  record_every: 100\n"), "bantin.yaml", nil)
	if err == nil || !strings.Contains(err.Error(), "delivery.record_every") {
		t.Fatalf("record_every 100 over max_unrecorded 60: error %v, want one naming delivery.record_every", err)
	}
}
