package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/bantin/bantin/article"
)

// EditionArticles returns the articles of each edition's window, as
// NewsletterArticles does for one: out[i] is what NewsletterArticles
// returns for the query {Since: eds[i].Since, Until: eds[i].Until, Limit:
// limit}, newest first. It is one query however many editions there are,
// so that a page listing editions with their articles (the editions feed)
// costs the same for twenty as for one.
func (db *DB) EditionArticles(ctx context.Context, eds []*Edition, limit int) ([][]*article.Article, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: edition articles: limit must be positive, got %d", limit)
	}
	if len(eds) == 0 {
		return nil, nil
	}
	// One arm per edition, each the query of NewsletterArticles with its
	// own ORDER BY and LIMIT, so that each still reads only its newest
	// rows by the published_at index. An arm's LIMIT needs a subquery in
	// SQLite's compound SELECT; the outer ORDER BY is what keeps each
	// window's order, since UNION ALL promises none.
	var q strings.Builder
	args := make([]any, 0, 3*len(eds))
	for i, e := range eds {
		if i > 0 {
			q.WriteString("\nUNION ALL ")
		}
		fmt.Fprintf(&q, "SELECT * FROM (SELECT %d AS edition_index, %s FROM articles"+
			" WHERE newsletter = TRUE AND published_at > ? AND published_at <= ?"+
			" ORDER BY published_at DESC, id DESC LIMIT ?) e%d", i, articleColumns, i)
		args = append(args, micros(e.Since), micros(e.Until), limit)
	}
	q.WriteString("\nORDER BY edition_index, published_at DESC, id DESC")
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(q.String()), args...)
	if err != nil {
		return nil, fmt.Errorf("store: edition articles: %w", err)
	}
	defer rows.Close()
	out := make([][]*article.Article, len(eds))
	var i int
	for rows.Next() {
		a, err := scanArticle(indexedRow{rows, &i})
		if err != nil {
			return nil, fmt.Errorf("store: edition articles: %w", err)
		}
		if i < 0 || i >= len(out) {
			return nil, fmt.Errorf("store: edition articles: edition index %d out of range", i)
		}
		out[i] = append(out[i], a)
	}
	return out, rows.Err()
}

// indexedRow scans a row whose first column is an index into *i and
// hands the rest to the scanner it stands in for (scanArticle).
type indexedRow struct {
	rows *sql.Rows
	i    *int
}

func (r indexedRow) Scan(dest ...any) error {
	return r.rows.Scan(append([]any{r.i}, dest...)...)
}
