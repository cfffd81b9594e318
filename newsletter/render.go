package newsletter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
	"github.com/vanng822/go-premailer/premailer"
)

// Rendering a digest happens once per variant, never per recipient: the
// digest template ("digest" under templates/email) is executed with
// placeholders in the personal fields, the HTML is given to premailer to
// inline its CSS, and both parts are cut at the placeholders into
// fragments encoded once (mailer.NewFragment). A message is then those
// shared fragments with the few personal values, escaped and encoded,
// slotted in between. A variant is what a group of recipients share: the
// edition, the start of their window, their categories and their language.

// ArticleSource is where digests read their articles from.
type ArticleSource interface {
	NewsletterArticles(ctx context.Context, q store.NewsletterQuery) ([]*article.Article, error)
}

// RendererOptions configures a Renderer.
type RendererOptions struct {
	// SiteName and SiteURL (no trailing slash) name the site and build
	// every link: articles are at SiteURL/a/{id}-{slug}, editions at
	// SiteURL/editions/{id}.
	SiteName, SiteURL string
	// Contact is the address readers can write to, shown in the footer.
	Contact string
	// Location is the zone of the date line and the subject's date.
	Location *time.Location
	// Categories orders the sections of a digest and names them: slug to
	// display name, in this order. Other categories follow by name.
	Categories []DigestCategory
	// MaxArticles caps the articles of one digest, the newest kept; 0
	// is 50.
	MaxArticles int
	// CacheSize is how many rendered variants are kept; 0 is 256.
	CacheSize int
}

// DigestCategory is a category's slug and display name.
type DigestCategory struct {
	Slug, Name string
}

// Renderer renders digests. It is safe for concurrent use; concurrent
// requests for the same variant render it once.
type Renderer struct {
	tpl      *templates.Set
	catalog  templates.Catalog
	articles ArticleSource
	o        RendererOptions
	order    map[string]int // category slug -> section position
	names    map[string]string
	marker   string // the prefix of the placeholders, random per Renderer
	cache    *variantCache
}

// NewRenderer returns a Renderer using the "digest" email templates of tpl.
func NewRenderer(tpl *templates.Set, articles ArticleSource, o RendererOptions) *Renderer {
	if o.Location == nil {
		o.Location = time.FixedZone("ICT", 7*3600)
	}
	if o.MaxArticles <= 0 {
		o.MaxArticles = 50
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 256
	}
	o.SiteURL = strings.TrimSuffix(o.SiteURL, "/")
	r := &Renderer{
		tpl: tpl, catalog: templates.NewCatalog(), articles: articles, o: o,
		order: map[string]int{}, names: map[string]string{},
		cache: newVariantCache(o.CacheSize),
	}
	for i, c := range o.Categories {
		r.order[c.Slug] = i
		r.names[c.Slug] = c.Name
	}
	// The placeholders are letters and digits only, so that no escaping
	// (HTML text, attribute or URL, CSS inlining) changes them, and carry
	// a random part, so that no article can contain one by chance or on
	// purpose.
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	r.marker = "bantinp" + hex.EncodeToString(nonce[:]) + "f"
	return r
}

// Personal fields, in the order of their placeholders.
const (
	fieldGreeting = iota
	fieldEmail
	fieldUnsubscribe
	fieldPreferences
	fieldShareQuery
	numFields
)

// Personal is what differs between two recipients of one variant.
type Personal struct {
	// Greeting is the first line, such as "Chào Lan,".
	Greeting string
	Email    string
	// UnsubscribeURL unsubscribes with one POST (RFC 8058) or one visit;
	// PreferencesURL opens the subscriber's preferences.
	UnsubscribeURL, PreferencesURL string
	// ShareQuery ends every share link: "?s=" and the reader's signed
	// address (see LinkMaker.ShareSenderToken).
	ShareQuery string
}

func (p *Personal) field(i int) string {
	switch i {
	case fieldGreeting:
		return p.Greeting
	case fieldEmail:
		return p.Email
	case fieldUnsubscribe:
		return p.UnsubscribeURL
	case fieldShareQuery:
		return p.ShareQuery
	default:
		return p.PreferencesURL
	}
}

