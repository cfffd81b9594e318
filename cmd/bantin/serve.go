package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/feed"
	"github.com/bantin/bantin/source"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
	"github.com/bantin/bantin/web"
)

func runServe(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("serve", "", `Run the daemon until SIGINT or SIGTERM: serve the site, feeds and forms on
http.addr; import new and changed files in articles.dir; poll sources.feeds
on their schedule; cut digest editions on newsletter.daily, .weekly and
.instant_window and deliver them; mail editors about new feedback.
Migrates the database first. Several instances may share one PostgreSQL
database: all serve and deliver, and one of them, the elected leader,
imports, polls and cuts editions; another takes over within 30s when it
stops or dies.`)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if code := e.noArgs(fs); code >= 0 {
		return code
	}
	cfg, ok := e.loadConfig()
	if !ok {
		return exitError
	}
	logger := newLogger(e.stderr, cfg)
	if err := serve(ctx, cfg, logger); err != nil {
		logger.Error("bantin stopped", "err", err)
		return exitError
	}
	logger.Info("bantin stopped")
	return exitOK
}

// serve runs every part of the daemon until ctx is done. A part that fails
// stops the others, so the process never runs half-alive.
func serve(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	// The store tells the feed cache of every saved article, so that it
	// rebuilds only the feeds the article is in, and the web server, so
	// that it drops the article's cached pages; both, made after, read
	// the store. Nothing saves before both exist.
	var feeds *feed.Cache
	var srv *web.Server
	db, err := openStore(ctx, cfg, store.WithChangeHook(func(ch store.ArticleChange) {
		articleChanged(feeds, srv, ch)
	}))
	if err != nil {
		return err
	}
	defer db.Close()
	var pinger *feed.WebSub
	if feeds, pinger, err = newFeedCache(cfg, db, logger); err != nil {
		return err
	}

	pages, err := templates.New(templates.Options{OverrideDir: cfg.Site.TemplatesDir, Location: cfg.Location()})
	if err != nil {
		return err
	}
	// One mailer for everything the daemon sends; links and forms are
	// signed with the key of tokenSigner.
	mail, err := openMailer(cfg, logger)
	if err != nil {
		return err
	}
	defer mail.Close()
	subscribe, err := subscribeWebOptions(ctx, cfg, db, mail, pages, logger)
	if err != nil {
		return err
	}
	digests, err := newDigestDaemon(cfg, db, mail, pages, subscribe.Subscriptions, logger)
	if err != nil {
		return err
	}
	shares, err := newShareService(ctx, cfg, db, mail, pages, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("http.addr %s: %w", cfg.HTTP.Addr, err)
	}
	// Feed readers' plain GETs of feeds are answered before net/http, from
	// the cache; every other request goes to the web server as before.
	ln = feeds.FastListener(ln, feed.FastOptions{WriteTimeout: cfg.HTTP.WriteTimeout, Logger: logger})
	srv = web.New(web.Options{
		SiteName:        cfg.Site.Name,
		SiteURL:         cfg.Site.URL,
		DefaultLanguage: cfg.Site.Language,
		Articles:        db,
		DB:              db,
		Templates:       pages,
		Feeds:           feeds.Handler(),
		Logger:          logger,
		ReadTimeout:     cfg.HTTP.ReadTimeout,
		WriteTimeout:    cfg.HTTP.WriteTimeout,
		ShutdownTimeout: cfg.HTTP.ShutdownTimeout,
		MaxBodySize:     int64(cfg.HTTP.MaxBodySize),
		Subscribe:       subscribe,
		Article:         articleWebOptions(cfg, db, shares),
		Editions:        digests.web,
	})

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	start := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				errOnce.Do(func() { firstErr = fmt.Errorf("%s: %w", name, err) })
				cancel()
			}
		}()
	}

	logger.Info("bantin serving", "url", "http://"+ln.Addr().String()+"/", "database", redactedDatabase(cfg), "articles", cfg.Articles.Dir)
	start("http", func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	start("feed cache", feeds.Run)
	// Other instances on the same PostgreSQL database save articles too.
	start("article changes", func(ctx context.Context) error {
		return db.ListenArticleChanges(ctx, logger, func(ch store.ArticleChange) { articleChanged(feeds, srv, ch) })
	})
	// Delivery workers hear of subscriber changes instead of reading
	// their recipients again every few messages (PostgreSQL only).
	start("subscriber changes", func(ctx context.Context) error {
		return db.ListenSubscriberChanges(ctx, logger, digests.watch())
	})
	start("share", func(ctx context.Context) error { return shares.Run(ctx, 0) })
	// What must run once per database runs on the elected leader only
	// (package cluster); every instance serves, delivers and shares.
	var lead leaderWork
	lead.add("digest schedule", digests.schedule)
	start("digest delivery", digests.deliver)
	if pinger != nil {
		// Every instance rebuilds its feeds on every change and queues
		// their URLs; one ping to the hub is enough. A new leader's first
		// ping repeats what it queued while following, which covers
		// changes the old leader may have died before announcing.
		lead.add("websub pinger", pinger.Run)
	}
	if cfg.Articles.Watch || cfg.Articles.RescanInterval > 0 {
		w := source.NewWatcher(newImporter(cfg, db, logger), source.WatcherOptions{
			Dir:      cfg.Articles.Dir,
			NoEvents: !cfg.Articles.Watch,
			Debounce: cfg.Articles.Debounce,
			Rescan:   cfg.Articles.RescanInterval,
			Logger:   logger,
		})
		lead.add("articles watcher", w.Run)
	}
	if len(cfg.Sources.Feeds) > 0 {
		p := newPoller(cfg, db, logger)
		lead.add("feed poller", func(ctx context.Context) error { return p.Run(ctx, cfg.Sources.Schedule) })
	}
	elector := newElector(db, digests.metrics, logger)
	start("leader election", func(ctx context.Context) error { return elector.Run(ctx, lead.run) })
	wg.Wait()
	return firstErr
}

func newPoller(cfg *config.Config, db *store.DB, logger *slog.Logger) *source.Poller {
	feeds := make([]source.Feed, len(cfg.Sources.Feeds))
	for i, f := range cfg.Sources.Feeds {
		feeds[i] = source.Feed{URL: f.URL, Category: f.Category, Name: f.Name}
	}
	ua := cfg.Sources.UserAgent
	if ua == "" {
		ua = "bantin/" + buildVersion() + " (+" + cfg.Site.URL + ")"
	}
	return source.NewPoller(db, db, newParser(cfg), source.PollerOptions{
		Feeds:       feeds,
		Timeout:     cfg.Sources.Timeout,
		MaxSize:     int64(cfg.Sources.MaxSize),
		UserAgent:   ua,
		Concurrency: cfg.Sources.Concurrency,
		Location:    cfg.Location(),
		Logger:      logger,
	})
}

func redactedDatabase(cfg *config.Config) string {
	return cfg.Redacted().Database.URL
}
