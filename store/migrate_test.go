package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/pgtest"
)

// TestMigrationsInStep: every migration exists in both dialects under the
// same version and name, so neither database can fall behind the other.
func TestMigrationsInStep(t *testing.T) {
	lite, err := loadMigrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := loadMigrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms []Migration) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	if !slices.Equal(names(lite), names(pg)) {
		t.Fatalf("migrations differ:\nsqlite   %v\npostgres %v", names(lite), names(pg))
	}
}

// TestSchemasHaveTheSameTablesAndColumns migrates a SQLite file and a
// PostgreSQL schema and compares what they hold, column by column.
func TestSchemasHaveTheSameTablesAndColumns(t *testing.T) {
	lite := openTestDB(t)
	pg := openTestPostgres(t)
	ctx := context.Background()
	liteCols := columns(t, lite, ctx, `SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
	pgCols := columns(t, pg, ctx, `SELECT table_name || '.' || column_name FROM information_schema.columns
WHERE table_schema = current_schema()`)
	if !slices.Equal(liteCols, pgCols) {
		t.Fatalf("schemas differ:\nonly in sqlite:   %v\nonly in postgres: %v", minus(liteCols, pgCols), minus(pgCols, liteCols))
	}
	if len(liteCols) < 10 {
		t.Fatalf("found only %d columns: %v", len(liteCols), liteCols)
	}
}

func columns(t *testing.T, db *DB, ctx context.Context, query string) []string {
	t.Helper()
	rows, err := db.sql.QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.ToLower(c))
	}
	slices.Sort(out)
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func TestPostgresRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' AND y = ?", "x = '?' AND y = $1"},
		{strings.Repeat("?,", 11) + "?", func() string {
			var p []string
			for i := 1; i <= 12; i++ {
				p = append(p, fmt.Sprintf("$%d", i))
			}
			return strings.Join(p, ",")
		}()},
	}
	for _, tt := range tests {
		if got := (postgresDialect{}).rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestConcurrentMigrateOnPostgres starts four instances' migrations at
// once on one schema: the advisory lock lets exactly one apply each.
func TestConcurrentMigrateOnPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	counts := make([]int, 4)
	errs := make([]error, 4)
	done := make(chan struct{})
	for i := range counts {
		go func() {
			defer func() { done <- struct{}{} }()
			db, err := Open(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied, err := db.Migrate(ctx)
			counts[i], errs[i] = len(applied), err
		}()
	}
	for range counts {
		<-done
	}
	total := 0
	for i := range counts {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		total += counts[i]
	}
	all, _ := loadMigrations("postgres")
	if total != len(all) {
		t.Fatalf("migrations applied %d times in all, want %d", total, len(all))
	}
}

// TestMigrateWithOneConnectionAllowed: database.max_open_conns 1 must not
// deadlock PostgreSQL migrations, which need a second connection.
func TestMigrateWithOneConnectionAllowed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	db, err := Open(ctx, pgtest.URL(t), WithMaxOpenConns(1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate with max_open_conns 1: %v", err)
	}
	if got := db.sql.Stats().MaxOpenConnections; got != 2 {
		t.Fatalf("MaxOpenConnections = %d, want the floor of 2", got)
	}
}

// TestMigrateRefusesANewerSchema: a release older than the schema stops
// before touching the database, on both backends, naming both versions.
func TestMigrateRefusesANewerSchema(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		all, err := db.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		known := all[len(all)-1].Version
		if _, err := db.sql.ExecContext(ctx, db.dialect.rebind(
			"INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			known+1, fmt.Sprintf("%04d_from_a_newer_release.sql", known+1), 1); err != nil {
			t.Fatal(err)
		}
		_, err = db.Migrate(ctx)
		var tooNew *SchemaTooNewError
		if !errors.As(err, &tooNew) || tooNew.Version != known+1 || tooNew.Known != known ||
			!strings.Contains(err.Error(), fmt.Sprintf("version %d, newer than this release knows (%d)", known+1, known)) {
			t.Fatalf("Migrate on a newer schema = %v", err)
		}
	})
}