// Variant is a digest rendered for everyone who shares its window,
// categories and language.
type Variant struct {
	// Subject is the digest's subject; it has no personal part.
	Subject string
	// Articles is how many articles it carries; 0 means there is nothing
	// new for these recipients and nothing is to be sent.
	Articles int
	Lang     string
	text     []piece
	html     []piece
}

// piece is a shared fragment followed by a personal field, or by nothing
// when field is -1.
type piece struct {
	frag  mailer.Fragment
	field int
}

// VariantKey names a variant.
type VariantKey struct {
	Edition *store.Edition
	// Since is the start of the recipients' window, (Since, Edition.Until].
	Since time.Time
	// Categories are the recipients' category slugs; empty means all.
	Categories []string
	Lang       string
}

func (k VariantKey) String() string {
	cats := slices.Clone(k.Categories)
	slices.Sort(cats)
	return strconv.FormatInt(k.Edition.ID, 10) + "|" + strconv.FormatInt(k.Since.UnixMicro(), 10) + "|" +
		k.Lang + "|" + strings.Join(cats, ",")
}

// Variant returns the variant for k, rendering it on first use.
func (r *Renderer) Variant(ctx context.Context, k VariantKey) (*Variant, error) {
	return r.cache.get(k.String(), func() (*Variant, error) { return r.render(ctx, k) })
}

// personal returns the address and personal fields of sub, whose
// language is lang.
func (r *Renderer) personal(sub *store.Subscriber, lang string, links LinkMaker) (mailer.Address, Personal) {
	unsubscribe, preferences := links.Links(sub)
	return mailer.Address{Name: sub.Name, Email: sub.Email}, Personal{
		Greeting:       r.Greeting(lang, sub.Name),
		Email:          sub.Email,
		UnsubscribeURL: unsubscribe,
		PreferencesURL: preferences,
		ShareQuery:     "?s=" + url.QueryEscape(links.ShareSenderToken(sub)),
	}
}

// Message returns the message of v for one recipient. Only the personal
// values are escaped and encoded here; the rest is shared.
func (v *Variant) Message(to mailer.Address, p Personal) *mailer.Message {
	var text, htmlVals [numFields]mailer.Fragment
	for i := range numFields {
		s := p.field(i)
		text[i] = mailer.NewFragment(s)
		htmlVals[i] = mailer.NewFragment(html.EscapeString(s))
	}
	return &mailer.Message{
		To:          []mailer.Address{to},
		Subject:     v.Subject,
		TextParts:   assemble(v.text, &text),
		HTMLParts:   assemble(v.html, &htmlVals),
		Bulk:        true,
		Unsubscribe: p.UnsubscribeURL,
	}
}

func assemble(pieces []piece, vals *[numFields]mailer.Fragment) []mailer.Fragment {
	out := make([]mailer.Fragment, 0, 2*len(pieces))
	for _, p := range pieces {
		out = append(out, p.frag)
		if p.field >= 0 {
			out = append(out, vals[p.field])
		}
	}
	return out
}

// Greeting returns the greeting for a subscriber named name in lang.
func (r *Renderer) Greeting(lang, name string) string {
	if name = strings.TrimSpace(name); name == "" {
		return r.catalog.Text(lang, "digest.greeting")
	}
	return fmt.Sprintf(r.catalog.Text(lang, "digest.greeting_name"), name)
}

// digestView is what the digest templates receive as EmailData.Data.
type digestView struct {
	Cadence    string
	Heading    string // "Bản tin sáng"
	DateShort  string // "30/11"
	Date       time.Time
	Count      int
	FirstTitle string
	Sections   []sectionView
	WebURL     string
	Contact    string
	// Personal fields: placeholders while rendering.
	Greeting, Email, UnsubscribeURL, PreferencesURL, ShareQuery string
}

type sectionView struct {
	Name, NameUpper string
	Articles        []articleView
}

type articleView struct {
	Title, Lead string
	// LeadText is the lead wrapped and indented for the text part.
	LeadText           string
	URL, ShareURL      string
	ImageURL, ImageAlt string
}

