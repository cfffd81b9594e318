package feed

import (
	"context"
	"errors"
	"slices"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/store"
)

// Source is where feeds read articles: *store.DB.
type Source interface {
	LatestArticles(ctx context.Context, q store.ArticleQuery) ([]*article.Article, error)
	ArchiveArticles(ctx context.Context, q store.ArchiveQuery) ([]*article.Article, error)
	CountArticles(ctx context.Context, categorySlug string) (int, error)
	ArchivePosition(ctx context.Context, id, categorySlug string) (int, error)
	Categories(ctx context.Context) ([]store.CategoryCount, error)
}

// ErrNotFound is returned for a feed document that does not exist: a
// category without articles, an archive page not yet full.
var ErrNotFound = errors.New("feed: no such feed")

// pager reads the articles of one feed document and works out its place
// among its feed's documents. The cache and the static export share it, so
// both publish the same documents.
type pager struct {
	src Source
	// items is the size of the current feed; archiveSize that of an
	// archive page, 0 for no archives.
	items, archiveSize int
	names              map[string]string
}

// archivePages returns how many full archive pages a feed with n articles
// has. Only full pages are published: a page that is still filling would
// change, and its articles are in the current feed anyway because
// archiveSize <= items.
func (p *pager) archivePages(n int) int {
	if p.archiveSize <= 0 {
		return 0
	}
	return n / p.archiveSize
}

// load reads the page of category cat (0 for the current feed) and returns
// it with the number of full archive pages the feed has. count, when
// non-negative, is the number of articles in the category, saving a query.
func (p *pager) load(ctx context.Context, cat string, page, count int) (*Page, int, error) {
	if count < 0 {
		n, err := p.src.CountArticles(ctx, cat)
		if err != nil {
			return nil, 0, err
		}
		count = n
	}
	pages := p.archivePages(count)
	pg := &Page{Category: cat, Archive: page}
	var err error
	if page == 0 {
		pg.Articles, err = p.src.LatestArticles(ctx, store.ArticleQuery{CategorySlug: cat, Limit: p.items})
		pg.PrevArchive = pages
	} else {
		if page > pages {
			return nil, pages, ErrNotFound
		}
		pg.Articles, err = p.src.ArchiveArticles(ctx, store.ArchiveQuery{
			CategorySlug: cat, Offset: (page - 1) * p.archiveSize, Limit: p.archiveSize})
		// Newest first, as readers list a feed.
		slices.Reverse(pg.Articles)
		pg.PrevArchive = page - 1
		if page < pages {
			pg.NextArchive = page + 1
		}
	}
	if err != nil {
		return nil, pages, err
	}
	if cat != "" && len(pg.Articles) == 0 {
		// A category exists while it has articles; the site-wide feed
		// always exists, empty or not.
		return nil, 0, ErrNotFound
	}
	pg.CategoryName = p.categoryName(cat, pg.Articles)
	return pg, pages, nil
}

func (p *pager) categoryName(cat string, articles []*article.Article) string {
	if cat == "" {
		return ""
	}
	for _, a := range articles {
		if a.CategorySlug == cat && a.Category != "" {
			return a.Category
		}
	}
	if n := p.names[cat]; n != "" {
		return n
	}
	return cat
}
