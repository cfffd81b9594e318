package config

import "time"

// Delivery configures the queue that sends digests and its workers. A
// delivery is one digest to one subscriber; every instance on the same
// database takes deliveries from the same queue.
type Delivery struct {
	Workers         int           `yaml:"workers" doc:"How many digests are being handed to the mail server at once; 1 to 256. Twice mail.smtp.connections keeps every connection busy while the next messages are being prepared."`
	BatchSize       int           `yaml:"batch_size" doc:"How many deliveries make a batch, the unit a worker takes from the queue at once; editions are cut into batches when they are planned. 1 to 10000."`
	RecordEvery     int           `yaml:"record_every" doc:"How many outcomes are written to the database together; 1 to 1000, at most delivery.max_unrecorded. Unset, it is 100, or delivery.max_unrecorded if that is smaller."`
	MaxUnrecorded   int           `yaml:"max_unrecorded" doc:"Most digests sent whose outcome is not yet written down, over all workers of this process. If the process is killed, at most this many digests are sent twice after it restarts; none is lost. 1 to 100000."`
	MaxAttempts     int           `yaml:"max_attempts" doc:"How many temporary failures (4xx replies, dropped connections, timeouts) one delivery may have before it is given up; 1 to 100. A mail server that cannot be reached at all costs no attempt."`
	MaxAge          time.Duration `yaml:"max_age" doc:"How long after its edition was planned a digest may still be sent; later retries are not made. At least 1m."`
	Backoff         time.Duration `yaml:"backoff" doc:"Wait before the first retry of a delivery that failed temporarily; each further retry waits twice as long. At least 1s."`
	Lease           time.Duration `yaml:"lease" doc:"How long a worker's hold on the deliveries it took lasts without being renewed: after a crash, they are sent by another worker (or after the restart) once it has run out. At least 2s."`
	BounceThreshold int           `yaml:"bounce_threshold" doc:"How many permanent refusals (5xx) of an address mark its subscriber bounced, after which they get nothing until they confirm again; 1 to 100. A delivered digest resets the count."`
}

func defaultDelivery() Delivery {
	return Delivery{
		Workers:         8,
		BatchSize:       250,
		RecordEvery:     100,
		MaxUnrecorded:   200,
		MaxAttempts:     8,
		MaxAge:          24 * time.Hour,
		Backoff:         time.Minute,
		Lease:           time.Minute,
		BounceThreshold: 2,
	}
}

// validateEditions checks the keys of newsletter that schedule editions,
// and delivery.
func (c *Config) validateEditions(ch *checker) {
	n := &c.Newsletter
	if err := checkCron(n.Daily); err != nil {
		ch.add("newsletter.daily", "%v", err)
	}
	if err := checkCron(n.Weekly); err != nil {
		ch.add("newsletter.weekly", "%v", err)
	}
	if d := n.InstantWindow; d < time.Minute || d > 24*time.Hour {
		ch.add("newsletter.instant_window", "must be between 1m and 24h, not %s", d)
	}
	if k := n.MaxArticles; k < 1 || k > 500 {
		ch.add("newsletter.max_articles", "must be between 1 and 500, not %d", k)
	}

	d := &c.Delivery
	between := func(key string, v, lo, hi int) {
		if v < lo || v > hi {
			ch.add(key, "must be between %d and %d, not %d", lo, hi, v)
		}
	}
	between("delivery.workers", d.Workers, 1, 256)
	between("delivery.batch_size", d.BatchSize, 1, 10000)
	between("delivery.record_every", d.RecordEvery, 1, 1000)
	between("delivery.max_unrecorded", d.MaxUnrecorded, 1, 100000)
	if d.RecordEvery > d.MaxUnrecorded && d.MaxUnrecorded >= 1 {
		ch.add("delivery.record_every", "must be at most delivery.max_unrecorded (%d), not %d", d.MaxUnrecorded, d.RecordEvery)
	}
	between("delivery.max_attempts", d.MaxAttempts, 1, 100)
	atLeast(ch, "delivery.max_age", d.MaxAge, time.Minute)
	atLeast(ch, "delivery.backoff", d.Backoff, time.Second)
	atLeast(ch, "delivery.lease", d.Lease, 2*time.Second)
	between("delivery.bounce_threshold", d.BounceThreshold, 1, 100)
}
