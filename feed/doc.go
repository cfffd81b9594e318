// Package feed owns the syndication feeds: building RSS 2.0, Atom 1.0 and
// JSON Feed 1.1 documents from stored articles, keeping them ready to serve
// in a cache that is rebuilt once per change, serving them over HTTP with
// validators and compression, announcing changes to a WebSub hub, and
// writing them out as static files.
//
// Documents are built with github.com/gorilla/feeds. What it lacks (the
// atom:link self, hub and archive links, xml:lang, item categories with a
// term, dc:creator, media:content, published dates, stable tag: ids) is
// added by small wrapper types that embed its structs and add or override
// fields; its conversion code still does the rest.
//
// # URLs
//
// The site-wide feeds are /rss.xml, /atom.xml and /feed.json; a category's
// are /c/{slug}/rss.xml, /c/{slug}/atom.xml and /c/{slug}/feed.json. Each
// holds the newest articles by publication date.
//
// Older articles are published as RFC 5005 archived feeds, in RSS and Atom:
// /archive/{n}/rss.xml and /c/{slug}/archive/{n}/atom.xml and so on. Page 1
// holds the first articles ever stored, page n the next ones; a page is
// published once it is full and never changes its set of articles, because
// the order is the order in which articles were first stored, which only
// grows at its end (see store.ArchiveArticles). The current feed links to
// the newest full page with rel="prev-archive"; each page links to its
// neighbours and to the current feed. The archive page size must not exceed
// the number of items in the current feed, so that every article not yet on
// a full page is in the current feed. JSON Feed has no archive standard, so
// the JSON feeds have none.
//
// # Serving
//
// Cache builds each document once per change and keeps it gzipped, with
// its headers made in advance; Handler serves it with a strong ETag (one
// per representation, gzip or not; either matches If-None-Match),
// Last-Modified (the newest change among its items, moved forward when a
// document changes without a newer item), Cache-Control max-age and
// Vary: Accept-Encoding, and answers If-None-Match and If-Modified-Since
// with 304. A change (Cache.ArticleChanged, from the store's change hook)
// marks stale only the documents the article is in; Cache.Run rebuilds
// those that were in use, then tells the WebSub hub (WebSub) which feeds
// changed. FastListener answers feed readers' plain GETs of feeds from the
// cache before net/http sees them, at a fraction of its cost per request,
// and hands every other request to net/http untouched. Export writes the
// same documents as files.
//
// # Ids
//
// Every id is a tag: URI (RFC 4151) built from a tagging entity that is
// fixed by configuration and the article's id, which the store keeps for the
// life of an article; a corrected title, and so a new slug or link, never
// changes it. Feed readers therefore never show a corrected article twice.
package feed
