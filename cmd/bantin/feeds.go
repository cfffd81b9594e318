package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/feed"
	"github.com/bantin/bantin/internal/progress"
	"github.com/bantin/bantin/store"
)

func runFeeds(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("feeds", "build --out DIR", `"build" writes every feed (RSS, Atom and JSON Feed; site-wide and per
category; and the archive pages) as files under DIR, at their URL paths
(DIR/rss.xml, DIR/c/thoi-su/atom.xml, DIR/archive/3/rss.xml), each with a
gzipped copy beside it for nginx's gzip_static. Files are written to a
temporary file and renamed, so a server never reads half a feed; files
whose bytes did not change are left alone. The feeds link to site.url, so
serve DIR at that address.`)
	out := fs.String("out", "", "write the feeds under `DIR` (required)")
	noArchive := fs.Bool("no-archive", false, "leave out the archive pages")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() == 0 || fs.Arg(0) != "build" {
		if fs.NArg() > 0 {
			fmt.Fprintf(e.stderr, "bantin feeds: unknown action %q\n\n", fs.Arg(0))
		}
		fs.Usage()
		return exitUsage
	}
	// Flags may also follow the action: bantin feeds build --out DIR.
	if code := parseFlags(fs, fs.Args()[1:]); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "bantin feeds build: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *out == "" {
		fmt.Fprintf(e.stderr, "bantin feeds build: --out DIR is required\n")
		return exitUsage
	}
	cfg, ok := e.loadConfig()
	if !ok {
		return exitError
	}
	b, err := newFeedBuilder(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin feeds build: %v\n", err)
		return exitError
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin feeds build: %v\n", err)
		return exitError
	}
	defer db.Close()
	bar := progress.New(e.stderr, "feeds")
	start := time.Now()
	st, err := feed.Export(ctx, db, b, feed.ExportOptions{
		Dir:           *out,
		Items:         cfg.Feeds.Items,
		ArchiveSize:   cfg.Feeds.ArchiveSize,
		NoArchives:    *noArchive,
		CategoryNames: cfg.CategoryNames(),
		Progress:      bar.Set,
	})
	bar.Finish()
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin feeds build: %v\n", err)
		return exitError
	}
	fmt.Fprintf(e.stdout, "feeds written to %s in %s: %d changed, %d unchanged\n",
		*out, time.Since(start).Round(time.Millisecond), st.Written, st.Unchanged)
	return exitOK
}

// newFeedBuilder returns the feed builder for the configured site.
func newFeedBuilder(cfg *config.Config) (*feed.Builder, error) {
	return feed.NewBuilder(feed.Site{
		Name:          cfg.Site.Name,
		URL:           cfg.Site.URL,
		Language:      cfg.Site.Language,
		Location:      cfg.Location(),
		TagAuthority:  cfg.Feeds.TagAuthority,
		TagDate:       cfg.Feeds.TagDate,
		Hub:           cfg.Feeds.WebSubHub,
		CategoryNames: cfg.CategoryNames(),
		TTL:           cfg.Feeds.MaxAge,
	})
}

// newFeedCache returns the cache that serves the feeds, and the WebSub
// pinger it announces changes to when a hub is configured (nil otherwise);
// the caller runs both.
func newFeedCache(cfg *config.Config, db *store.DB, logger *slog.Logger) (*feed.Cache, *feed.WebSub, error) {
	b, err := newFeedBuilder(cfg)
	if err != nil {
		return nil, nil, err
	}
	var pinger *feed.WebSub
	o := feed.Options{
		Items:         cfg.Feeds.Items,
		ArchiveSize:   cfg.Feeds.ArchiveSize,
		MaxAge:        cfg.Feeds.MaxAge,
		ArchiveMaxAge: cfg.Feeds.ArchiveMaxAge,
		MaxBytes:      int64(cfg.Feeds.CacheSize),
		CategoryNames: cfg.CategoryNames(),
		Logger:        logger,
	}
	if cfg.Feeds.WebSubHub != "" {
		pinger = feed.NewWebSub(cfg.Feeds.WebSubHub, feed.WebSubOptions{
			UserAgent: "bantin/" + buildVersion() + " (+" + cfg.Site.URL + ")",
			Logger:    logger,
		})
		o.Publisher = pinger
	}
	c, err := feed.NewCache(db, b, o)
	if err != nil {
		return nil, nil, err
	}
	return c, pinger, nil
}
