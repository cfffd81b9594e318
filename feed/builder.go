package feed

import (
	"bytes"
	"fmt"
	"mime"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/gorilla/feeds"
)

// Builder turns articles into feed documents. It is pure: the same page
// always gives the same bytes (so ETags stay put across restarts), except
// for a feed with no articles at all, which is dated now. It is safe for
// concurrent use.
type Builder struct {
	site *site
	now  func() time.Time
}

// NewBuilder returns a Builder for s, or an error naming what in s is
// unusable.
func NewBuilder(s Site) (*Builder, error) {
	st, err := newSite(s)
	if err != nil {
		return nil, err
	}
	return &Builder{site: st, now: time.Now}, nil
}

// URL returns the absolute URL of a feed document, as its self link says.
func (b *Builder) URL(k Key) string { return b.site.url(k) }

// Page is one feed document's worth of articles and its place among the
// documents of its feed.
type Page struct {
	// Category is the slug of the category, "" for the site-wide feed;
	// CategoryName its display name.
	Category     string
	CategoryName string
	// Archive is 0 for the current feed, n for archive page n.
	Archive int
	// PrevArchive and NextArchive are the neighbouring archive pages to
	// link to, 0 for none.
	PrevArchive, NextArchive int
	// Articles are the items, in the order the document lists them.
	Articles []*article.Article

	// items caches the articles prepared for output, so that building
	// several formats of one page prepares each article once.
	items []item
}

// item is an article as every format shows it: text cleaned, URLs
// absolute, dates in the site's zone and whole seconds.
type item struct {
	id, link, title string
	summary         string // plain text
	content         string // HTML, lead included
	byline          string
	categories      []category
	image           *image
	published       time.Time
	updated         time.Time
}

type category struct{ term, label string }

type image struct{ url, mimeType, caption string }

func (b *Builder) prepare(p *Page) []item {
	if p.items != nil || len(p.Articles) == 0 {
		return p.items
	}
	p.items = make([]item, len(p.Articles))
	for i, a := range p.Articles {
		p.items[i] = b.prepareArticle(a)
	}
	return p.items
}

// summaryRunes caps a summary made from the body when there is no lead.
const summaryRunes = 300

func (b *Builder) prepareArticle(a *article.Article) item {
	s := b.site
	link := s.articleURL(a)
	base, err := url.Parse(link)
	if err != nil {
		base = s.base
	}
	it := item{
		id:        s.articleID(a),
		link:      link,
		title:     cleanText(strings.TrimSpace(a.Title)),
		byline:    cleanText(strings.TrimSpace(a.Byline)),
		published: b.inZone(a.PublishedAt),
		updated:   b.inZone(a.UpdatedAt),
	}
	body := absolutizeHTML(cleanText(a.BodyHTML), base)
	lead := cleanText(strings.TrimSpace(a.Lead))
	it.summary = lead
	if it.summary == "" {
		it.summary = truncateRunes(article.PlainText(body), summaryRunes)
	}
	if it.title == "" {
		// Never stored (the parsers require a title), but an item must
		// have one for the validator and for people.
		it.title = truncateRunes(it.summary, 80)
	}
	if it.summary == "" {
		it.summary = it.title
	}
	var content strings.Builder
	if lead != "" {
		content.WriteString("<p>")
		content.WriteString(escapeHTMLText(lead))
		content.WriteString("</p>")
	}
	if body != "" {
		if content.Len() > 0 {
			content.WriteByte('\n')
		}
		content.WriteString(body)
	}
	it.content = content.String()
	if it.updated.Before(it.published) {
		it.updated = it.published
	}

	if name := cleanText(a.Category); a.CategorySlug != "" {
		if name == "" {
			name = s.CategoryNames[a.CategorySlug]
		}
		if name == "" {
			name = a.CategorySlug
		}
		it.categories = append(it.categories, category{term: a.CategorySlug, label: name})
	}
	for _, t := range a.Tags {
		t = cleanText(strings.TrimSpace(t))
		if t != "" && !hasLabel(it.categories, t) {
			it.categories = append(it.categories, category{term: t})
		}
	}
	for _, im := range a.Images {
		if im.URL == "" {
			continue
		}
		u := absoluteURL(cleanText(im.URL), base)
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			continue
		}
		it.image = &image{url: safeURL(u), mimeType: imageType(pu.Path), caption: cleanText(im.Caption)}
		break
	}
	return it
}

func hasLabel(cs []category, s string) bool {
	for _, c := range cs {
		if c.label == s || (c.label == "" && c.term == s) {
			return true
		}
	}
	return false
}

