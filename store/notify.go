package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Several instances of bantin on one PostgreSQL database each keep caches
// of articles (feeds, pages). The local change hook only hears the saves
// of its own process, so on PostgreSQL every article change is also sent
// with NOTIFY, and ListenArticleChanges hears the others' changes.

// notifyChannel is the NOTIFY channel of article changes. Channels are
// database-wide, not per schema, so a notice names its schema and
// listeners in other schemas (other sites, parallel tests) ignore it.
const notifyChannel = "bantin_articles"

// maxNoteBytes bounds the JSON of a change notice; PostgreSQL refuses
// payloads of 8000 bytes or more, and the schema name is added to it. A
// bigger change (a huge category slug) is sent as "everything changed".
const maxNoteBytes = 7000

// How the listener retries and watches its connection.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 30 * time.Second
	// listenStable is how long a session must have lasted for the next
	// retry to start again at listenRetryMin: a link that drops right
	// after each connect must not reconnect ten times a second, each
	// time making every cache start over.
	listenStable = 10 * time.Second
	// listenIdle is the silence after which the connection is checked
	// with a round trip: a half-open TCP link (a server or NAT gone
	// without a reset) would otherwise be waited on forever while every
	// notification is lost.
	listenIdle        = 30 * time.Second
	listenPingTimeout = 10 * time.Second
)

// changeNote is the payload of a change notice, inside the envelope
// {"schema": ..., "note": ...} that the notifying statement wraps it in.
type changeNote struct {
	// From is the instance id of the sending DB, so that it can ignore its
	// own notices: it heard the change through its hook already.
	From       string   `json:"from"`
	ID         string   `json:"id,omitempty"`
	Outcome    string   `json:"outcome,omitempty"`
	Categories []string `json:"categories,omitempty"`
	All        bool     `json:"all,omitempty"`
}

type changeEnvelope struct {
	Schema string     `json:"schema"`
	Note   changeNote `json:"note"`
}

// instanceID returns the random id of this DB in change notices. Each DB,
// not each process, has its own: two DBs in one process (tests) are two
// instances with two sets of caches.
func (db *DB) instanceID() string {
	db.instanceOnce.Do(func() {
		b := make([]byte, 12)
		_, _ = rand.Read(b) // never fails (crypto/rand)
		db.instance = hex.EncodeToString(b)
	})
	return db.instance
}

// notifyOthers sends ch to the other instances on the database, inside
// tx: PostgreSQL delivers it when tx commits and drops it if tx rolls
// back, so listeners never hear of a change they cannot read yet or that
// never happened. If it cannot be sent the save fails too: a change the
// other instances never hear of would leave their feeds stale until the
// next change in the same category. On SQLite it does nothing (see
// ListenArticleChanges).
func (db *DB) notifyOthers(ctx context.Context, tx *sql.Tx, ch ArticleChange) error {
	if db.dialect.name() != "postgres" {
		return nil
	}
	note := changeNote{From: db.instanceID(), All: ch.All}
	if !ch.All {
		note.ID, note.Outcome, note.Categories = ch.ID, ch.Outcome.String(), ch.CategorySlugs
	}
	payload, err := json.Marshal(note)
	if err != nil {
		return fmt.Errorf("notify other instances: %w", err)
	}
	if len(payload) > maxNoteBytes {
		payload, _ = json.Marshal(changeNote{From: note.From, All: true})
	}
	// The schema is taken from the session, as the listener takes its
	// own, so that both follow the search_path of database.url.
	_, err = tx.ExecContext(ctx, `SELECT pg_notify('`+notifyChannel+`',
    json_build_object('schema', current_schema(), 'note', $1::json)::text)`, string(payload))
	if err != nil {
		return fmt.Errorf("notify other instances: %w", err)
	}
	return nil
}

// errNotPgx says the driver is not pgx's, whose connections can listen.
var errNotPgx = errors.New("store: listen for article changes: the PostgreSQL driver is not pgx")

// ListenArticleChanges calls fn with every article change that another
// instance (another DB, usually in another process) commits on the same
// PostgreSQL database and schema, until ctx is done; it returns nil then.
// The changes of db itself are left out: WithChangeHook delivers them.
// Others include the commands run beside serve (bantin import), whose
// saves notify too. fn runs on the listening goroutine and must be quick.
//
// Notifications sent while the listener is not connected are lost, so
// fn hears ArticleChange{All: true} each time listening (re)starts,
// including the first: whoever keeps views of articles must then read
// everything again. A lost connection is retried with backoff, logged on
// logger (nil logs nothing), and never ends the listener.
//
// The listener holds one connection of its own; it is not counted against
// database.max_open_conns.
//
// On SQLite it only waits for ctx: SQLite has no notifications between
// processes, and the one serve process of a SQLite file (several are only
// supported on PostgreSQL) hears all of its own changes through its hook.
// Commands such as bantin import run beside it are not heard, as before.
func (db *DB) ListenArticleChanges(ctx context.Context, logger *slog.Logger, fn func(ArticleChange)) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &articleListener{db: db, log: logger, fn: fn}
	return db.listen(ctx, logger, listenSpec{
		channel: notifyChannel,
		what:    "other instances' article changes",
		started: func() { fn(ArticleChange{All: true}) },
		payload: l.deliver,
	})
}

