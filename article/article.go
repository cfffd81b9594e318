// Package article owns the Article type and the parsers that turn outside
// input into one: the portal's plain-text format (see DESIGN.md) and Markdown
// with YAML front matter. Every parser returns text normalized to NFC,
// a Vietnamese-aware slug and sanitized HTML; nothing it returns needs
// escaping again except where it is placed into another document.
package article

import (
	"net/url"
	"time"
)

// Article is one published piece, whatever source it came from.
type Article struct {
	// ID is stable for the life of the article: it is derived from the
	// source key (or pinned by front matter) and never from the title, so a
	// corrected title keeps every link, feed id and delivery record.
	ID string
	// SourceKey names where the article came from, e.g. "file:thoi-su/a.txt"
	// or "feed:<guid>". Re-importing the same key updates the same article.
	SourceKey string
	Slug      string
	Title     string
	// Lead is the sapo: plain text, no markup.
	Lead string
	// BodyHTML is sanitized HTML for the body, lead excluded.
	BodyHTML string
	// Category is the display name of the category ("Thời sự"); CategorySlug
	// its URL form ("thoi-su"). Empty when the source names none.
	Category     string
	CategorySlug string
	Tags         []string
	Byline       string
	Images       []Image
	// Link is the canonical URL at the source, when the source has one
	// (upstream feeds); empty for local files.
	Link string
	// Newsletter is false when the source asked to keep the article out of
	// email digests.
	Newsletter  bool
	PublishedAt time.Time
	UpdatedAt   time.Time
	// ContentHash is a hex SHA-256 over the fields above that readers see; an
	// unchanged hash means a re-import changes nothing.
	ContentHash string
}

// Image is a picture of the article. URL may be empty: the portal's
// plain-text format marks where a photo stands and gives its caption, but
// not its address.
type Image struct {
	URL     string
	Caption string
}

// Path returns the article's page on the site, "/a/{id}-{slug}". The id
// comes first and is what finds the article, so a link made before a title
// correction (and so with the old slug) still arrives, redirected.
func (a *Article) Path() string {
	if a.Slug == "" {
		return "/a/" + url.PathEscape(a.ID)
	}
	return "/a/" + url.PathEscape(a.ID) + "-" + a.Slug
}
