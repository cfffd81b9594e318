package feed

import (
	"strconv"
	"strings"
)

// Format is a syndication format.
type Format uint8

// The formats, in the order they are listed everywhere.
const (
	RSS Format = iota
	Atom
	JSON
)

// Formats lists every format.
func Formats() []Format { return []Format{RSS, Atom, JSON} }

// FileName is the last path segment of a feed in this format.
func (f Format) FileName() string {
	switch f {
	case RSS:
		return "rss.xml"
	case Atom:
		return "atom.xml"
	default:
		return "feed.json"
	}
}

// ContentType is the media type the format is served with. The W3C
// validator warns about any other (text/xml loses the charset, and
// application/xml says nothing about the feed).
func (f Format) ContentType() string {
	switch f {
	case RSS:
		return "application/rss+xml; charset=utf-8"
	case Atom:
		return "application/atom+xml; charset=utf-8"
	default:
		return "application/feed+json; charset=utf-8"
	}
}

// String names the format for logs.
func (f Format) String() string {
	switch f {
	case RSS:
		return "rss"
	case Atom:
		return "atom"
	default:
		return "json"
	}
}

// archived reports whether the format has archive pages.
func (f Format) archived() bool { return f != JSON }

// Key names one feed document.
type Key struct {
	// Category is a category slug; "" is the site-wide feed.
	Category string
	Format   Format
	// Page is 0 for the current feed and n >= 1 for archive page n.
	Page int
}

// Path returns the URL path of the document, relative to the site root:
// "/rss.xml", "/c/thoi-su/atom.xml", "/archive/3/rss.xml".
func (k Key) Path() string {
	var b strings.Builder
	if k.Category != "" {
		b.WriteString("/c/")
		b.WriteString(k.Category)
	}
	if k.Page > 0 {
		b.WriteString("/archive/")
		b.WriteString(strconv.Itoa(k.Page))
	}
	b.WriteByte('/')
	b.WriteString(k.Format.FileName())
	return b.String()
}

// ParsePath returns the key of a feed URL path, or false when the path
// names no feed document. It checks syntax only: the category may not
// exist.
func ParsePath(p string) (Key, bool) {
	var k Key
	if rest, ok := strings.CutPrefix(p, "/c/"); ok {
		slug, tail, ok := strings.Cut(rest, "/")
		if !ok || !ValidSlug(slug) {
			return Key{}, false
		}
		k.Category, p = slug, "/"+tail
	}
	if rest, ok := strings.CutPrefix(p, "/archive/"); ok {
		num, tail, ok := strings.Cut(rest, "/")
		n, err := strconv.Atoi(num)
		// No sign, no leading zero: one page has one URL.
		if !ok || err != nil || n < 1 || num[0] == '0' || num[0] == '+' {
			return Key{}, false
		}
		k.Page, p = n, "/"+tail
	}
	switch p {
	case "/rss.xml":
		k.Format = RSS
	case "/atom.xml":
		k.Format = Atom
	case "/feed.json":
		k.Format = JSON
	default:
		return Key{}, false
	}
	if k.Page > 0 && !k.Format.archived() {
		return Key{}, false
	}
	return k, true
}

// maxSlugLen matches article.Slugify, which never makes a longer slug.
const maxSlugLen = 80

// ValidSlug reports whether s can be a category slug: what article.Slugify
// returns for a name with at least one letter or digit.
func ValidSlug(s string) bool {
	if s == "" || len(s) > maxSlugLen || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
		if c == '-' && s[i-1] == '-' {
			return false
		}
	}
	return true
}
