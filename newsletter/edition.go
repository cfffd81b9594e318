package newsletter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
)

// What goes into an edition. An edition is cut at a schedule tick, its
// Until. Each recipient's digest holds the articles published since their
// own last edition of the cadence (store.Subscriber.LastEditionUntil), up
// to Until, in their categories, minus those marked newsletter: false; a
// subscriber's first digest covers the cadence's window (FirstWindow).
// So after downtime one edition covers the whole gap, and a recipient for
// whom a send failed gets what they missed in their next one. A cadence
// with nothing new in anyone's window gets no edition; a recipient with
// nothing new in their categories gets no mail.

// EditionStore is what planning needs of the store.
type EditionStore interface {
	ArticleSource
	CreateEdition(ctx context.Context, e *store.Edition) error
	PlanDeliveries(ctx context.Context, e *store.Edition, limit int) (queued int, done bool, err error)
	PlanDeliveriesAt(ctx context.Context, e *store.Edition, limit int, sendDay time.Time) (queued int, done bool, err error)
	Editions(ctx context.Context, q store.EditionQuery) ([]*store.Edition, error)
	EarliestSince(ctx context.Context, cadence string, firstSince time.Time) (time.Time, bool, error)
}

// PlannerOptions configures a Planner.
type PlannerOptions struct {
	// InstantWindow is how often instant editions go out, and so the
	// window of a subscriber's first one; 0 is 10 minutes.
	InstantWindow time.Duration
	// ChunkSize is how many deliveries are queued per transaction; 0 is
	// 20,000. Smaller chunks hold SQLite's write lock for less time.
	ChunkSize int
	// Language is the language of the archive's subject line.
	Language string
	// Location is the zone of subscribers' send hours (site.timezone);
	// nil leaves send hours unused.
	Location *time.Location
	Metrics  *Metrics
	Logger   *slog.Logger
}

// Planner creates editions and queues their deliveries.
type Planner struct {
	db     EditionStore
	render *Renderer
	o      PlannerOptions
	log    *slog.Logger
}

