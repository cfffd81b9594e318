package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
	"github.com/mmcdole/gofeed"
)

// Defaults for PollerOptions.
const (
	DefaultFeedTimeout     = 20 * time.Second
	DefaultFeedMaxSize     = 10 << 20
	DefaultFeedConcurrency = 4
	DefaultUserAgent       = "bantin (feed poller)"
)

// Feed is one upstream feed to import.
type Feed struct {
	URL string
	// Category is the display name given to every article of the feed; ""
	// takes each item's first category.
	Category string
	// Name is for people (logs, status pages).
	Name string
}

// PollerOptions configure a Poller.
type PollerOptions struct {
	Feeds []Feed
	// Client makes the requests; nil means a client of its own. Its
	// Timeout, if any, applies on top of Timeout.
	Client *http.Client
	// Timeout bounds each feed's request and body; 0 means
	// DefaultFeedTimeout.
	Timeout time.Duration
	// MaxSize is the largest body accepted, in bytes; 0 means
	// DefaultFeedMaxSize.
	MaxSize int64
	// UserAgent is sent with every request; "" means DefaultUserAgent.
	UserAgent string
	// Concurrency is how many feeds are fetched at once; 0 means
	// DefaultFeedConcurrency.
	Concurrency int
	// Location is the zone schedules run in and dates are shown in; nil
	// means Asia/Ho_Chi_Minh.
	Location *time.Location
	// Logger receives a record of every poll and failure; nil discards
	// them.
	Logger *slog.Logger
}

// Poller imports upstream RSS, Atom and JSON feeds. It is safe for
// concurrent use.
type Poller struct {
	saver   ArticleSaver
	states  store.SourceStates
	parser  *article.Parser
	feeds   []Feed
	client  *http.Client
	timeout time.Duration
	maxSize int64
	ua      string
	conc    int
	loc     *time.Location
	log     *slog.Logger
	now     func() time.Time
	// running marks the feeds being polled, by URL, so that a slow feed is
	// never polled twice at once (by Run's schedule or by a caller).
	running map[string]*atomic.Bool
}

// NewPoller returns a Poller that saves to saver and remembers each feed's
// ETag and Last-Modified in states.
func NewPoller(saver ArticleSaver, states store.SourceStates, parser *article.Parser, o PollerOptions) *Poller {
	p := &Poller{
		saver:   saver,
		states:  states,
		parser:  parser,
		feeds:   append([]Feed(nil), o.Feeds...),
		client:  o.Client,
		timeout: o.Timeout,
		maxSize: o.MaxSize,
		ua:      o.UserAgent,
		conc:    o.Concurrency,
		loc:     o.Location,
		log:     o.Logger,
		now:     time.Now,
		running: make(map[string]*atomic.Bool),
	}
	if p.client == nil {
		p.client = &http.Client{}
	}
	if p.timeout <= 0 {
		p.timeout = DefaultFeedTimeout
	}
	if p.maxSize <= 0 {
		p.maxSize = DefaultFeedMaxSize
	}
	if p.ua == "" {
		p.ua = DefaultUserAgent
	}
	if p.conc <= 0 {
		p.conc = DefaultFeedConcurrency
	}
	if p.loc == nil {
		p.loc = vietnam()
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	for _, f := range p.feeds {
		p.running[f.URL] = new(atomic.Bool)
	}
	return p
}

func vietnam() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	// No tz database on a bare image: Vietnam has no DST, so this is exact.
	return time.FixedZone("ICT", 7*3600)
}

// FeedResult says what one poll of one feed did.
type FeedResult struct {
	URL string
	// NotModified is true when the server answered 304.
	NotModified bool
	// Skipped is true when an earlier poll of the feed was still running.
	Skipped                     bool
	Created, Updated, Unchanged int
	// Err names the URL and what went wrong; items saved before a failure
	// stay saved and are counted.
	Err error
}

// PollAll polls every feed, a few at a time, and returns one result per
// feed in the order of PollerOptions.Feeds. Each feed has its own timeout,
// so one slow or failing feed never holds up the others.
func (p *Poller) PollAll(ctx context.Context) []FeedResult {
	results := make([]FeedResult, len(p.feeds))
	sem := make(chan struct{}, p.conc)
	var wg sync.WaitGroup
	for i, f := range p.feeds {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = FeedResult{URL: f.URL, Err: fmt.Errorf("poll %s: %w", f.URL, ctx.Err())}
				return
			}
			defer func() { <-sem }()
			results[i] = p.poll(ctx, f)
		})
	}
	wg.Wait()
	return results
}

// poll polls one feed and records its state.
func (p *Poller) poll(ctx context.Context, f Feed) FeedResult {
	res := FeedResult{URL: f.URL}
	busy := p.running[f.URL]
	if !busy.CompareAndSwap(false, true) {
		res.Skipped = true
		p.log.Info("source: feed still being polled; skipped", "url", f.URL)
		return res
	}
	defer busy.Store(false)

	st, err := p.states.SourceState(ctx, f.URL)
	if err != nil {
		// Without the validators the poll is unconditional, which costs
		// bandwidth but loses nothing.
		p.log.Warn("source: cannot read feed state", "url", f.URL, "err", err)
		st = store.SourceState{URL: f.URL}
	}
	res.Err = p.update(ctx, f, &st, &res)
	st.CheckedAt = p.now().UTC()
	st.LastError = ""
	if res.Err != nil {
		st.LastError = res.Err.Error()
		p.log.Warn("source: feed poll failed", "url", f.URL, "err", res.Err)
	} else {
		p.log.Info("source: feed polled", "url", f.URL, "not_modified", res.NotModified,
			"created", res.Created, "updated", res.Updated, "unchanged", res.Unchanged)
	}
	// Saved even when ctx has just ended, so that a shutdown in the middle
	// of a poll still records how it went.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := p.states.SaveSourceState(sctx, st); err != nil {
		p.log.Warn("source: cannot save feed state", "url", f.URL, "err", err)
	}
	return res
}

