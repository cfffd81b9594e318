package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/bantin/bantin/internal/redact"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver, pure Go
)

// DB is the store over one database. It implements every interface of this
// package. It is safe for concurrent use.
type DB struct {
	sql     *sql.DB
	dialect dialect
	now     func() time.Time
	// onChange hears every committed article change; nil hears nothing.
	onChange func(ArticleChange)
	// maxOpen caps open connections; 0 leaves the driver's default.
	maxOpen int
	// stmts holds the delivery queue's prepared statements.
	stmts stmtCache
	// instance tells this DB's change notifications from other
	// instances' (notify.go).
	instanceOnce sync.Once
	instance     string
	// poolMu guards held, the connections kept out of the pool for good
	// by long-lived sessions (a listener, a lock), which the maxOpen cap
	// does not count.
	poolMu sync.Mutex
	held   int
}

// Option changes how Open sets up a DB.
type Option func(*DB)

// WithClock makes the store read the time from now, for tests that need
// updated_at to move predictably.
func WithClock(now func() time.Time) Option {
	return func(db *DB) { db.now = now }
}

// WithChangeHook makes the store call fn after every committed article
// create or update, on the saving goroutine. fn must be quick and must not
// call back into the store's write methods. It hears this DB's saves only;
// ListenArticleChanges hears those of other instances.
func WithChangeHook(fn func(ArticleChange)) Option {
	return func(db *DB) { db.onChange = fn }
}

// WithMaxOpenConns caps the connections open at once (database.max_open_conns);
// 0 leaves it to the driver. On PostgreSQL the floor is 2: migrations hold
// a lock on one connection while running on another.
func WithMaxOpenConns(n int) Option {
	return func(db *DB) { db.maxOpen = n }
}

// applyPoolLimits applies the options that shape the connection pool.
func (db *DB) applyPoolLimits() {
	db.poolMu.Lock()
	defer db.poolMu.Unlock()
	n := db.maxOpen
	if n <= 0 {
		return
	}
	if db.dialect.name() == "postgres" && n < 2 {
		n = 2
	}
	db.sql.SetMaxOpenConns(n + db.held)
}

// holdConns records that n more connections are held out of the pool for
// good (n < 0: given back), so that they do not eat into the cap that the
// queries share.
func (db *DB) holdConns(n int) {
	db.poolMu.Lock()
	db.held += n
	db.poolMu.Unlock()
	db.applyPoolLimits()
}

// Open connects to the database named by rawURL: "sqlite://./bantin.db",
// "sqlite:///var/lib/bantin/bantin.db" or a plain path ending in ".db" for
// SQLite; "postgres://user:password@host/db" (or postgresql://) for
// PostgreSQL, which several instances can share. It does not migrate; call
// Migrate.
func Open(ctx context.Context, rawURL string, opts ...Option) (*DB, error) {
	if strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://") {
		sqlDB, err := openPostgres(ctx, rawURL)
		if err != nil {
			return nil, err
		}
		db := &DB{sql: sqlDB, dialect: postgresDialect{}, now: time.Now}
		for _, o := range opts {
			o(db)
		}
		db.applyPoolLimits()
		return db, nil
	}
	path, err := SQLitePath(rawURL)
	if err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create directory for %s: %w", path, err)
		}
	}
	// WAL lets readers (feeds, pages) run beside the one writer; the busy
	// timeout makes a second writer wait instead of failing at once;
	// immediate transactions take the write lock up front so that a read
	// inside a write transaction cannot deadlock against another writer.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{sql: sqlDB, dialect: sqliteDialect{}, now: time.Now}
	for _, o := range opts {
		o(db)
	}
	db.applyPoolLimits()
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// SQLitePath returns the file path named by a SQLite database URL.
func SQLitePath(rawURL string) (string, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		rawURL = strings.TrimPrefix(rawURL, "sqlite://")
	case strings.HasPrefix(rawURL, "sqlite:"):
		rawURL = strings.TrimPrefix(rawURL, "sqlite:")
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return "", fmt.Errorf("store: database.url %q is PostgreSQL, not SQLite", redact.URL(rawURL))
	case strings.HasSuffix(rawURL, ".db"):
	default:
		return "", fmt.Errorf("store: database.url %q: want sqlite://PATH", redact.URL(rawURL))
	}
	if i := strings.IndexByte(rawURL, '?'); i >= 0 {
		rawURL = rawURL[:i]
	}
	if rawURL == "" {
		return "", fmt.Errorf("store: database.url names no file")
	}
	return rawURL, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// dialect holds what differs between databases. SQL in this package is
// written with '?' placeholders and rebound per dialect.
type dialect interface {
	name() string
	rebind(query string) string
}

type sqliteDialect struct{}

func (sqliteDialect) name() string               { return "sqlite" }
func (sqliteDialect) rebind(query string) string { return query }

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
