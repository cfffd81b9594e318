package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SourceState implements SourceStates.
func (db *DB) SourceState(ctx context.Context, url string) (SourceState, error) {
	s := SourceState{URL: url}
	var checked int64
	err := db.sql.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT etag, last_modified, checked_at, last_error FROM source_states WHERE url = ?"), url).
		Scan(&s.ETag, &s.LastModified, &checked, &s.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("store: source state %s: %w", url, err)
	}
	s.CheckedAt = fromMicros(checked)
	return s, nil
}

// SaveSourceState implements SourceStates.
func (db *DB) SaveSourceState(ctx context.Context, s SourceState) error {
	_, err := db.sql.ExecContext(ctx, db.dialect.rebind(`INSERT INTO source_states (url, etag, last_modified, checked_at, last_error)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
    checked_at = excluded.checked_at, last_error = excluded.last_error`),
		s.URL, s.ETag, s.LastModified, micros(s.CheckedAt), s.LastError)
	if err != nil {
		return fmt.Errorf("store: save source state %s: %w", s.URL, err)
	}
	return nil
}