// listenSpec says what a listener hears and what it does with it. Its
// functions run on the listening goroutine and must be quick.
type listenSpec struct {
	channel string
	what    string // for the log: "… article changes"
	// started runs each time listening (re)starts, including the first:
	// notifications sent before may have been lost.
	started func()
	// stopped, if set, runs when a session that listened ends: from then
	// until started runs again, notifications are lost.
	stopped func()
	// payload runs with each notification and the session's schema.
	payload func(schema, payload string)
	// alive, if set, runs with each notification and each check of an
	// idle connection that succeeded: everything committed before then
	// has been heard.
	alive func()
	// idle is the silence after which the connection is checked; 0 is
	// listenIdle.
	idle time.Duration
	// schemaQuery reads the schema that notifications must name; empty
	// is the session's current schema.
	schemaQuery string
}

// listen runs spec's listener until ctx is done, reconnecting with
// backoff and logging on logger, which must not be nil; see
// ListenArticleChanges. On SQLite it only waits for ctx.
func (db *DB) listen(ctx context.Context, logger *slog.Logger, spec listenSpec) error {
	if db.dialect.name() != "postgres" {
		<-ctx.Done()
		return nil
	}
	db.holdConns(1)
	defer db.holdConns(-1)
	l := &listener{db: db, log: logger, spec: spec}
	wait := listenRetryMin
	for {
		began := time.Now()
		listened, err := l.session(ctx)
		if listened && spec.stopped != nil {
			spec.stopped()
		}
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errNotPgx) {
			return err
		}
		if listened && time.Since(began) >= listenStable {
			wait = listenRetryMin
		}
		// Jitter keeps instances that lost the server together from
		// coming back at the same instant.
		d := wait/2 + mathrand.N(wait/2+1)
		logger.Warn("store: not listening for "+spec.what+"; retrying",
			"err", err, "retry_in", d.Round(time.Millisecond))
		l.retrying = true
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
		wait = min(2*wait, listenRetryMax)
	}
}

type listener struct {
	db   *DB
	log  *slog.Logger
	spec listenSpec
	// retrying is set once a session failed, so that the next one that
	// listens says so: the warning alone would look like an outage.
	retrying bool
}

// session listens on one connection until it fails or ctx is done, and
// says whether LISTEN took effect.
func (l *listener) session(ctx context.Context) (listened bool, err error) {
	conn, err := l.db.sql.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	rawErr := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			err = fmt.Errorf("%w: got %T", errNotPgx, dc)
			return nil
		}
		listened, err = l.listenOn(ctx, sc.Conn())
		// The connection still listens, or is broken: it must never go
		// back to the pool, where it would pile up notifications that no
		// one reads. ErrBadConn makes database/sql close it.
		return driver.ErrBadConn
	})
	if err == nil && !errors.Is(rawErr, driver.ErrBadConn) {
		err = rawErr
	}
	return listened, err
}

func (l *listener) listenOn(ctx context.Context, c *pgx.Conn) (listened bool, err error) {
	schemaQuery := l.spec.schemaQuery
	if schemaQuery == "" {
		schemaQuery = "SELECT coalesce(current_schema(), '')"
	}
	var schema string
	if err := c.QueryRow(ctx, schemaQuery).Scan(&schema); err != nil {
		return false, err
	}
	idle := l.spec.idle
	if idle == 0 {
		idle = listenIdle
	}
	if _, err := c.Exec(ctx, "LISTEN "+l.spec.channel); err != nil {
		return false, err
	}
	if l.retrying {
		l.log.Info("store: listening for " + l.spec.what + " again")
		l.retrying = false
	}
	l.spec.started()
	for {
		wctx, cancel := context.WithTimeout(ctx, idle)
		n, err := c.WaitForNotification(wctx)
		timedOut := wctx.Err() != nil
		cancel()
		switch {
		case err == nil:
			l.spec.payload(schema, n.Payload)
			l.heardAll()
			continue
		case ctx.Err() != nil:
			return true, nil
		case !timedOut || c.IsClosed():
			return true, err
		}
		pctx, cancel := context.WithTimeout(ctx, listenPingTimeout)
		err = c.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return true, nil
			}
			return true, fmt.Errorf("check the listening connection: %w", err)
		}
		l.heardAll()
	}
}

// heardAll tells spec.alive, if set, that the connection works.
func (l *listener) heardAll() {
	if l.spec.alive != nil {
		l.spec.alive()
	}
}

// articleListener turns notifications into article changes.
type articleListener struct {
	db  *DB
	log *slog.Logger
	fn  func(ArticleChange)
}

// deliver hands fn the change in payload, unless it is db's own or from
// another schema.
func (l *articleListener) deliver(schema, payload string) {
	var env changeEnvelope
	if err := json.Unmarshal([]byte(payload), &env); err != nil {
		// Not knowing what changed, nor whether it is this schema's,
		// everything may have.
		l.log.Warn("store: undecodable article change notification; rereading everything", "err", err)
		l.fn(ArticleChange{All: true})
		return
	}
	if env.Schema != schema || env.Note.From == l.db.instanceID() {
		return
	}
	n := env.Note
	ch := ArticleChange{ID: n.ID, CategorySlugs: n.Categories}
	switch n.Outcome {
	case Created.String():
		ch.Outcome = Created
	case Updated.String():
		ch.Outcome = Updated
	default:
		ch = ArticleChange{All: true}
	}
	if n.All {
		ch = ArticleChange{All: true}
	}
	l.fn(ch)
}
