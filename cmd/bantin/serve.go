package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/source"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
	"github.com/bantin/bantin/web"
)

func runServe(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("serve", "", `Run the daemon until SIGINT or SIGTERM: serve the site on http.addr, import
new and changed files in articles.dir, and poll sources.feeds on their
schedule. Migrates the database first.`)
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
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	pages, err := templates.New(templates.Options{OverrideDir: cfg.Site.TemplatesDir, Location: cfg.Location()})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("http.addr %s: %w", cfg.HTTP.Addr, err)
	}
	srv := web.New(web.Options{
		SiteName:        cfg.Site.Name,
		SiteURL:         cfg.Site.URL,
		DefaultLanguage: cfg.Site.Language,
		Articles:        db,
		DB:              db,
		Templates:       pages,
		Logger:          logger,
		ReadTimeout:     cfg.HTTP.ReadTimeout,
		WriteTimeout:    cfg.HTTP.WriteTimeout,
		ShutdownTimeout: cfg.HTTP.ShutdownTimeout,
		MaxBodySize:     int64(cfg.HTTP.MaxBodySize),
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
	if cfg.Articles.Watch || cfg.Articles.RescanInterval > 0 {
		w := source.NewWatcher(newImporter(cfg, db, logger), source.WatcherOptions{
			Dir:      cfg.Articles.Dir,
			NoEvents: !cfg.Articles.Watch,
			Debounce: cfg.Articles.Debounce,
			Rescan:   cfg.Articles.RescanInterval,
			Logger:   logger,
		})
		start("articles watcher", w.Run)
	}
	if len(cfg.Sources.Feeds) > 0 {
		p := newPoller(cfg, db, logger)
		start("feed poller", func(ctx context.Context) error { return p.Run(ctx, cfg.Sources.Schedule) })
	}
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
