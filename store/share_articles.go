package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/bantin/bantin/article"
)

// maxIDLookup bounds ArticlesByID: an article path names one id and its
// candidates are a few dozen at most.
const maxIDLookup = 64

// ArticlesByID returns the articles whose ids are among ids, in no
// particular order; unknown ids are skipped. The article page resolves an
// ambiguous "/a/{id}-{slug}" (ids may contain hyphens) with one such query
// over every candidate id instead of one query per candidate.
func (db *DB) ArticlesByID(ctx context.Context, ids []string) ([]*article.Article, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > maxIDLookup {
		return nil, fmt.Errorf("store: articles by id: %d ids, at most %d", len(ids), maxIDLookup)
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := "SELECT " + articleColumns + " FROM articles WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: articles by id: %w", err)
	}
	defer rows.Close()
	var out []*article.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("store: articles by id: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
