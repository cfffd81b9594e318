package feed

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// WebSubOptions configures a WebSub pinger.
type WebSubOptions struct {
	// Client sends the pings; nil means a client with Timeout.
	Client *http.Client
	// Timeout bounds one ping; 0 means 10s.
	Timeout time.Duration
	// Attempts is how many times a ping is tried before it is given up;
	// 0 means 6.
	Attempts int
	// Backoff is the wait before the first retry, doubled for each next
	// one up to MaxBackoff; 0 means 2s and 5m.
	Backoff, MaxBackoff time.Duration
	// MaxPending bounds the topics waiting for a ping; 0 means 4096. Past
	// it new topics are dropped (and logged): a hub that is down for long
	// must not make the publisher grow without end.
	MaxPending int
	// UserAgent is sent with every ping.
	UserAgent string
	Logger    *slog.Logger
}

// WebSub tells a WebSub hub that feeds changed, with the publish request
// hubs accept (hub.mode=publish and one hub.url per topic, as
// PubSubHubbub 0.4 defines it; WebSub leaves publishing to the hub). The
// hub then fetches the feeds and pushes them to subscribers.
//
// Publish never blocks: topics wait in a set, so a topic changed twice
// before the next ping is pinged once, and Run sends them in batches,
// retrying a failed batch with exponential backoff. A hub that fails or
// hangs delays only its own pings, never the saving of articles.
type WebSub struct {
	hub    string
	client *http.Client
	o      WebSubOptions
	log    *slog.Logger
	wake   chan struct{}

	mu      sync.Mutex
	pending map[string]bool
	order   []string // pending topics in the order they came
}

// NewWebSub returns a pinger for the hub at hubURL.
func NewWebSub(hubURL string, o WebSubOptions) *WebSub {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout}
	}
	if o.Attempts <= 0 {
		o.Attempts = 6
	}
	if o.Backoff <= 0 {
		o.Backoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 4096
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &WebSub{
		hub: hubURL, client: o.Client, o: o, log: o.Logger,
		wake: make(chan struct{}, 1), pending: make(map[string]bool),
	}
}

// Publish queues topics for the next ping and returns at once.
func (p *WebSub) Publish(topics ...string) {
	p.mu.Lock()
	dropped := 0
	for _, t := range topics {
		switch {
		case p.pending[t]:
		case len(p.order) >= p.o.MaxPending:
			dropped++
		default:
			p.pending[t] = true
			p.order = append(p.order, t)
		}
	}
	p.mu.Unlock()
	if dropped > 0 {
		p.log.Warn("websub: too many pings waiting; dropped some", "hub", p.hub, "dropped", dropped)
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run sends the queued pings until ctx is done; it returns nil then.
func (p *WebSub) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		}
		p.mu.Lock()
		batch := p.order
		p.order, p.pending = nil, make(map[string]bool)
		p.mu.Unlock()
		if len(batch) > 0 {
			p.send(ctx, batch)
		}
	}
}

// send pings the hub about batch, retrying with backoff. Topics published
// meanwhile wait for the next batch: they will be pinged after this one, so
// the hub fetches them after their change.
func (p *WebSub) send(ctx context.Context, batch []string) {
	wait := p.o.Backoff
	for attempt := 1; ; attempt++ {
		err := p.ping(ctx, batch)
		if err == nil {
			p.log.Debug("websub: pinged hub", "hub", p.hub, "topics", len(batch))
			return
		}
		if ctx.Err() != nil {
			return
		}
		permanent := false
		if he, ok := err.(hubError); ok && he.permanent() {
			permanent = true
		}
		if permanent || attempt >= p.o.Attempts {
			p.log.Warn("websub: hub ping failed; giving up", "hub", p.hub, "topics", len(batch), "attempts", attempt, "err", err)
			return
		}
		p.log.Info("websub: hub ping failed; will retry", "hub", p.hub, "attempt", attempt, "err", err)
		// Jitter spreads the retries of several instances.
		d := wait/2 + rand.N(wait/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		wait = min(wait*2, p.o.MaxBackoff)
	}
}

// hubError is a hub's refusal, by status.
type hubError int

func (e hubError) Error() string {
	return fmt.Sprintf("hub answered %d %s", int(e), http.StatusText(int(e)))
}

// permanent reports whether trying again cannot help: a 4xx other than 408
// and 429 means the hub rejects the request itself.
func (e hubError) permanent() bool {
	return e >= 400 && e < 500 && e != http.StatusRequestTimeout && e != http.StatusTooManyRequests
}

func (p *WebSub) ping(ctx context.Context, topics []string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": topics}
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p.o.UserAgent != "" {
		req.Header.Set("User-Agent", p.o.UserAgent)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return hubError(resp.StatusCode)
	}
	return nil
}
