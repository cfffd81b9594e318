package main

import (
	"github.com/bantin/bantin/feed"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/web"
)

// articleChanged tells the caches that hold views of articles (the feeds,
// the article pages) of a change: this instance's, from the store's hook,
// or another instance's, from store.DB.ListenArticleChanges. Either cache
// is nil until made; nothing saves before both exist.
func articleChanged(feeds *feed.Cache, pages *web.Server, ch store.ArticleChange) {
	if feeds != nil {
		feeds.ArticleChanged(ch)
	}
	if pages != nil {
		pages.ArticleChanged(ch)
	}
}
