package store

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// subscriberChannel is the NOTIFY channel of subscriber changes, sent by
// the triggers of migration 0009 with the payload "schema:id".
const subscriberChannel = "bantin_subscribers"

// subscriberListenIdle is how often an idle subscriber listener checks its
// connection, and reports Alive. A connection that died without a word (a
// firewall dropping it) is only found out by such a check: listeners must
// not vouch for what they heard for long after the last one.
const subscriberListenIdle = 2 * time.Second

// SubscriberChange is what ListenSubscriberChanges reports.
type SubscriberChange struct {
	// ID is the subscriber whose address, name, status, cadence,
	// categories, send hour or language changed, or who was deleted.
	ID int64
	// Listening, with ID 0, says that every change committed from now on
	// will be heard, and that those before may not have been.
	Listening bool
	// Lost, with ID 0, says that changes are no longer heard, until the
	// next Listening.
	Lost bool
	// Alive, with ID 0, says that the connection still works: every
	// change committed before now has been reported. It comes with each
	// notification and at least every subscriberListenIdle otherwise,
	// unless the connection is failing.
	Alive bool
}

// ListenSubscriberChanges calls fn with every change to a subscriber
// committed on the same PostgreSQL database and schema, by any instance,
// command or hand-made SQL (the changes are sent by a trigger), until ctx
// is done; it returns nil then. Changes that sending makes (the window of
// the last edition, the bounce count) are not reported. fn hears Listening
// each time listening (re)starts and Lost each time it stops; between the
// two, nothing is lost, as long as Alive keeps coming (a connection that
// died silently is only found out by the check that Alive reports). fn
// runs on the listening goroutine and must be quick. Connection handling
// is that of ListenArticleChanges.
//
// On SQLite it only waits for ctx, and fn never hears Listening: nothing
// is ever reported, and callers must read what they need again.
func (db *DB) ListenSubscriberChanges(ctx context.Context, logger *slog.Logger, fn func(SubscriberChange)) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return db.listen(ctx, logger, listenSpec{
		channel: subscriberChannel,
		what:    "subscriber changes",
		started: func() { fn(SubscriberChange{Listening: true}) },
		stopped: func() { fn(SubscriberChange{Lost: true}) },
		alive:   func() { fn(SubscriberChange{Alive: true}) },
		idle:    subscriberListenIdle,
		// The trigger names the table's schema, which need not be the
		// session's current one (search_path "$user", public).
		schemaQuery: `SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = 'subscribers'::regclass`,
		payload: func(schema, payload string) {
			i := strings.LastIndexByte(payload, ':')
			if i < 0 || payload[:i] != schema {
				return // another schema's, or not ours
			}
			id, err := strconv.ParseInt(payload[i+1:], 10, 64)
			if err != nil {
				// Not knowing who changed, anyone may have: a listener
				// that was lost and is back is the safe answer.
				logger.Warn("store: undecodable subscriber change notification", "payload", payload)
				fn(SubscriberChange{Lost: true})
				fn(SubscriberChange{Listening: true})
				return
			}
			fn(SubscriberChange{ID: id})
		},
	})
}
