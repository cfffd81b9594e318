package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bantin/bantin/article"
)

const articleColumns = `id, source_key, slug, title, lead, body_html, category, category_slug,
    tags, byline, images, link, newsletter, published_at, updated_at, content_hash`

// imageJSON is the stored form of an image; the field names are part of the
// schema.
type imageJSON struct {
	URL     string `json:"url"`
	Caption string `json:"caption"`
}

// SaveArticle implements Articles.
func (db *DB) SaveArticle(ctx context.Context, a *article.Article) (Outcome, error) {
	if a.ID == "" || a.SourceKey == "" {
		return Unchanged, fmt.Errorf("store: save article %q: id and source key are required", a.Title)
	}
	tags, images, err := encodeLists(a)
	if err != nil {
		return Unchanged, err
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Unchanged, fmt.Errorf("store: save article %s: %w", a.SourceKey, err)
	}
	defer tx.Rollback()

	var existingID, existingHash, existingCategory string
	err = tx.QueryRowContext(ctx, db.dialect.rebind(
		"SELECT id, content_hash, category_slug FROM articles WHERE source_key = ?"), a.SourceKey).Scan(&existingID, &existingHash, &existingCategory)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return db.insertArticle(ctx, tx, a, tags, images)
	case err != nil:
		return Unchanged, fmt.Errorf("store: save article %s: %w", a.SourceKey, err)
	}
	// The id is the one already published, whatever the caller derived:
	// links, feed ids and delivery records point at it.
	a.ID = existingID
	if existingHash == a.ContentHash {
		return Unchanged, nil
	}
	a.UpdatedAt = db.now().UTC()
	_, err = tx.ExecContext(ctx, db.dialect.rebind(`UPDATE articles SET
    slug = ?, title = ?, lead = ?, body_html = ?, category = ?, category_slug = ?,
    tags = ?, byline = ?, images = ?, link = ?, newsletter = ?, published_at = ?,
    updated_at = ?, content_hash = ?
WHERE id = ?`),
		a.Slug, a.Title, a.Lead, a.BodyHTML, a.Category, a.CategorySlug,
		tags, a.Byline, images, a.Link, a.Newsletter, micros(a.PublishedAt),
		micros(a.UpdatedAt), a.ContentHash, a.ID)
	if err != nil {
		return Unchanged, fmt.Errorf("store: update article %s: %w", a.SourceKey, err)
	}
	slugs := []string{a.CategorySlug}
	if existingCategory != a.CategorySlug {
		slugs = append(slugs, existingCategory)
	}
	ch := ArticleChange{ID: a.ID, Outcome: Updated, CategorySlugs: slugs}
	if err := db.notifyOthers(ctx, tx, ch); err != nil {
		return Unchanged, fmt.Errorf("store: update article %s: %w", a.SourceKey, err)
	}
	if err := tx.Commit(); err != nil {
		return Unchanged, fmt.Errorf("store: update article %s: %w", a.SourceKey, err)
	}
	db.notify(ch)
	return Updated, nil
}

func (db *DB) insertArticle(ctx context.Context, tx *sql.Tx, a *article.Article, tags, images string) (Outcome, error) {
	var owner string
	err := tx.QueryRowContext(ctx, db.dialect.rebind("SELECT source_key FROM articles WHERE id = ?"), a.ID).Scan(&owner)
	if err == nil {
		return Unchanged, fmt.Errorf("store: article id %s of %s is already used by %s", a.ID, a.SourceKey, owner)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Unchanged, fmt.Errorf("store: save article %s: %w", a.SourceKey, err)
	}
	if a.UpdatedAt.IsZero() || a.UpdatedAt.Before(a.PublishedAt) {
		a.UpdatedAt = a.PublishedAt
	}
	_, err = tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO articles (`+articleColumns+`, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.ID, a.SourceKey, a.Slug, a.Title, a.Lead, a.BodyHTML, a.Category, a.CategorySlug,
		tags, a.Byline, images, a.Link, a.Newsletter, micros(a.PublishedAt), micros(a.UpdatedAt),
		a.ContentHash, micros(db.now()))
	if err != nil {
		return Unchanged, fmt.Errorf("store: insert article %s: %w", a.SourceKey, err)
	}
	ch := ArticleChange{ID: a.ID, Outcome: Created, CategorySlugs: []string{a.CategorySlug}}
	if err := db.notifyOthers(ctx, tx, ch); err != nil {
		return Unchanged, fmt.Errorf("store: insert article %s: %w", a.SourceKey, err)
	}
	if err := tx.Commit(); err != nil {
		return Unchanged, fmt.Errorf("store: insert article %s: %w", a.SourceKey, err)
	}
	db.notify(ch)
	return Created, nil
}