func (r *Renderer) render(ctx context.Context, k VariantKey) (*Variant, error) {
	e := k.Edition
	arts, err := r.articles.NewsletterArticles(ctx, store.NewsletterQuery{
		Since: k.Since, Until: e.Until, Categories: k.Categories, Limit: r.o.MaxArticles,
	})
	if err != nil {
		return nil, err
	}
	v := &Variant{Articles: len(arts), Lang: k.Lang}
	if len(arts) == 0 {
		return v, nil
	}
	view := r.view(e, arts, k.Lang)
	for i := range numFields {
		s := r.placeholder(i)
		switch i {
		case fieldGreeting:
			view.Greeting = s
		case fieldEmail:
			view.Email = s
		case fieldUnsubscribe:
			view.UnsubscribeURL = s
		case fieldPreferences:
			view.PreferencesURL = s
		case fieldShareQuery:
			view.ShareQuery = s
		}
	}
	m, err := r.tpl.RenderEmail("digest", templates.EmailData{
		Lang: k.Lang, SiteName: r.o.SiteName, SiteURL: r.o.SiteURL,
		Preheader: r.preheader(k.Lang, arts), Data: view,
	})
	if err != nil {
		return nil, fmt.Errorf("newsletter: render edition %d: %w", e.ID, err)
	}
	if strings.Contains(m.Subject, r.marker) {
		return nil, errors.New("newsletter: the digest subject template uses a personal field")
	}
	inlined, err := inlineCSS(m.HTML)
	if err != nil {
		return nil, fmt.Errorf("newsletter: render edition %d: inline CSS: %w", e.ID, err)
	}
	v.Subject = m.Subject
	if v.text, err = r.split(m.Text); err != nil {
		return nil, fmt.Errorf("newsletter: render edition %d: text part: %w", e.ID, err)
	}
	if v.html, err = r.split(inlined); err != nil {
		return nil, fmt.Errorf("newsletter: render edition %d: HTML part: %w", e.ID, err)
	}
	return v, nil
}

// inlineCSS moves the rules of the template's style element onto the
// elements they match, as style attributes, which is what Gmail and
// Outlook read; rules that cannot be inlined (dark mode, narrow screens)
// stay in a style element in the head.
func inlineCSS(doc string) (string, error) {
	p, err := premailer.NewPremailerFromString(doc, premailer.NewOptions())
	if err != nil {
		return "", err
	}
	return p.Transform()
}

func (r *Renderer) placeholder(field int) string {
	return r.marker + strconv.Itoa(field) + "x"
}

// split cuts s at the placeholders into pieces.
func (r *Renderer) split(s string) ([]piece, error) {
	var out []piece
	for {
		i := strings.Index(s, r.marker)
		if i < 0 {
			out = append(out, piece{frag: mailer.NewFragment(s), field: -1})
			return out, nil
		}
		rest := s[i+len(r.marker):]
		end := strings.IndexByte(rest, 'x')
		if end < 0 {
			return nil, errors.New("a personal field was cut")
		}
		field, err := strconv.Atoi(rest[:end])
		if err != nil || field < 0 || field >= numFields {
			return nil, errors.New("a personal field was changed")
		}
		out = append(out, piece{frag: mailer.NewFragment(s[:i]), field: field})
		s = rest[end+1:]
	}
}

func (r *Renderer) view(e *store.Edition, arts []*article.Article, lang string) *digestView {
	until := e.Until.In(r.o.Location)
	v := &digestView{
		Cadence:    e.Cadence,
		Heading:    r.catalog.Text(lang, headingKey(e.Cadence, until)),
		DateShort:  fmt.Sprintf("%d/%d", until.Day(), int(until.Month())),
		Date:       until,
		Count:      len(arts),
		FirstTitle: arts[0].Title,
		WebURL:     r.o.SiteURL + "/editions/" + strconv.FormatInt(e.ID, 10),
		Contact:    r.o.Contact,
	}
	for _, sec := range r.sections(arts, lang) {
		ds := sectionView{Name: sec.Name, NameUpper: strings.ToUpper(sec.Name)}
		for _, a := range sec.Articles {
			da := articleView{
				Title:    a.Title,
				Lead:     a.Lead,
				LeadText: wrapText(a.Lead, 72, "  "),
				URL:      ArticleURL(r.o.SiteURL, a),
				ShareURL: r.o.SiteURL + "/a/" + url.PathEscape(a.ID) + "/share",
			}
			if len(a.Images) > 0 && a.Images[0].URL != "" {
				da.ImageURL = r.absolute(a.Images[0].URL)
				da.ImageAlt = a.Images[0].Caption
			}
			ds.Articles = append(ds.Articles, da)
		}
		v.Sections = append(v.Sections, ds)
	}
	// The first title of the subject is the first the reader sees.
	v.FirstTitle = v.Sections[0].Articles[0].Title
	return v
}

