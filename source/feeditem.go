package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/internal/htmlurl"
	"github.com/mmcdole/gofeed"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// leadRunes is about how long a lead cut from a long description is: two or
// three sentences, what a digest shows under a headline.
const leadRunes = 300

// errNoTitle marks a feed item that cannot become an article.
var errNoTitle = errors.New("item has no title")

// itemInput is one feed item with what mapping it needs from its feed.
type itemInput struct {
	feedURL  string
	category string // Feed.Category; "" takes the item's first category
	feed     *gofeed.Feed
	item     *gofeed.Item
	// published is used when the item carries no date; it must be the
	// same on every poll (see Poller.itemDate), or the article would change
	// at each one.
	published time.Time
	loc       *time.Location
}

// itemKey returns the source key of a feed item: its guid, else its link,
// else a hash of what identifies it in its feed. The feed's own URL is not
// part of a guid key, so an item syndicated in two feeds is one article.
func itemKey(feedURL string, it *gofeed.Item) string {
	if g := strings.TrimSpace(it.GUID); g != "" {
		return "feed:" + g
	}
	if l := strings.TrimSpace(it.Link); l != "" {
		return "feed:" + l
	}
	date := it.Published
	if date == "" {
		date = it.Updated
	}
	sum := sha256.Sum256([]byte(feedURL + "\x00" + strings.TrimSpace(it.Title) + "\x00" + date))
	return "feed:" + feedURL + "#" + hex.EncodeToString(sum[:8])
}

// itemDate returns the item's publication time, else its update time, else
// the zero time.
func itemDate(it *gofeed.Item) time.Time {
	switch {
	case it.PublishedParsed != nil:
		return *it.PublishedParsed
	case it.UpdatedParsed != nil:
		return *it.UpdatedParsed
	}
	return time.Time{}
}

// itemToArticle maps a feed item to a normalized article. HTML from the
// feed is sanitized and its relative URLs resolved against the item's link
// (else the feed's), because the article is republished on another site
// and in email, where relative URLs point nowhere.
func itemToArticle(p *article.Parser, in itemInput) (*article.Article, error) {
	it := in.item
	title := article.PlainText(it.Title)
	if title == "" {
		return nil, errNoTitle
	}
	base := baseURL(in.feedURL, in.feed, it)
	a := &article.Article{
		SourceKey:  itemKey(in.feedURL, it),
		Title:      title,
		Link:       webLink(base, strings.TrimSpace(it.Link)),
		Category:   in.category,
		Tags:       append([]string(nil), it.Categories...),
		Byline:     byline(it),
		Newsletter: true,
	}
	for _, l := range it.Links {
		if a.Link != "" {
			break
		}
		a.Link = webLink(base, strings.TrimSpace(l))
	}
	if a.Category == "" {
		for _, c := range it.Categories {
			if c = strings.TrimSpace(c); c != "" {
				a.Category = c
				break
			}
		}
	}

	a.Lead, a.BodyHTML = leadAndBody(it)
	a.BodyHTML = htmlurl.ResolveAll(base, p.SanitizeHTML(a.BodyHTML))
	a.Images = itemImages(it, base)

	a.PublishedAt = itemDate(it)
	if a.PublishedAt.IsZero() {
		a.PublishedAt = in.published
	}
	if it.UpdatedParsed != nil {
		a.UpdatedAt = *it.UpdatedParsed
	}
	if in.loc != nil {
		a.PublishedAt = a.PublishedAt.In(in.loc)
		if !a.UpdatedAt.IsZero() {
			a.UpdatedAt = a.UpdatedAt.In(in.loc)
		}
	}
	p.Normalize(a)
	if a.Title == "" {
		return nil, errNoTitle // only characters Normalize drops
	}
	return a, nil
}

// leadAndBody picks the lead and the body HTML (not yet sanitized) of an
// item. The lead is the description as text, else the content's first
// paragraph; like every article's, the body leaves out the lead, so a
// paragraph (or a whole description) that became the lead is dropped from
// it, unless the lead had to be cut and the body is the only full copy.
func leadAndBody(it *gofeed.Item) (lead, body string) {
	content := textToHTML(it.Content)
	desc := article.PlainText(it.Description)
	if strings.TrimSpace(content) == "" {
		lead = cutWords(desc, leadRunes)
		if lead == desc {
			return lead, ""
		}
		return lead, textToHTML(it.Description)
	}
	if desc != "" {
		return cutWords(desc, leadRunes), content
	}
	first, start, end := firstParagraph(content)
	lead = cutWords(first, leadRunes)
	if lead == first && start >= 0 {
		return lead, content[:start] + content[end:]
	}
	return lead, content
}

