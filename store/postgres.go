package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/bantin/bantin/internal/redact"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
)

// migrationLockID is the PostgreSQL advisory lock that serializes
// migrations across instances starting at the same time.
const migrationLockID = 0x62616e74696e // "bantin"

type postgresDialect struct{}

func (postgresDialect) name() string                { return "postgres" }
func (postgresDialect) greatest(a, b string) string { return "GREATEST(" + a + ", " + b + ")" }

// rebind turns the '?' placeholders this package writes into PostgreSQL's
// $1, $2, ... It skips question marks inside quoted strings, which no query
// here has, but a future one might.
func (postgresDialect) rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func openPostgres(ctx context.Context, rawURL string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", redact.URL(rawURL), err)
	}
	if _, set := cfg.RuntimeParams["jit"]; !set {
		// Every statement here is short, but a subscriber's window is a
		// subquery per row (subscriberWindowEnd), whose cost estimate
		// over a whole cadence passes jit_above_cost: compiling it took
		// longer than running it. A jit in the URL still wins.
		cfg.RuntimeParams["jit"] = "off"
	}
	sqlDB := stdlib.OpenDB(*cfg)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: open %s: %w", redact.URL(rawURL), err)
	}
	return sqlDB, nil
}

// withMigrationLock runs fn while holding the dialect's migration lock. On
// PostgreSQL that is a session advisory lock on one connection, so that
// instances starting together migrate one after the other; SQLite's
// immediate transactions already serialize writers.
func (db *DB) withMigrationLock(ctx context.Context, fn func() error) error {
	if db.dialect.name() != "postgres" {
		return fn()
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migration lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		return fmt.Errorf("store: migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
	return fn()
}
