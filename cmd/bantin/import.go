package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/internal/progress"
	"github.com/bantin/bantin/source"
	"github.com/bantin/bantin/store"
)

func runImport(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("import", "[PATH...]", `Import article files (.txt in the portal's format, .md with front matter), or
directories of them recursively. Without PATH, imports articles.dir.
A file that fails is reported with its line and skipped; the rest import.
Exits 1 if any file failed.`)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	cfg, ok := e.loadConfig()
	if !ok {
		return exitError
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{cfg.Articles.Dir}
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin import: %v\n", err)
		return exitError
	}
	defer db.Close()

	logger := newLogger(e.stderr, cfg)
	im := newImporter(cfg, db, logger)
	bar := progress.New(e.stderr, "import")
	start := time.Now()
	sum, err := im.ImportPaths(ctx, paths, bar.Set)
	bar.Finish()
	fmt.Fprintf(e.stdout, "imported in %s: %d new, %d updated, %d unchanged, %d failed\n",
		time.Since(start).Round(time.Millisecond), sum.Created, sum.Updated, sum.Unchanged, len(sum.Failed))
	for _, f := range sum.Failed {
		fmt.Fprintf(e.stdout, "  failed: %v\n", f.Err)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin import: %v\n", err)
		return exitError
	}
	if len(sum.Failed) > 0 {
		return exitError
	}
	return exitOK
}

func newParser(cfg *config.Config) *article.Parser {
	return article.NewParser(article.Options{Location: cfg.Location(), MaxSize: int64(cfg.Articles.MaxSize)})
}

func newImporter(cfg *config.Config, db *store.DB, logger *slog.Logger) *source.Importer {
	return source.NewImporter(db, newParser(cfg), source.ImporterOptions{
		Root:          cfg.Articles.Dir,
		MaxSize:       int64(cfg.Articles.MaxSize),
		CategoryNames: cfg.CategoryNames(),
		Logger:        logger,
	})
}
