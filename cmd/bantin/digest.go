package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/internal/progress"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
	"github.com/bantin/bantin/web"
)

const digestUsage = `Editions of the email digest, for operators:

  preview --cadence C [--subscriber EMAIL] [--out FILE.eml]
        render the digest a subscriber (or a new subscriber of every
        category) would get if an edition of cadence C were cut now, as a
        message file (stdout without --out); nothing is stored or sent
  send --cadence C --now
        cut an edition of cadence C now and deliver it, with a progress bar
  send [--cadence C | --edition ID]
        deliver what is queued (after a crash, or with the daemon stopped)
  status
        editions being sent: deliveries by state, rate and time left
  skip --cadence C | --edition ID
        stop the edition of C being sent, or skip C's next scheduled one
  pause | resume
        stop all digest delivery, everywhere, until resumed

Cadences are instant, daily and weekly.`

func runDigest(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("digest", "preview|send|status|skip|pause|resume [options]", digestUsage)
	cadence := fs.String("cadence", "", "instant, daily or weekly")
	email := fs.String("subscriber", "", "preview: the subscriber's `email` address")
	out := fs.String("out", "", "preview: write the message to `FILE.eml`")
	now := fs.Bool("now", false, "send: cut a new edition now")
	editionID := fs.Int64("edition", 0, "send, skip: the edition's `id`")
	// Flags may also follow the action: bantin digest send --cadence daily.
	action, code := parseAction(fs, args)
	if code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "bantin digest %s: unexpected argument %q\n", action, fs.Arg(0))
		return exitUsage
	}
	switch action {
	case "preview", "send", "status", "skip", "pause", "resume":
	default:
		fmt.Fprintf(e.stderr, "bantin digest: unknown action %q\n\n", action)
		fs.Usage()
		return exitUsage
	}
	if *cadence != "" && !slices.Contains(newsletter.Cadences(), *cadence) {
		fmt.Fprintf(e.stderr, "bantin digest %s: --cadence must be instant, daily or weekly, not %q\n", action, *cadence)
		return exitUsage
	}
	needCadence := action == "preview" || action == "send" && *now || action == "skip" && *editionID == 0
	if needCadence && *cadence == "" {
		fmt.Fprintf(e.stderr, "bantin digest %s: --cadence is required\n", action)
		return exitUsage
	}

	cfg, db, code := e.loadConfigAndStore(ctx, "digest")
	if code >= 0 {
		return code
	}
	defer db.Close()
	var err error
	d := &digestCmd{env: e, cfg: cfg, db: db, log: newLogger(e.stderr, cfg)}
	switch action {
	case "preview":
		err = d.preview(ctx, *cadence, *email, *out)
	case "send":
		err = d.send(ctx, *cadence, *editionID, *now)
	case "status":
		err = d.status(ctx)
	case "skip":
		err = d.skip(ctx, *cadence, *editionID)
	case "pause":
		if err = db.PauseDelivery(ctx); err == nil {
			fmt.Fprintln(e.stdout, "digest delivery paused; bantin digest resume starts it again")
		}
	case "resume":
		if err = db.ResumeDelivery(ctx); err == nil {
			fmt.Fprintln(e.stdout, "digest delivery resumed")
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin digest %s: %v\n", action, err)
		return exitError
	}
	return exitOK
}

type digestCmd struct {
	env *env
	cfg *config.Config
	db  *store.DB
	log *slog.Logger
}

// digestParts is the sending side of the newsletter, built from the
// configuration: the daemon and the digest command use the same.
type digestParts struct {
	render    *newsletter.Renderer
	planner   *newsletter.Planner
	archive   *newsletter.Archive
	delivery  newsletter.DeliveryOptions
	schedules []newsletter.Schedule
}

