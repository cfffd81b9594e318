package main

import (
	"context"
	"fmt"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/store"
)

func runMigrate(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("migrate", "", "Apply the database migrations that are not applied yet. serve and import migrate\nby themselves; run this to upgrade ahead of a deploy.")
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
	db, err := store.Open(ctx, cfg.Database.URL, store.WithMaxOpenConns(cfg.Database.MaxOpenConns))
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin migrate: %v\n", err)
		return exitError
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	for _, m := range applied {
		fmt.Fprintf(e.stdout, "applied %s\n", m.Name)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin migrate: %v\n", err)
		return exitError
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin migrate: %v\n", err)
		return exitError
	}
	fmt.Fprintf(e.stdout, "schema version %d\n", v)
	return exitOK
}

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, cfg *config.Config, opts ...store.Option) (*store.DB, error) {
	opts = append([]store.Option{store.WithMaxOpenConns(cfg.Database.MaxOpenConns), store.WithDeliveryBatch(cfg.Delivery.BatchSize)}, opts...)
	db, err := store.Open(ctx, cfg.Database.URL, opts...)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// loadConfigAndStore loads the configuration and opens the migrated store
// for the command name, printing what went wrong. It returns -1 to go on,
// or the exit code to stop with; the caller closes db.
func (e *env) loadConfigAndStore(ctx context.Context, name string) (*config.Config, *store.DB, int) {
	cfg, ok := e.loadConfig()
	if !ok {
		return nil, nil, exitError
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "bantin %s: %v\n", name, err)
		return nil, nil, exitError
	}
	return cfg, db, -1
}