// update fetches one feed and saves its items. The validators in st are
// replaced only when every item was saved: with the new ETag stored, the
// next poll would get 304 and never retry the items that failed.
func (p *Poller) update(ctx context.Context, f Feed, st *store.SourceState, res *FeedResult) error {
	body, hdr, err := p.fetch(ctx, f.URL, *st)
	if err != nil {
		return err
	}
	if body == nil {
		res.NotModified = true
		// A 304 may carry fresher validators (RFC 9110, 15.4.5).
		if v := hdr.Get("ETag"); v != "" {
			st.ETag = v
		}
		if v := hdr.Get("Last-Modified"); v != "" {
			st.LastModified = v
		}
		return nil
	}
	feed, err := parseFeed(f.URL, body, hdr.Get("Content-Type"))
	if err != nil {
		return err
	}
	if err := p.saveItems(ctx, f, feed, res); err != nil {
		return err
	}
	st.ETag = hdr.Get("ETag")
	st.LastModified = hdr.Get("Last-Modified")
	return nil
}

// fetch GETs a feed conditionally. It returns a nil body for 304 Not
// Modified.
func (p *Poller) fetch(ctx context.Context, rawURL string, st store.SourceState) ([]byte, http.Header, error) {
	fctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	// Whatever failed, a request cut short by the feed's own deadline is
	// reported as what it is.
	timedOut := func(err error) error {
		if errors.Is(fctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			return fmt.Errorf("GET %s: timed out after %s", rawURL, p.timeout)
		}
		return err
	}
	req, err := http.NewRequestWithContext(fctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", p.ua)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, "+
		"application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		// *url.Error already names the method and the URL.
		return nil, nil, timedOut(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil, resp.Header, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Reading a little of the body lets the connection be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, nil, fmt.Errorf("GET %s: HTTP %s", rawURL, resp.Status)
	case resp.ContentLength > p.maxSize:
		return nil, nil, fmt.Errorf("GET %s: body of %d bytes is larger than the limit of %d", rawURL, resp.ContentLength, p.maxSize)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, p.maxSize+1))
	if err != nil {
		return nil, nil, timedOut(fmt.Errorf("GET %s: reading body: %w", rawURL, err))
	}
	if int64(len(body)) > p.maxSize {
		return nil, nil, fmt.Errorf("GET %s: body is larger than the limit of %d bytes", rawURL, p.maxSize)
	}
	if body == nil {
		body = []byte{}
	}
	return body, resp.Header, nil
}

// saveItems saves the items of a parsed feed. An item without a title is
// skipped and logged; a failed save is reported after the other items
// were tried.
func (p *Poller) saveItems(ctx context.Context, f Feed, feed *gofeed.Feed, res *FeedResult) error {
	seen := make(map[string]bool, len(feed.Items))
	var errs []error
	for i, it := range feed.Items {
		if it == nil {
			continue
		}
		key := itemKey(f.URL, it)
		if seen[key] {
			continue // the same guid twice in one feed is one article
		}
		seen[key] = true
		a, err := itemToArticle(p.parser, itemInput{
			feedURL:   f.URL,
			category:  f.Category,
			feed:      feed,
			item:      it,
			published: p.undatedPublished(ctx, key, it),
			loc:       p.loc,
		})
		if err != nil {
			p.log.Warn("source: feed item skipped", "url", f.URL, "item", i+1, "err", err)
			continue
		}
		o, err := p.saver.SaveArticle(ctx, a)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: item %d (%s): %w", f.URL, i+1, key, err))
			continue
		}
		switch o {
		case store.Created:
			res.Created++
		case store.Updated:
			res.Updated++
		default:
			res.Unchanged++
		}
	}
	return errors.Join(errs...)
}

// articleGetter is the part of store.Articles the poller uses, when the
// saver has it, to keep the date of an undated item.
type articleGetter interface {
	Article(ctx context.Context, id string) (*article.Article, error)
}

// undatedPublished returns the time to publish an item that carries no
// date under: the time it was first seen. Stamping it "now" at every poll
// would change its content hash, and so "update" it, every time.
func (p *Poller) undatedPublished(ctx context.Context, key string, it *gofeed.Item) time.Time {
	if !itemDate(it).IsZero() {
		return time.Time{}
	}
	if g, ok := p.saver.(articleGetter); ok {
		if a, err := g.Article(ctx, article.IDFromKey(key)); err == nil && !a.PublishedAt.IsZero() {
			return a.PublishedAt
		}
	}
	// Whole seconds: the store keeps microseconds, and a time that
	// round-trips exactly keeps the hash stable.
	return p.now().Truncate(time.Second)
}
