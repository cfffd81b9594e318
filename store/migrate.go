package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFiles embed.FS

// Migration is one schema change of one dialect.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations of the DB's dialect, oldest
// first.
func (db *DB) Migrations() ([]Migration, error) {
	return loadMigrations(db.dialect.name())
}

func loadMigrations(dialectName string) ([]Migration, error) {
	dir := path.Join("migrations", dialectName)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(name, "_")
		if !ok {
			return nil, fmt.Errorf("store: migration %s: name must be NNNN_description.sql", name)
		}
		v, err := strconv.Atoi(prefix)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %s: bad version %q", name, prefix)
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("store: migrations %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

// SchemaVersion returns the newest applied migration, 0 for a new database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	// Under the lock: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe
	// against a concurrent one.
	if err := db.withMigrationLock(ctx, func() error { return db.ensureMigrationTable(ctx) }); err != nil {
		return 0, err
	}
	return db.newestApplied(ctx)
}

// newestApplied returns the newest migration recorded as applied.
func (db *DB) newestApplied(ctx context.Context) (int, error) {
	var v int
	err := db.sql.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

func (db *DB) ensureMigrationTable(ctx context.Context) error {
	_, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)`)
	if err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	return nil
}

// SchemaTooNewError reports a database migrated by a newer release than
// this one.
type SchemaTooNewError struct {
	Version int // the database's schema version
	Known   int // the newest this release knows
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("store: the database's schema is version %d, newer than this release knows (%d): run the release that migrated it, or a newer one",
		e.Version, e.Known)
}

// Migrate applies every migration newer than the schema, each in its own
// transaction, and returns the ones it applied. Concurrent calls are safe:
// a transaction re-checks the version after taking the write lock.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	all, err := db.Migrations()
	if err != nil {
		return nil, err
	}
	var applied []Migration
	err = db.withMigrationLock(ctx, func() error {
		if err := db.ensureMigrationTable(ctx); err != nil {
			return err
		}
		// An older release must not work on a schema it does not know:
		// beside newer instances it could break what they rely on (such
		// as how deliveries are claimed).
		newest, err := db.newestApplied(ctx)
		if err != nil {
			return fmt.Errorf("store: schema version: %w", err)
		}
		if known := all[len(all)-1].Version; newest > known {
			return &SchemaTooNewError{Version: newest, Known: known}
		}
		for _, m := range all {
			done, err := db.applyMigration(ctx, m)
			if err != nil {
				return err
			}
			if done {
				applied = append(applied, m)
			}
		}
		return nil
	})
	return applied, err
}

func (db *DB) applyMigration(ctx context.Context, m Migration) (bool, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, db.dialect.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.Version).Scan(&n); err != nil {
		return false, fmt.Errorf("store: migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("store: migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, db.dialect.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
		m.Version, m.Name, micros(db.now())); err != nil {
		return false, fmt.Errorf("store: migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: migration %s: %w", m.Name, err)
	}
	return true, nil
}