func newDigestParts(cfg *config.Config, db *store.DB, tpl *templates.Set, metrics *newsletter.Metrics, logger *slog.Logger) (*digestParts, error) {
	loc := cfg.Location()
	var cats []newsletter.DigestCategory
	for _, c := range cfg.Articles.Categories {
		cats = append(cats, newsletter.DigestCategory{Slug: c.Slug, Name: c.Name})
	}
	render := newsletter.NewRenderer(tpl, db, newsletter.RendererOptions{
		SiteName: cfg.Site.Name, SiteURL: strings.TrimRight(cfg.Site.URL, "/"), Contact: digestContact(cfg),
		Location: loc, Categories: cats, MaxArticles: cfg.Newsletter.MaxArticles,
	})
	p := &digestParts{
		render: render,
		planner: newsletter.NewPlanner(db, render, newsletter.PlannerOptions{
			InstantWindow: cfg.Newsletter.InstantWindow, Language: cfg.Site.Language, Location: cfg.Location(),
			Metrics: metrics, Logger: logger,
		}),
		archive: newsletter.NewArchive(db, render),
		delivery: newsletter.DeliveryOptions{
			Workers: cfg.Delivery.Workers, RecordEvery: cfg.Delivery.RecordEvery,
			MaxUnrecorded: cfg.Delivery.MaxUnrecorded, MaxAttempts: cfg.Delivery.MaxAttempts, MaxAge: cfg.Delivery.MaxAge,
			Backoff: cfg.Delivery.Backoff, Lease: cfg.Delivery.Lease, BounceThreshold: cfg.Delivery.BounceThreshold,
			Watch: newsletter.NewSubscriberWatch(), Metrics: metrics, Logger: logger,
		},
	}
	for _, s := range []struct{ cadence, key, spec string }{
		{store.CadenceDaily, "newsletter.daily", cfg.Newsletter.Daily},
		{store.CadenceWeekly, "newsletter.weekly", cfg.Newsletter.Weekly},
	} {
		when, err := newsletter.ParseSchedule(s.key, s.spec, loc)
		if err != nil {
			return nil, err
		}
		p.schedules = append(p.schedules, newsletter.Schedule{Cadence: s.cadence, Key: s.key, When: when})
	}
	p.schedules = append(p.schedules, newsletter.Schedule{Cadence: store.CadenceInstant,
		Key: "newsletter.instant_window", When: newsletter.Every(cfg.Newsletter.InstantWindow)})
	return p, nil
}

// digestDaemon is the newsletter's sending side in bantin serve: the
// schedule that cuts editions, the workers that deliver them, and what the
// web server shows of them.
type digestDaemon struct {
	parts     *digestParts
	scheduler *newsletter.Scheduler
	deliverer *newsletter.Deliverer
	web       web.EditionOptions
	// metrics is what /metrics serves; the daemon adds its own gauges.
	metrics *newsletter.Metrics
}

// newDigestDaemon builds the digest side of the daemon; links makes the
// subscribers' unsubscribe and preferences links.
func newDigestDaemon(cfg *config.Config, db *store.DB, mail mailer.Sender, tpl *templates.Set, links newsletter.LinkMaker, logger *slog.Logger) (*digestDaemon, error) {
	metrics := newsletter.NewMetrics()
	parts, err := newDigestParts(cfg, db, tpl, metrics, logger)
	if err != nil {
		return nil, err
	}
	d := &digestDaemon{parts: parts, metrics: metrics}
	d.deliverer = newsletter.NewDeliverer(db, mail, parts.render, links, parts.planner, parts.delivery)
	d.scheduler = newsletter.NewScheduler(parts.planner, db, parts.schedules, newsletter.SchedulerOptions{
		Planned: func(*store.Edition) { d.deliverer.Wake() },
		Logger:  logger,
	})
	d.web = web.EditionOptions{Archive: parts.archive, Metrics: metrics, Location: cfg.Location()}
	return d, nil
}

// schedule cuts editions on schedule until ctx is done. Only the leader
// runs it (several instances would race to cut each tick's edition, and
// lose nothing but effort, since a tick gets one edition whoever cuts it).
// It returns nil when ctx is done.
func (d *digestDaemon) schedule(ctx context.Context) error {
	if err := d.scheduler.Run(ctx); err != ctx.Err() {
		return err
	}
	return nil
}

// deliver delivers the editions queued, whoever cut them, until ctx is
// done. Every instance runs it: workers claim deliveries with SKIP
// LOCKED, so instances share the queue without sending a digest twice.
// An instance that did not cut an edition finds it when its workers next
// look at the queue.
func (d *digestDaemon) deliver(ctx context.Context) error {
	return d.deliverer.Run(ctx)
}

// watch returns what tells the workers of subscriber changes.
func (d *digestDaemon) watch() func(store.SubscriberChange) {
	return d.parts.delivery.Watch.Handle
}

// digestContact is the address the digest's footer gives: site.contact,
// or else the address of mail.from.
func digestContact(cfg *config.Config) string {
	if cfg.Site.Contact != "" {
		return cfg.Site.Contact
	}
	if a, err := mail.ParseAddress(cfg.Mail.From); err == nil {
		return a.Address
	}
	return ""
}

func (d *digestCmd) templates() (*templates.Set, error) {
	return templates.New(templates.Options{OverrideDir: d.cfg.Site.TemplatesDir, Location: d.cfg.Location()})
}