// NewPlanner returns a Planner.
func NewPlanner(db EditionStore, render *Renderer, o PlannerOptions) *Planner {
	if o.InstantWindow <= 0 {
		o.InstantWindow = 10 * time.Minute
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = 20000
	}
	if o.Language == "" {
		o.Language = "vi"
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Planner{db: db, render: render, o: o, log: log}
}

// FirstWindow returns how far back a subscriber's first edition of cadence
// reaches: 24 hours for daily, 7 days for weekly, the instant window for
// instant.
func (p *Planner) FirstWindow(cadence string) time.Duration {
	switch cadence {
	case store.CadenceWeekly:
		return 7 * 24 * time.Hour
	case store.CadenceInstant:
		return p.o.InstantWindow
	default:
		return 24 * time.Hour
	}
}

// ErrNothingNew is returned by Plan when no subscriber of the cadence has
// anything new: no edition is made and nothing is sent.
var ErrNothingNew = errors.New("newsletter: nothing new to send")

// ErrAlreadyPlanned is returned by Plan when the edition of that cadence
// and time exists: another instance sharing the database planned it.
var ErrAlreadyPlanned = errors.New("newsletter: the edition is already planned")

// Plan creates the edition of cadence cut at until and queues a delivery
// for each of its active subscribers. It returns ErrNothingNew when the
// cadence has no active subscriber or nothing new for any of them. If an
// edition of cadence was left half planned (the process stopped), Plan
// finishes that one instead and returns it.
func (p *Planner) Plan(ctx context.Context, cadence string, until time.Time) (*store.Edition, error) {
	return p.plan(ctx, cadence, until, false)
}

// PlanScheduled is Plan for an edition cut by the schedule: daily and
// weekly subscribers who chose a send hour are queued for that hour of
// the day (or the next day's, once it has passed), the rest at once. An
// operator's "digest send --now" uses Plan and sends to everyone now.
func (p *Planner) PlanScheduled(ctx context.Context, cadence string, until time.Time) (*store.Edition, error) {
	return p.plan(ctx, cadence, until, true)
}

func (p *Planner) plan(ctx context.Context, cadence string, until time.Time, sendHours bool) (*store.Edition, error) {
	if !isEditionCadence(cadence) {
		return nil, fmt.Errorf("newsletter: unknown cadence %q; use instant, daily or weekly", cadence)
	}
	half, err := p.db.Editions(ctx, store.EditionQuery{Cadence: cadence, Statuses: []string{store.EditionPlanning}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(half) > 0 {
		p.log.Info("resuming an edition left half planned", "edition", half[0].ID, "cadence", cadence)
		// Send hours are not known for a resumed edition; its remaining
		// recipients are queued for now.
		return half[0], p.queue(ctx, half[0], time.Time{})
	}

	until = until.UTC()
	window := p.FirstWindow(cadence)
	earliest, ok, err := p.db.EarliestSince(ctx, cadence, until.Add(-window))
	if err != nil {
		return nil, err
	}
	if !ok || !earliest.Before(until) {
		return nil, ErrNothingNew
	}
	some, err := p.db.NewsletterArticles(ctx, store.NewsletterQuery{Since: earliest, Until: until, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(some) == 0 {
		return nil, ErrNothingNew
	}

	e := &store.Edition{Cadence: cadence, Since: until.Add(-window), Until: until}
	prev, err := p.db.Editions(ctx, store.EditionQuery{Cadence: cadence,
		Statuses: []string{store.EditionSending, store.EditionDone}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(prev) > 0 && prev[0].Until.Before(until) {
		// The archive shows what is new since the edition before, which
		// after downtime is more than one window.
		e.Since = prev[0].Until
	}
	if e.Subject, err = p.subject(ctx, e, earliest); err != nil {
		return nil, err
	}
	if err := p.db.CreateEdition(ctx, e); errors.Is(err, store.ErrEditionExists) {
		return nil, ErrAlreadyPlanned
	} else if err != nil {
		return nil, err
	}
	var sendDay time.Time
	if sendHours && p.o.Location != nil {
		local := until.In(p.o.Location)
		sendDay = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, p.o.Location)
	}
	return e, p.queue(ctx, e, sendDay)
}

// subject renders the archive's subject: the digest of everything in the
// edition's window or, if that is empty (only subscribers with older
// windows have news), in the earliest window.
func (p *Planner) subject(ctx context.Context, e *store.Edition, earliest time.Time) (string, error) {
	for _, since := range []time.Time{e.Since, earliest} {
		v, err := p.render.render(ctx, VariantKey{Edition: e, Since: since, Lang: p.o.Language})
		if err != nil {
			return "", err
		}
		if v.Articles > 0 {
			return v.Subject, nil
		}
	}
	return "", nil
}

// queue queues e's deliveries, chunk by chunk, until every subscriber has
// been considered.
func (p *Planner) queue(ctx context.Context, e *store.Edition, sendDay time.Time) error {
	start := time.Now()
	for {
		n, done, err := p.db.PlanDeliveriesAt(ctx, e, p.o.ChunkSize, sendDay)
		if err != nil {
			return err
		}
		p.o.Metrics.addQueued(n)
		if done {
			break
		}
	}
	p.log.Info("edition planned", "edition", e.ID, "cadence", e.Cadence, "until", e.Until,
		"recipients", e.Recipients, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// recipientKey returns the variant of e that sub gets: their window,
// categories and language.
func (p *Planner) recipientKey(e *store.Edition, sub *store.Subscriber) VariantKey {
	since := sub.LastEditionUntil
	if since.IsZero() {
		since = e.Until.Add(-p.FirstWindow(e.Cadence))
	}
	lang := sub.Language
	if lang != "vi" && lang != "en" {
		lang = p.o.Language
	}
	return VariantKey{Edition: e, Since: since, Categories: sub.Categories, Lang: lang}
}

// PreviewMessage returns the digest of e for sub as it would be sent, and
// how many articles it holds; with none, there is no message, as nothing
// would be sent. It renders afresh and stores nothing.
func PreviewMessage(ctx context.Context, p *Planner, links LinkMaker, e *store.Edition, sub *store.Subscriber) (*mailer.Message, int, error) {
	k := p.recipientKey(e, sub)
	v, err := p.render.render(ctx, k)
	if err != nil || v.Articles == 0 {
		return nil, 0, err
	}
	return v.Message(p.render.personal(sub, k.Lang, links)), v.Articles, nil
}

// EditionArticles returns the articles of edition e's own window, as the
// web view shows them, newest first.
func EditionArticles(ctx context.Context, db ArticleSource, e *store.Edition, limit int) ([]*article.Article, error) {
	return db.NewsletterArticles(ctx, store.NewsletterQuery{Since: e.Since, Until: e.Until, Limit: limit})
}

func isEditionCadence(c string) bool {
	return c == store.CadenceInstant || c == store.CadenceDaily || c == store.CadenceWeekly
}