// ArticleURL returns the address of an article's page on the site.
func ArticleURL(siteURL string, a *article.Article) string {
	return strings.TrimSuffix(siteURL, "/") + a.Path()
}

func (r *Renderer) absolute(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return r.o.SiteURL + "/" + strings.TrimPrefix(u, "/")
}

// headingKey names the digest's heading: the part of the day it comes out
// in for a daily digest.
func headingKey(cadence string, t time.Time) string {
	switch cadence {
	case store.CadenceWeekly:
		return "digest.heading.weekly"
	case store.CadenceInstant:
		return "digest.heading.instant"
	}
	switch h := t.Hour(); {
	case h >= 4 && h < 11:
		return "digest.heading.morning"
	case h >= 11 && h < 14:
		return "digest.heading.noon"
	case h >= 14 && h < 18:
		return "digest.heading.afternoon"
	default:
		return "digest.heading.evening"
	}
}

func (r *Renderer) preheader(lang string, arts []*article.Article) string {
	var b strings.Builder
	b.WriteString(fmt.Sprintf(r.catalog.Text(lang, "digest.preheader"), len(arts)))
	for i, a := range arts {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(" · ")
		}
		b.WriteString(a.Title)
		if b.Len() > 140 {
			break
		}
	}
	return b.String()
}

// DigestSection is the articles of one category.
type DigestSection struct {
	Slug, Name string
	Articles   []*article.Article
}

// sections groups arts by category: the configured categories in their
// order, then others by name, then those without a category. Articles keep
// their order within a section.
func (r *Renderer) sections(arts []*article.Article, lang string) []DigestSection {
	return GroupByCategory(arts, r.order, r.names, r.catalog.Text(lang, "digest.other"))
}

// GroupByCategory groups articles into sections: the categories of order
// first, in its order, then the others by name, then those without a
// category under other. names gives display names by slug, for articles
// that carry none.
func GroupByCategory(arts []*article.Article, order map[string]int, names map[string]string, other string) []DigestSection {
	bySlug := map[string]*DigestSection{}
	var secs []*DigestSection
	for _, a := range arts {
		s := bySlug[a.CategorySlug]
		if s == nil {
			name := names[a.CategorySlug]
			if name == "" {
				name = a.Category
			}
			if a.CategorySlug == "" || name == "" {
				name = other
			}
			s = &DigestSection{Slug: a.CategorySlug, Name: name}
			bySlug[a.CategorySlug] = s
			secs = append(secs, s)
		}
		s.Articles = append(s.Articles, a)
	}
	rank := func(s *DigestSection) (int, string) {
		if i, ok := order[s.Slug]; ok {
			return i, ""
		}
		if s.Slug == "" {
			return len(order) + 1, ""
		}
		return len(order), s.Name
	}
	slices.SortStableFunc(secs, func(a, b *DigestSection) int {
		ra, na := rank(a)
		rb, nb := rank(b)
		if ra != rb {
			return ra - rb
		}
		return strings.Compare(na, nb)
	})
	out := make([]DigestSection, len(secs))
	for i, s := range secs {
		out[i] = *s
	}
	return out
}

// wrapText wraps s into lines of at most width characters, each starting
// with indent, breaking at spaces; a longer word gets a line of its own.
func wrapText(s string, width int, indent string) string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return ""
	}
	var b strings.Builder
	col := 0
	for _, w := range words {
		n := len([]rune(w))
		switch {
		case col == 0:
			b.WriteString(indent)
			col = len(indent)
		case col+1+n > width:
			b.WriteString("\n")
			b.WriteString(indent)
			col = len(indent)
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += n
	}
	return b.String()
}