func (d *digestCmd) preview(ctx context.Context, cadence, email, out string) error {
	tpl, err := d.templates()
	if err != nil {
		return err
	}
	parts, err := newDigestParts(d.cfg, d.db, tpl, nil, d.log)
	if err != nil {
		return err
	}
	sub := &store.Subscriber{Email: "doc-gia@example.com", Cadence: cadence, Language: d.cfg.Site.Language, SendHour: -1}
	if email != "" {
		norm, err := newsletter.NormalizeEmail(email)
		if err != nil {
			return err
		}
		if sub, err = d.db.SubscriberByEmail(ctx, norm); err != nil {
			return fmt.Errorf("subscriber %s: %w", email, err)
		}
	}
	// The preview goes through a Maildir, so that the file is exactly
	// what the mailer would send, headers and all.
	dir, err := os.MkdirTemp("", "bantin-preview-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o, err := mailer.OptionsFromConfig(d.cfg)
	if err != nil {
		return err
	}
	o.Transport, o.Maildir = mailer.TransportMaildir, dir
	m, err := mailer.New(o)
	if err != nil {
		return err
	}
	defer m.Close()
	links, err := newSubscriptions(ctx, d.cfg, d.db, m, tpl, d.log)
	if err != nil {
		return err
	}
	until := time.Now().UTC()
	e := &store.Edition{Cadence: cadence, Since: until.Add(-parts.planner.FirstWindow(cadence)), Until: until}
	msg, n, err := newsletter.PreviewMessage(ctx, parts.planner, links, e, sub)
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(d.env.stderr, "nothing new for %s in the %s window ending now: no digest would be sent\n", sub.Email, cadence)
		return nil
	}
	if err := m.Send(ctx, msg); err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(dir, "new", "*"))
	if len(files) != 1 {
		return fmt.Errorf("preview: %d messages written", len(files))
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		return err
	}
	if out == "" {
		_, err = d.env.stdout.Write(raw)
		return err
	}
	if err := os.WriteFile(out, raw, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(d.env.stdout, "%s: %q, %d articles, %d bytes\n", out, msg.Subject, n, len(raw))
	return nil
}

func (d *digestCmd) send(ctx context.Context, cadence string, id int64, now bool) error {
	tpl, err := d.templates()
	if err != nil {
		return err
	}
	parts, err := newDigestParts(d.cfg, d.db, tpl, nil, d.log)
	if err != nil {
		return err
	}
	var e *store.Edition
	switch {
	case now:
		start := time.Now()
		e, err = parts.planner.Plan(ctx, cadence, time.Now())
		if errors.Is(err, newsletter.ErrNothingNew) {
			fmt.Fprintf(d.env.stdout, "nothing new for %s subscribers: no edition\n", cadence)
			return nil
		}
		if errors.Is(err, newsletter.ErrAlreadyPlanned) {
			fmt.Fprintf(d.env.stdout, "an edition of %s cut at this moment exists already\n", cadence)
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(d.env.stdout, "edition %d planned in %s: %d recipients\n", e.ID, time.Since(start).Round(time.Millisecond), e.Recipients)
	case id != 0:
		if e, err = d.db.EditionByID(ctx, id); err != nil {
			return fmt.Errorf("edition %d: %w", id, err)
		}
	default:
		eds, err := d.db.Editions(ctx, store.EditionQuery{Cadence: cadence, Statuses: []string{store.EditionPlanning, store.EditionSending}, Limit: 1000})
		if err != nil {
			return err
		}
		if len(eds) == 0 {
			fmt.Fprintln(d.env.stdout, "nothing queued")
			return nil
		}
		e = eds[len(eds)-1] // the oldest
	}
	if e.Status == store.EditionPlanning {
		// A crash stopped its planning: finish that first.
		if e, err = parts.planner.Plan(ctx, e.Cadence, e.Until); err != nil {
			return err
		}
	}
	m, err := openMailer(d.cfg, d.log)
	if err != nil {
		return err
	}
	defer m.Close()
	links, err := newSubscriptions(ctx, d.cfg, d.db, m, tpl, d.log)
	if err != nil {
		return err
	}
	counts, err := d.db.EditionDeliveryCounts(ctx, e.ID)
	if err != nil {
		return err
	}
	bar := progress.New(d.env.stderr, "edition "+strconv.FormatInt(e.ID, 10))
	total, done := counts.Total(), counts.Total()-counts.Pending()
	bar.Set(done, total)
	o := parts.delivery
	o.Edition = e.ID
	// As in serve: hear subscriber changes, so that workers need not read
	// their recipients again every few messages (on SQLite this only waits).
	listenCtx, stopListening := context.WithCancel(ctx)
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		_ = d.db.ListenSubscriberChanges(listenCtx, d.log, o.Watch.Handle)
	}()
	defer func() { stopListening(); <-listening }()
	o.Recorded = func(n int) {
		done += n // one recorder goroutine calls this
		bar.Set(min(done, total), total)
	}
	start := time.Now()
	res, err := newsletter.NewDeliverer(d.db, m, parts.render, links, parts.planner, o).DeliverEdition(ctx)
	bar.Finish()
	if err != nil {
		return err
	}
	if _, err := d.db.FinishEditions(ctx); err != nil {
		return err
	}
	counts, err = d.db.EditionDeliveryCounts(ctx, e.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.env.stdout, "edition %d in %s: %s\n", e.ID, time.Since(start).Round(time.Millisecond), formatCounts(counts))
	if res.Waiting > 0 {
		fmt.Fprintf(d.env.stdout, "%d wait for a retry from %s; bantin serve (or digest send again) sends them\n",
			res.Waiting, res.NextAt.In(d.cfg.Location()).Format("15:04:05"))
	}
	return nil
}

