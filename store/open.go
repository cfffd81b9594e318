package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "modernc.org/sqlite" // registers the "sqlite" driver, pure Go

	"github.com/bantin/bantin/internal/redact"
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
	// deliveryBatch is how many deliveries planning puts in a batch; 0
	// is DefaultDeliveryBatch.
	deliveryBatch int
	// stmts holds the delivery queue's prepared statements.
	stmts stmtCache
	// subscriberCols and claimedSubscriberCols are the select lists of a
	// subscriber, from their table and from a claim's outer join
	// (subscriberColumns).
	subscriberCols, claimedSubscriberCols string
	// claimQuery is the claim's statement on PostgreSQL
	// (postgresClaimQuery).
	claimQuery string
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

// DefaultDeliveryBatch is how many deliveries a batch holds unless
// WithDeliveryBatch says otherwise. Each claim and each release of a
// batch costs the server about as much whatever its size: at 3 instances
// on PostgreSQL, batches of 250 cut the queue's share of CPU from 21.0
// to 23.1% down to 17.1 to 20.5% against batches of 100 (bench/README.md).
// A crash resends at most delivery.max_unrecorded messages whatever the
// batch size.
const DefaultDeliveryBatch = 250

// WithDeliveryBatch makes planning cut editions into batches of n
// deliveries, the unit a worker claims (delivery.batch_size).
func WithDeliveryBatch(n int) Option {
	return func(db *DB) { db.deliveryBatch = n }
}

func (db *DB) batchSize() int {
	if db.deliveryBatch > 0 {
		return db.deliveryBatch
	}
	return DefaultDeliveryBatch
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
	if db.dialect.name() == "postgres" {
		// database/sql keeps 2 idle connections by default: with a
		// delivery worker pool, every burst of queries beyond that opened
		// and closed PostgreSQL sessions (a fork on the server each) and
		// lost their prepared statements. Keep what the pool may open.
		idle := n
		if idle <= 0 {
			idle = defaultPostgresIdle
		}
		db.sql.SetMaxIdleConns(max(idle, 2) + db.held)
	}
	if n <= 0 {
		return
	}
	if db.dialect.name() == "postgres" && n < 2 {
		n = 2
	}
	db.sql.SetMaxOpenConns(n + db.held)
}

// defaultPostgresIdle is how many idle PostgreSQL connections are kept when
// database.max_open_conns leaves the pool unbounded: enough for the default
// delivery workers, recorder and web requests.
const defaultPostgresIdle = 16

// holdConns records that n more connections are held out of the pool for
// good (n < 0: given back), so that they do not eat into the cap that the
// queries share.
func (db *DB) holdConns(n int) {
	db.poolMu.Lock()
	db.held += n
	db.poolMu.Unlock()
	db.applyPoolLimits()
}

// Open connects to the database named by rawURL, in one of the forms
// [ParseURL] accepts. It does not migrate; call Migrate.
func Open(ctx context.Context, rawURL string, opts ...Option) (*DB, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if u.driver == DriverPostgres {
		sqlDB, err := openPostgres(ctx, u.dsn)
		if err != nil {
			return nil, err
		}
		return newDB(sqlDB, postgresDialect{}, opts), nil
	}
	if dir := filepath.Dir(u.path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create directory for %s: %w", u.path, err)
		}
	}
	sqlDB, err := sql.Open(u.driver, u.dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", u.path, err)
	}
	db := newDB(sqlDB, sqliteDialect{}, opts)
	if err := pingSQLite(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: open %s: %w", u.path, err)
	}
	return db, nil
}

// pingSQLite opens the first connection, which sets the pragmas. Two
// processes opening a new file at the same moment (serve and a command,
// or instances of a test) can find it busy while the other switches it to
// WAL, a step for which SQLite may not wait on the busy timeout: that is
// tried again for up to the busy timeout.
func pingSQLite(ctx context.Context, sqlDB *sql.DB) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := sqlDB.PingContext(ctx)
		var coded interface{ Code() int }
		if err == nil || !errors.As(err, &coded) || coded.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
	}
}

// sqliteBusyTimeout is how long a SQLite connection waits for a lock
// another holds, and how long opening retries a busy file.
const sqliteBusyTimeout = 10 * time.Second

// sqliteBusy is SQLITE_BUSY, the primary result code (the low byte of an
// extended one).
const sqliteBusy = 5

// The database/sql drivers ParseURL names.
const (
	DriverSQLite   = "sqlite" // modernc.org/sqlite
	DriverPostgres = "pgx"    // github.com/jackc/pgx/v5/stdlib
)

// urlForms lists the database.url forms, for messages.
const urlForms = "sqlite://PATH, sqlite:PATH, a bare PATH ending in .db, .sqlite or .sqlite3, " +
	"or postgres://USER:PASSWORD@HOST/DB (or postgresql://)"

// URLError is a database.url that Open cannot use.
type URLError struct {
	// URL is the URL as given, its password redacted.
	URL string
	// Reason says what is wrong and what would be right; it does not
	// repeat the URL.
	Reason string
}

func (e *URLError) Error() string {
	return fmt.Sprintf("store: database.url %q: %s", e.URL, e.Reason)
}

