package article

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// DefaultMaxSize is the input limit when Options.MaxSize is zero. The
// longest portal articles are well under 100 KB; anything near 2 MiB is a
// wrong file, not an article.
const DefaultMaxSize = 2 << 20

// Options configure a Parser. The zero value is ready to use.
type Options struct {
	// Location is the zone for dates that carry none; nil means
	// Asia/Ho_Chi_Minh (+07:00).
	Location *time.Location
	// MaxSize is the largest input accepted, in bytes; 0 means
	// DefaultMaxSize. Larger input fails with ErrTooLarge.
	MaxSize int64
}

// Parser turns documents into Articles. It holds no per-document state: one
// Parser is safe for concurrent use by many goroutines.
type Parser struct {
	loc     *time.Location
	maxSize int64
	policy  *bluemonday.Policy
	md      goldmark.Markdown
}

// NewParser returns a Parser for o.
func NewParser(o Options) *Parser {
	p := &Parser{loc: o.Location, maxSize: o.MaxSize}
	if p.loc == nil {
		var err error
		if p.loc, err = time.LoadLocation("Asia/Ho_Chi_Minh"); err != nil {
			// No tz database (a static binary on a bare image): Vietnam has
			// had no DST since 1975, so a fixed zone is exact for news.
			p.loc = time.FixedZone("ICT", 7*3600)
		}
	}
	if p.maxSize <= 0 {
		p.maxSize = DefaultMaxSize
	}
	p.policy = bluemonday.UGCPolicy()
	p.policy.RequireNoFollowOnLinks(true)
	// goldmark renders no raw HTML without html.WithUnsafe, and it stays that
	// way: whatever it renders still goes through the policy.
	p.md = goldmark.New(goldmark.WithExtensions(extension.GFM))
	return p
}

// Input is one document to parse.
type Input struct {
	// Name is the path or URL of the document. It names the document in
	// errors, and its extension picks the format for Parse.
	Name string
	// Key is the source key ("file:thoi-su/a.txt"). Article.ID derives from
	// it unless the document pins an id.
	Key string
	// Category is the category to use when the document names none,
	// usually the name of the folder the file sits in.
	Category string
	Data     []byte
}

// Parse parses in in the format its name's extension says: ".txt" is the
// portal's plain-text format, ".md" and ".markdown" are Markdown with front
// matter. Any other extension fails with ErrUnsupportedFormat.
func (p *Parser) Parse(in Input) (*Article, error) {
	name := in.Name
	if i := strings.Index(name, "://"); i >= 0 {
		// A URL: its query or fragment is not part of the extension.
		if j := strings.IndexAny(name[i+3:], "?#"); j >= 0 {
			name = name[:i+3+j]
		}
	}
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".txt":
		return p.ParsePortalText(in)
	case ".md", ".markdown":
		return p.ParseMarkdown(in)
	default:
		return nil, perr(in.Name, 0, fmt.Errorf("%w: %q (want .txt, .md or .markdown)", ErrUnsupportedFormat, ext))
	}
}

// SanitizeHTML makes HTML from outside (upstream feeds) safe to republish: a
// UGC policy (formatting, links, images, tables; no script, style, iframe,
// form or event attribute), only http, https and mailto URLs (relative URLs
// kept), and rel="nofollow noopener" on every link.
func (p *Parser) SanitizeHTML(s string) string {
	out := p.policy.Sanitize(s)
	// bluemonday can add nofollow but not noopener without also forcing
	// target=_blank. The policy lets no rel attribute through from the
	// input and escapes every quote in text and attribute values, so this
	// exact byte string only ever is the attribute bluemonday just added.
	return strings.ReplaceAll(out, ` rel="nofollow"`, ` rel="nofollow noopener"`)
}

// Normalize puts a into the form every stored article has: every text field
// valid UTF-8 in NFC without characters XML cannot carry, trimmed, with
// white space collapsed in one-line fields; tags de-duplicated; ID from
// SourceKey when empty; Slug from Title (from ID when the title has no Latin
// letter or digit);
// CategorySlug from Category; and ContentHash last. BodyHTML is normalized
// as text but not sanitized: run SanitizeHTML on HTML from outside first.
func (p *Parser) Normalize(a *Article) {
	a.SourceKey = cleanText(a.SourceKey)
	a.ID = cleanText(a.ID)
	a.Title = collapseSpace(cleanText(a.Title))
	a.Lead = collapseSpace(cleanText(a.Lead))
	a.BodyHTML = cleanText(a.BodyHTML)
	a.Category = collapseSpace(cleanText(a.Category))
	a.Byline = collapseSpace(cleanText(a.Byline))
	a.Link = cleanText(a.Link)
	tags := a.Tags[:0:0]
	for _, t := range a.Tags {
		t = collapseSpace(cleanText(t))
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	a.Tags = tags
	for i := range a.Images {
		a.Images[i].URL = cleanText(a.Images[i].URL)
		a.Images[i].Caption = collapseSpace(cleanText(a.Images[i].Caption))
	}
	if a.ID == "" && a.SourceKey != "" {
		a.ID = IDFromKey(a.SourceKey)
	}
	a.Slug = Slugify(a.Title)
	if a.Slug == "" {
		// A title with no Latin letter or digit still needs a URL.
		a.Slug = Slugify(a.ID)
	}
	a.CategorySlug = Slugify(a.Category)
	a.ContentHash = ContentHash(a)
}