func formatCounts(c store.DeliveryCounts) string {
	var parts []string
	for _, s := range []string{store.DeliverySent, store.DeliveryQueued, store.DeliveryFailed,
		store.DeliveryBounced, store.DeliverySkipped} {
		if c[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
		}
	}
	if len(parts) == 0 {
		return "no deliveries"
	}
	return strings.Join(parts, ", ")
}

func (d *digestCmd) status(ctx context.Context) error {
	w := d.env.stdout
	loc := d.cfg.Location()
	paused, err := d.db.DeliveryPausedAt(ctx)
	if err != nil {
		return err
	}
	if !paused.IsZero() {
		fmt.Fprintf(w, "delivery PAUSED since %s (bantin digest resume)\n", paused.In(loc).Format("2006-01-02 15:04:05"))
	}
	active, err := d.db.Editions(ctx, store.EditionQuery{Statuses: []string{store.EditionPlanning, store.EditionSending}, Limit: 100})
	if err != nil {
		return err
	}
	recent, err := d.db.Editions(ctx, store.EditionQuery{Statuses: []string{store.EditionDone, store.EditionSkipped}, Limit: 3})
	if err != nil {
		return err
	}
	if len(active)+len(recent) == 0 {
		fmt.Fprintln(w, "no editions yet")
		return nil
	}
	now := time.Now()
	for _, e := range append(active, recent...) {
		c, err := d.db.EditionDeliveryCounts(ctx, e.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "edition %d  %-7s %-8s cut %s  %s\n", e.ID, e.Cadence, e.Status,
			e.Until.In(loc).Format("2006-01-02 15:04"), formatCounts(c))
		if e.Status != store.EditionSending {
			continue
		}
		sent, err := d.db.SentSince(ctx, e.ID, now.Add(-time.Minute))
		if err != nil {
			return err
		}
		rate := float64(sent) / 60
		left := "unknown"
		if rate > 0 {
			left = (time.Duration(float64(c.Pending())/rate) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(w, "    %.1f messages/s over the last minute; %d to send; time left %s\n", rate, c.Pending(), left)
		if q, err := d.db.EditionQueue(ctx, e.ID, now); err == nil && q.Waiting > 0 {
			fmt.Fprintf(w, "    %d waiting for a retry, the first at %s\n", q.Waiting, q.NextAt.In(loc).Format("15:04:05"))
		}
	}
	return nil
}

func (d *digestCmd) skip(ctx context.Context, cadence string, id int64) error {
	w := d.env.stdout
	if id == 0 {
		eds, err := d.db.Editions(ctx, store.EditionQuery{Cadence: cadence, Statuses: []string{store.EditionPlanning, store.EditionSending}, Limit: 1})
		if err != nil {
			return err
		}
		if len(eds) > 0 {
			id = eds[0].ID
		}
	}
	if id != 0 {
		n, err := d.db.SkipEdition(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("edition %d is not being sent", id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "edition %d stopped: %d deliveries skipped; their subscribers' next edition covers what they missed\n", id, n)
		return nil
	}
	tpl, err := d.templates()
	if err != nil {
		return err
	}
	parts, err := newDigestParts(d.cfg, d.db, tpl, nil, d.log)
	if err != nil {
		return err
	}
	for _, s := range parts.schedules {
		if s.Cadence != cadence {
			continue
		}
		st, err := d.db.EditionTick(ctx, cadence)
		if err != nil {
			return err
		}
		from := time.Now()
		if st.SkipThrough.After(from) {
			from = st.SkipThrough
		}
		next := s.When.Next(from)
		if err := d.db.SkipThrough(ctx, cadence, next); err != nil {
			return err
		}
		fmt.Fprintf(w, "the %s edition of %s will be skipped; the one after covers its articles\n",
			cadence, next.In(d.cfg.Location()).Format("2006-01-02 15:04"))
	}
	return nil
}