// ParseURL checks rawURL as Open reads it, without opening anything, and
// returns the database/sql driver ([DriverSQLite] or [DriverPostgres]) and
// data source name Open would use. Configuration checks call it so that
// they accept exactly what Open does. The forms are:
//
//   - sqlite://PATH or sqlite:PATH, such as sqlite://./bantin.db or
//     sqlite:///var/lib/bantin/bantin.db; a ?query is ignored, since the
//     store sets the pragmas it depends on itself;
//   - a bare PATH ending in .db, .sqlite or .sqlite3 (in any case) with no
//     colon in it, such as ./bantin.db: a colon would be a scheme, and
//     mysql://host/x.db is not a file;
//   - postgres://USER:PASSWORD@HOST/DB or postgresql://..., as pgx parses
//     it (PG* environment variables and any TLS files it names included),
//     for PostgreSQL, which several instances can share.
//
// Schemes are lower case. The error is a [*URLError].
func ParseURL(rawURL string) (driver, dsn string, err error) {
	u, err := parseURL(rawURL)
	return u.driver, u.dsn, err
}

// SQLitePath returns the file path named by a SQLite database URL in one
// of the forms ParseURL accepts.
func SQLitePath(rawURL string) (string, error) {
	if isPostgresURL(rawURL) {
		return "", &URLError{URL: redact.URL(rawURL), Reason: "is PostgreSQL, not SQLite"}
	}
	return sqliteFilePath(rawURL)
}

// dbURL is a database.url as Open uses it.
type dbURL struct {
	driver, dsn string
	path        string // the SQLite file
}

func parseURL(rawURL string) (dbURL, error) {
	if isPostgresURL(rawURL) {
		// pgx is what will read it: any other parser could disagree.
		if _, err := pgconn.ParseConfig(rawURL); err != nil {
			return dbURL{}, &URLError{URL: redact.URL(rawURL),
				Reason: "not a valid PostgreSQL URL: " + postgresReason(err) + "; want postgres://USER:PASSWORD@HOST/DB"}
		}
		return dbURL{driver: DriverPostgres, dsn: rawURL}, nil
	}
	path, err := sqliteFilePath(rawURL)
	if err != nil {
		return dbURL{}, err
	}
	// WAL lets readers (feeds, pages) run beside the one writer; the busy
	// timeout makes a second writer wait instead of failing at once;
	// immediate transactions take the write lock up front so that a read
	// inside a write transaction cannot deadlock against another writer.
	// The pragmas run in this order on every new connection: the busy
	// timeout first, because switching a new file to WAL takes a lock
	// that a process starting at the same moment may hold.
	dsn := "file:" + path + "?_pragma=busy_timeout(" + strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10) + ")&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	return dbURL{driver: DriverSQLite, dsn: dsn, path: path}, nil
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// sqliteFilePath returns the file a SQLite form of database.url names.
func sqliteFilePath(rawURL string) (string, error) {
	path, ok := strings.CutPrefix(rawURL, "sqlite://")
	if !ok {
		path, ok = strings.CutPrefix(rawURL, "sqlite:")
	}
	if ok {
		path, _, _ = strings.Cut(path, "?")
		if strings.TrimSpace(path) == "" {
			return "", &URLError{URL: redact.URL(rawURL), Reason: "has no SQLite file path; want sqlite://PATH, such as sqlite://./bantin.db"}
		}
		return path, nil
	}
	lower := strings.ToLower(rawURL)
	switch {
	case rawURL == "":
		return "", &URLError{Reason: "required; want " + urlForms}
	case !strings.Contains(rawURL, ":") &&
		(strings.HasSuffix(lower, ".db") || strings.HasSuffix(lower, ".sqlite") || strings.HasSuffix(lower, ".sqlite3")):
		return rawURL, nil
	}
	return "", &URLError{URL: redact.URL(rawURL), Reason: "want " + urlForms}
}

// postgresReason returns why pgx could not parse a URL, without the URL:
// it may hold a password, and the error names it once already.
func postgresReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "cannot parse `"); ok {
		if _, reason, ok := strings.Cut(rest, "`: "); ok {
			return reason
		}
	}
	return msg
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func newDB(sqlDB *sql.DB, d dialect, opts []Option) *DB {
	db := &DB{sql: sqlDB, dialect: d, now: time.Now}
	db.subscriberCols = subscriberColumns("subscribers", false, db.subscriberWindowEnd("subscribers"))
	db.claimedSubscriberCols = subscriberColumns("s", true, db.claimedWindowEnd())
	if d.name() == "postgres" {
		db.claimQuery = db.postgresClaimQuery()
	}
	for _, o := range opts {
		o(db)
	}
	db.applyPoolLimits()
	return db
}

// dialect holds what differs between databases. SQL in this package is
// written with '?' placeholders and rebound per dialect.
type dialect interface {
	name() string
	rebind(query string) string
	// greatest is the SQL for the largest of two expressions.
	greatest(a, b string) string
}

type sqliteDialect struct{}

func (sqliteDialect) name() string                { return "sqlite" }
func (sqliteDialect) rebind(query string) string  { return query }
func (sqliteDialect) greatest(a, b string) string { return "MAX(" + a + ", " + b + ")" }

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
