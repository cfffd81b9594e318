package newsletter

import (
	"context"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
)

// ArchiveStore is what the editions archive reads.
type ArchiveStore interface {
	ArticleSource
	Editions(ctx context.Context, q store.EditionQuery) ([]*store.Edition, error)
	EditionByID(ctx context.Context, id int64) (*store.Edition, error)
	// EditionArticles returns the articles of each edition's window, as
	// the function EditionArticles does for one edition, in one query.
	EditionArticles(ctx context.Context, eds []*store.Edition, limit int) ([][]*article.Article, error)
}

// Archive is the public record of the editions sent: what /editions,
// /editions/{id} and /editions/atom.xml show. Only editions that went out
// (sending or done) are in it; a skipped one never reached anyone.
type Archive struct {
	db     ArchiveStore
	render *Renderer
}

// NewArchive returns the archive of db's editions; render gives the
// category order and names.
func NewArchive(db ArchiveStore, render *Renderer) *Archive {
	return &Archive{db: db, render: render}
}

var publicEditions = []string{store.EditionSending, store.EditionDone}

// RecentEditions returns up to limit public editions, newest first, with
// ids below beforeID when it is positive.
func (a *Archive) RecentEditions(ctx context.Context, limit int, beforeID int64) ([]*store.Edition, error) {
	return a.db.Editions(ctx, store.EditionQuery{Statuses: publicEditions, BeforeID: beforeID, Limit: limit})
}

// EditionPage is an edition as its web view shows it: every article of
// its window, in every category, grouped as in the email.
type EditionPage struct {
	Edition  *store.Edition
	Sections []DigestSection
	Count    int
}

// EditionPage returns the web view of edition id, or store.ErrNotFound if
// there is no such public edition.
func (a *Archive) EditionPage(ctx context.Context, id int64, lang string) (*EditionPage, error) {
	e, err := a.db.EditionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.Status != store.EditionSending && e.Status != store.EditionDone {
		return nil, store.ErrNotFound
	}
	arts, err := EditionArticles(ctx, a.db, e, a.render.o.MaxArticles)
	if err != nil {
		return nil, err
	}
	return &EditionPage{Edition: e, Sections: a.render.sections(arts, lang), Count: len(arts)}, nil
}

// RecentEditionPages returns the web views of up to limit public
// editions, newest first: what the editions feed shows. It reads the
// editions in one query and the articles of all of them in another, rather
// than one EditionPage each, so a feed request costs two queries whatever
// limit is.
func (a *Archive) RecentEditionPages(ctx context.Context, limit int, lang string) ([]*EditionPage, error) {
	eds, err := a.RecentEditions(ctx, limit, 0)
	if err != nil || len(eds) == 0 {
		return nil, err
	}
	arts, err := a.db.EditionArticles(ctx, eds, a.render.o.MaxArticles)
	if err != nil {
		return nil, err
	}
	pages := make([]*EditionPage, len(eds))
	for i, e := range eds {
		pages[i] = &EditionPage{Edition: e, Sections: a.render.sections(arts[i], lang), Count: len(arts[i])}
	}
	return pages, nil
}

// Location is the zone editions are dated in.
func (a *Archive) Location() *time.Location { return a.render.o.Location }