// imageType guesses an image's media type from its path, "" when unsure;
// types are optional on media:content and Atom links.
func imageType(p string) string {
	switch ext := strings.ToLower(path.Ext(p)); ext {
	case ".jpg", ".jpeg", ".jpe":
		return "image/jpeg"
	case ".png", ".gif", ".webp", ".avif":
		return "image/" + ext[1:]
	case ".svg":
		return "image/svg+xml"
	default:
		if t := mime.TypeByExtension(ext); strings.HasPrefix(t, "image/") {
			t, _, _ = strings.Cut(t, ";")
			return t
		}
		return ""
	}
}

// inZone puts t in the site's zone at whole seconds: every format writes
// seconds at most, and an instant that prints the same must compare the same
// (Last-Modified, 304s).
func (b *Builder) inZone(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(b.site.Location).Truncate(time.Second)
}

// dates returns when the page's newest item was published and when any of
// its items last changed, which is the document's Last-Modified.
func (b *Builder) dates(items []item) (published, updated time.Time) {
	for _, it := range items {
		if it.published.After(published) {
			published = it.published
		}
		if it.updated.After(updated) {
			updated = it.updated
		}
	}
	if updated.IsZero() {
		// An empty feed still needs a date for Atom and RSS.
		updated = b.inZone(b.now())
		published = updated
	}
	return published, updated
}

// Document is a built feed document.
type Document struct {
	Body []byte
	// Updated is when the newest change to any of its items was made: the
	// Last-Modified of the document.
	Updated time.Time
}

// Build renders p in format f.
func (b *Builder) Build(f Format, p *Page) (Document, error) {
	var buf bytes.Buffer
	return b.buildTo(&buf, f, p)
}

// buildTo is Build writing into buf, which the cache reuses between
// builds: a document is half a megabyte, made six times per change.
func (b *Builder) buildTo(buf *bytes.Buffer, f Format, p *Page) (Document, error) {
	if p.Archive > 0 && !f.archived() {
		return Document{}, fmt.Errorf("feed: %s has no archive pages", f)
	}
	items := b.prepare(p)
	published, updated := b.dates(items)
	base := b.baseFeed(f, p, items, published, updated)
	buf.Reset()
	buf.Grow(4096 + 10*1024*len(items))
	var err error
	switch f {
	case RSS:
		err = b.writeRSS(buf, base, p, items)
	case Atom:
		err = b.writeAtom(buf, base, p, items)
	default:
		err = b.writeJSON(buf, base, p, items)
	}
	if err != nil {
		return Document{}, fmt.Errorf("feed: build %s of %q: %w", f, p.Category, err)
	}
	return Document{Body: buf.Bytes(), Updated: updated}, nil
}

// baseFeed fills gorilla/feeds' format-neutral Feed, which its converters
// turn into each format's structs; the format writers then add what it
// lacks.
func (b *Builder) baseFeed(f Format, p *Page, items []item, published, updated time.Time) *feeds.Feed {
	s := b.site
	name := cleanText(p.CategoryName)
	feed := &feeds.Feed{
		Title:       cleanText(s.title(name)),
		Link:        &feeds.Link{Href: s.home()},
		Description: cleanText(s.description(name, p.Archive)),
		Updated:     updated,
		Created:     published,
		Items:       make([]*feeds.Item, len(items)),
	}
	if f != RSS {
		// RSS would write it as managingEditor, which must be an email.
		feed.Author = &feeds.Author{Name: cleanText(s.Name)}
	}
	for i := range items {
		it := &items[i]
		fi := &feeds.Item{
			Title:       it.title,
			Link:        &feeds.Link{Href: it.link, Type: "text/html"},
			Id:          it.id,
			IsPermaLink: "false",
			Created:     it.published,
			Updated:     it.updated,
			Content:     it.content,
			Description: it.summary,
		}
		if f == RSS {
			// RSS descriptions are HTML: plain text with its specials
			// escaped is HTML that reads the same.
			fi.Description = escapeHTMLText(it.summary)
		} else if it.byline != "" {
			// RSS would write it as <author>, which must be an email; the
			// RSS writer uses dc:creator instead.
			fi.Author = &feeds.Author{Name: it.byline}
		}
		if it.image != nil && f == Atom {
			// Atom links need no length; RSS gets media:content instead
			// of an enclosure without one, JSON an image field.
			fi.Enclosure = &feeds.Enclosure{Url: it.image.url, Type: it.image.mimeType}
		}
		feed.Items[i] = fi
	}
	return feed
}
