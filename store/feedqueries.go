package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bantin/bantin/article"
)

// The queries in this file serve the feeds: which categories exist, and the
// archive of older articles in pages that do not move.
//
// Archive pages follow the order in which articles were first stored
// (created_at, then id), not their publication dates. That order only ever
// grows at its end, so a full page keeps its articles for good: a late
// import of an old article lands on the newest page instead of shifting
// every page after the date it claims. A correction keeps an article's
// place; moving it to another category removes it from the old category's
// order, which is rare and which the feed cache treats as a change to all
// of that category's pages.

// CategoryCount is one category that has articles.
type CategoryCount struct {
	Slug string
	// Name is the category's display name, as its newest article gives it
	// (a renamed category shows its new name).
	Name     string
	Articles int
}

// ArchiveQuery selects a run of articles in archive order, oldest first.
type ArchiveQuery struct {
	// CategorySlug limits the run to one category; empty means all.
	CategorySlug string
	// Offset is how many articles of the order to skip.
	Offset int
	// Limit caps the number of articles; it must be positive.
	Limit int
}

// Categories returns every category that has at least one article, by slug.
// Articles without a category are not counted.
func (db *DB) Categories(ctx context.Context) ([]CategoryCount, error) {
	// The count reads only the category index; the name comes from one
	// row per category. Reading the name for every row instead reads the
	// whole table, a second or more for a large store.
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(`SELECT s.category_slug,
    (SELECT a.category FROM articles a WHERE a.category_slug = s.category_slug
        ORDER BY a.published_at DESC, a.id DESC LIMIT 1),
    s.n
FROM (SELECT category_slug, COUNT(*) AS n FROM articles WHERE category_slug <> ? GROUP BY category_slug) s
ORDER BY s.category_slug`), "")
	if err != nil {
		return nil, fmt.Errorf("store: categories: %w", err)
	}
	defer rows.Close()
	var out []CategoryCount
	for rows.Next() {
		var c CategoryCount
		if err := rows.Scan(&c.Slug, &c.Name, &c.Articles); err != nil {
			return nil, fmt.Errorf("store: categories: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: categories: %w", err)
	}
	return out, nil
}

// CountArticles returns how many articles categorySlug has; "" counts all.
func (db *DB) CountArticles(ctx context.Context, categorySlug string) (int, error) {
	query, args := "SELECT COUNT(*) FROM articles", []any(nil)
	if categorySlug != "" {
		query += " WHERE category_slug = ?"
		args = append(args, categorySlug)
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, db.dialect.rebind(query), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count articles: %w", err)
	}
	return n, nil
}

// ArchiveArticles returns a run of articles in archive order: the order in
// which they were first stored, oldest first.
func (db *DB) ArchiveArticles(ctx context.Context, q ArchiveQuery) ([]*article.Article, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("store: archive articles: limit must be positive, got %d", q.Limit)
	}
	if q.Offset < 0 {
		return nil, fmt.Errorf("store: archive articles: offset must not be negative, got %d", q.Offset)
	}
	query, args := "SELECT "+articleColumns+" FROM articles", []any(nil)
	if q.CategorySlug != "" {
		query += " WHERE category_slug = ?"
		args = append(args, q.CategorySlug)
	}
	query += " ORDER BY created_at, id LIMIT ? OFFSET ?"
	args = append(args, q.Limit, q.Offset)

	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: archive articles: %w", err)
	}
	defer rows.Close()
	out := make([]*article.Article, 0, q.Limit)
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("store: archive articles: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: archive articles: %w", err)
	}
	return out, nil
}

// ArchivePosition returns the place of article id in the archive order of
// categorySlug ("" for all articles), counting from 0, so that a cache can
// tell which archive page a correction changed. It returns ErrNotFound when
// there is no such article, or when it is not in that category.
func (db *DB) ArchivePosition(ctx context.Context, id, categorySlug string) (int, error) {
	var created int64
	var slug string
	err := db.sql.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT created_at, category_slug FROM articles WHERE id = ?"), id).Scan(&created, &slug)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && categorySlug != "" && slug != categorySlug) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("store: archive position of %s: %w", id, err)
	}
	query := "SELECT COUNT(*) FROM articles WHERE (created_at < ? OR (created_at = ? AND id < ?))"
	args := []any{created, created, id}
	if categorySlug != "" {
		query += " AND category_slug = ?"
		args = append(args, categorySlug)
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, db.dialect.rebind(query), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: archive position of %s: %w", id, err)
	}
	return n, nil
}