// baseURL returns the absolute URL relative links in the item resolve
// against: the item's link, else the feed's site link, else the feed URL,
// each resolved against the next.
func baseURL(feedURL string, feed *gofeed.Feed, it *gofeed.Item) *url.URL {
	base, err := url.Parse(feedURL)
	if err != nil || !webURL(base) {
		base = nil
	}
	for _, s := range []string{feed.Link, it.Link} {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil {
			continue
		}
		if base != nil {
			u = base.ResolveReference(u)
		}
		if webURL(u) {
			base = u
		}
	}
	return base
}

// webURL reports whether u is an absolute http or https URL.
func webURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// webLink returns ref resolved against base when that makes an http or
// https URL, else "": an item link is published as a link, and a
// "javascript:" one would run in readers' browsers.
func webLink(base *url.URL, ref string) string {
	u, err := url.Parse(htmlurl.Resolve(base, ref))
	if err != nil || !webURL(u) {
		return ""
	}
	return u.String()
}

// textToHTML turns content that has no markup at all (JSON Feed's
// content_text, plain RSS descriptions) into paragraphs, so that its line
// breaks survive; anything with a tag is returned as is.
func textToHTML(s string) string {
	if strings.ContainsRune(s, '<') || strings.TrimSpace(s) == "" {
		return s
	}
	s = strings.ReplaceAll(html.UnescapeString(s), "\r\n", "\n")
	var b strings.Builder
	for para := range strings.SplitSeq(s, "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>")
			b.WriteString(html.EscapeString(para))
			b.WriteString("</p>")
		}
	}
	return b.String()
}

// firstParagraph returns the plain text of the first non-empty <p> of an
// HTML fragment and the byte range of that element in s; with no such
// paragraph, the text of the whole fragment and -1, -1.
func firstParagraph(s string) (text string, start, end int) {
	if strings.TrimSpace(s) == "" {
		return "", -1, -1
	}
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	inP, skip, off := false, 0, 0
	for {
		tt := z.Next()
		pos := off
		off += len(z.Raw())
		switch tt {
		case xhtml.ErrorToken:
			if t := strings.Join(strings.Fields(b.String()), " "); inP && t != "" {
				return t, start, len(s) // an unclosed last paragraph
			}
			return article.PlainText(s), -1, -1
		case xhtml.StartTagToken, xhtml.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.P:
				if tt == xhtml.StartTagToken {
					inP, start = true, pos
					b.Reset()
				} else if inP {
					if t := strings.Join(strings.Fields(b.String()), " "); t != "" {
						return t, start, off
					}
					inP = false
				}
			case atom.Script, atom.Style:
				if tt == xhtml.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
			case atom.Br:
				b.WriteByte(' ')
			}
		case xhtml.TextToken:
			if inP && skip == 0 {
				b.Write(z.Text())
			}
		}
	}
}

// cutWords shortens s to about n runes, at a word boundary, ending in "…".
func cutWords(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	end := 0
	for i := range s {
		if n == 0 {
			end = i
			break
		}
		n--
	}
	cut := s[:end]
	// Back up to the last space unless that loses more than a third: one
	// very long "word" (a URL) is better cut than dropped.
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > len(cut)*2/3 {
		cut = cut[:i]
	}
	cut = strings.TrimRightFunc(cut, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' && r != '"' && r != '”'
	})
	return cut + "…"
}

// byline joins the item's author names.
func byline(it *gofeed.Item) string {
	var names []string
	for _, a := range it.Authors {
		if a != nil && strings.TrimSpace(a.Name) != "" {
			names = append(names, strings.TrimSpace(a.Name))
		}
	}
	if len(names) == 0 && it.Author != nil {
		return strings.TrimSpace(it.Author.Name)
	}
	return strings.Join(names, ", ")
}

// itemImages returns the item's image and its image enclosures, with
// absolute http(s) URLs only: an image is shown in mail clients, which
// cannot load anything else.
func itemImages(it *gofeed.Item, base *url.URL) []article.Image {
	var imgs []article.Image
	seen := make(map[string]bool)
	add := func(raw, caption string) {
		u := webLink(base, strings.TrimSpace(raw))
		if u == "" || seen[u] {
			return
		}
		seen[u] = true
		imgs = append(imgs, article.Image{URL: u, Caption: article.PlainText(caption)})
	}
	if it.Image != nil {
		add(it.Image.URL, it.Image.Title)
	}
	for _, e := range it.Enclosures {
		if e != nil && strings.HasPrefix(strings.ToLower(strings.TrimSpace(e.Type)), "image/") {
			add(e.URL, "")
		}
	}
	return imgs
}
