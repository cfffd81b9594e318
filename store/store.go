// Package store owns persistence: the articles and the state of the sources
// that feed them. It hides the database behind small interfaces so that the
// embedded SQLite database and PostgreSQL (for several instances) can stand
// behind the same code. Each dialect has its own embedded migrations.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/bantin/bantin/article"
)

// ErrNotFound is returned when a lookup finds nothing.
var ErrNotFound = errors.New("store: not found")

// Outcome says what saving an article did.
type Outcome int

const (
	Unchanged Outcome = iota // same content hash: nothing was written
	Created                  // a new article
	Updated                  // same article (same id), new content and updated_at
)

func (o Outcome) String() string {
	switch o {
	case Created:
		return "created"
	case Updated:
		return "updated"
	default:
		return "unchanged"
	}
}

// ArticleChange tells what a save changed, for caches that hold views of
// articles (feeds). It is delivered after the change is committed.
type ArticleChange struct {
	ID      string
	Outcome Outcome
	// CategorySlugs holds the article's category and, when an update moved
	// it, its previous one; "" stands for no category.
	CategorySlugs []string
	// All says that any article may have changed, and ID, Outcome and
	// CategorySlugs say nothing: every view of articles must be read
	// again. ListenArticleChanges reports it when notifications may have
	// been missed.
	All bool
}

// ArticleQuery selects the latest articles.
type ArticleQuery struct {
	// CategorySlug limits the result to one category; empty means all.
	CategorySlug string
	// Limit caps the number of articles; it must be positive.
	Limit int
	// Before, when set, returns only articles published strictly before it,
	// for paging back through older articles.
	Before time.Time
}

// Articles reads and writes articles.
type Articles interface {
	// SaveArticle creates the article or, when its source key is known,
	// updates it in place keeping its id. An unchanged content hash writes
	// nothing and reports Unchanged.
	SaveArticle(ctx context.Context, a *article.Article) (Outcome, error)
	// Article returns one article by id, or ErrNotFound.
	Article(ctx context.Context, id string) (*article.Article, error)
	// LatestArticles returns articles newest first by published time.
	LatestArticles(ctx context.Context, q ArticleQuery) ([]*article.Article, error)
}

// SourceState is what a poller remembers about one upstream feed between
// polls, for conditional GET and for reporting.
type SourceState struct {
	URL          string
	ETag         string
	LastModified string
	CheckedAt    time.Time
	// LastError is empty after a successful poll.
	LastError string
}

// SourceStates remembers upstream feed state.
type SourceStates interface {
	// SourceState returns the state for url, or a zero state with URL set
	// when the feed has never been polled.
	SourceState(ctx context.Context, url string) (SourceState, error)
	SaveSourceState(ctx context.Context, s SourceState) error
}
