package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The delivery queue runs the same few statements thousands of times a
// second, and preparing a statement costs SQLite about as much as running
// it (a third of the queue's time, measured by BenchmarkDeliveryQueue). So
// they are prepared once: a *sql.Stmt is prepared lazily on each pooled
// connection and kept there, inside transactions too (Tx.StmtContext).

// maxCachedStmts bounds the cache: statements with IN lists differ by
// their length, and only the common lengths (full groups) need to stay.
const maxCachedStmts = 256

// stmtCache holds prepared statements by query text. The zero value is
// ready to use.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns the prepared statement for query, preparing it on first
// use, or nil when the cache is full (the caller runs the query as is).
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c := &db.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s, nil
	}
	if len(c.m) >= maxCachedStmts {
		return nil, nil
	}
	s, err := db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = s
	return s, nil
}

// execer is what both *sql.DB and *sql.Tx can run statements on.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// cachedExec runs query (already rebound) with a prepared statement, in tx
// when tx is not nil.
func (db *DB) cachedExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	s, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	var on execer = db.sql
	if tx != nil {
		on = tx
	}
	if s == nil {
		return on.ExecContext(ctx, query, args...)
	}
	if tx != nil {
		s = tx.StmtContext(ctx, s)
	}
	return s.ExecContext(ctx, args...)
}

// cachedQuery is cachedExec for queries that return rows.
func (db *DB) cachedQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return db.sql.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

// cachedQueryRow is cachedQuery for a query that returns at most one row.
func (db *DB) cachedQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := db.stmt(ctx, query)
	if err != nil || s == nil {
		// With err set, the plain query fails with the same error, or
		// runs without a prepared statement.
		return db.sql.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// sqlStatement is a statement (already rebound) with its arguments.
type sqlStatement struct {
	query string
	args  []any
}

// execAll runs stmts one after the other, in tx when it is not nil.
func (db *DB) execAll(ctx context.Context, tx *sql.Tx, stmts []sqlStatement) error {
	for _, s := range stmts {
		if _, err := db.cachedExec(ctx, tx, s.query, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// execPipelined runs stmts on PostgreSQL in one round trip: pgx sends
// them as one pipeline ending in a single Sync, which the server runs as
// one implicit transaction, all of them or none. Each statement through
// database/sql is a round trip of its own, and at thousands of outcomes a
// second the round trips (waking both processes up) cost more than the
// statements.
func (db *DB) execPipelined(ctx context.Context, stmts []sqlStatement) error {
	return db.withPgxConn(ctx, func(conn *pgx.Conn) error {
		b := &pgx.Batch{}
		for _, s := range stmts {
			b.Queue(s.query, s.args...)
		}
		return conn.SendBatch(ctx, b).Close()
	})
}

// withPgxConn runs fn on a pooled PostgreSQL connection as pgx's own,
// for what database/sql cannot do, or does slowly. pgx prepares and
// caches each statement on the connection by itself.
func (db *DB) withPgxConn(ctx context.Context, fn func(*pgx.Conn) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: a pgx connection is needed, not %T", dc)
		}
		return fn(sc.Conn())
	})
}