func (db *DB) notify(c ArticleChange) {
	if db.onChange != nil {
		db.onChange(c)
	}
}

func encodeLists(a *article.Article) (tags, images string, err error) {
	t := a.Tags
	if t == nil {
		t = []string{}
	}
	imgs := make([]imageJSON, len(a.Images))
	for i, im := range a.Images {
		imgs[i] = imageJSON{URL: im.URL, Caption: im.Caption}
	}
	tb, err := json.Marshal(t)
	if err != nil {
		return "", "", fmt.Errorf("store: encode tags of %s: %w", a.SourceKey, err)
	}
	ib, err := json.Marshal(imgs)
	if err != nil {
		return "", "", fmt.Errorf("store: encode images of %s: %w", a.SourceKey, err)
	}
	return string(tb), string(ib), nil
}

// Article implements Articles.
func (db *DB) Article(ctx context.Context, id string) (*article.Article, error) {
	row := db.sql.QueryRowContext(ctx, db.dialect.rebind("SELECT "+articleColumns+" FROM articles WHERE id = ?"), id)
	a, err := scanArticle(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: article %s: %w", id, err)
	}
	return a, nil
}

// LatestArticles implements Articles.
func (db *DB) LatestArticles(ctx context.Context, q ArticleQuery) ([]*article.Article, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("store: latest articles: limit must be positive, got %d", q.Limit)
	}
	var where []string
	var args []any
	if q.CategorySlug != "" {
		where = append(where, "category_slug = ?")
		args = append(args, q.CategorySlug)
	}
	if !q.Before.IsZero() {
		where = append(where, "published_at < ?")
		args = append(args, micros(q.Before))
	}
	query := "SELECT " + articleColumns + " FROM articles"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY published_at DESC, id DESC LIMIT ?"
	args = append(args, q.Limit)

	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: latest articles: %w", err)
	}
	defer rows.Close()
	var out []*article.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("store: latest articles: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: latest articles: %w", err)
	}
	return out, nil
}

// SourceKeys returns the source keys of stored articles that start with
// prefix, so that an importer can tell which sources have disappeared.
func (db *DB) SourceKeys(ctx context.Context, prefix string) (map[string]bool, error) {
	rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(
		"SELECT source_key FROM articles WHERE source_key >= ? AND source_key < ?"), prefix, prefix+"\U0010FFFF")
	if err != nil {
		return nil, fmt.Errorf("store: source keys: %w", err)
	}
	defer rows.Close()
	keys := make(map[string]bool)
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: source keys: %w", err)
		}
		keys[k] = true
	}
	return keys, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanArticle(s scanner) (*article.Article, error) {
	var a article.Article
	var tags, images string
	var published, updated int64
	if err := s.Scan(&a.ID, &a.SourceKey, &a.Slug, &a.Title, &a.Lead, &a.BodyHTML, &a.Category, &a.CategorySlug,
		&tags, &a.Byline, &images, &a.Link, &a.Newsletter, &published, &updated, &a.ContentHash); err != nil {
		return nil, err
	}
	a.PublishedAt = fromMicros(published)
	a.UpdatedAt = fromMicros(updated)
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return nil, fmt.Errorf("article %s: tags: %w", a.ID, err)
	}
	var imgs []imageJSON
	if err := json.Unmarshal([]byte(images), &imgs); err != nil {
		return nil, fmt.Errorf("article %s: images: %w", a.ID, err)
	}
	for _, im := range imgs {
		a.Images = append(a.Images, article.Image{URL: im.URL, Caption: im.Caption})
	}
	return &a, nil
}
