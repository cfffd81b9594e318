package store

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
)

// subscriberChannel is the NOTIFY channel of subscriber changes, sent by
// the triggers of migration 0009 with the payload "schema:id".
const subscriberChannel = "bantin_subscribers"

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
}

// ListenSubscriberChanges calls fn with every change to a subscriber
// committed on the same PostgreSQL database and schema, by any instance,
// command or hand-made SQL (the changes are sent by a trigger), until ctx
// is done; it returns nil then. Changes that sending makes (the window of
// the last edition, the bounce count) are not reported. fn hears Listening
// each time listening (re)starts and Lost each time it stops; between the
// two, nothing is lost. fn runs on the listening goroutine and must be
// quick. Connection handling is that of ListenArticleChanges.
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
