package feed

import (
	"bytes"
	"encoding/xml"

	"github.com/gorilla/feeds"
)

// The namespaces the RSS feeds use. The W3C validator knows each by these
// prefixes and warns about any other prefix for them.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsMedia   = "http://search.yahoo.com/mrss/"
	nsHistory = "http://purl.org/syndication/history/1.0"
)

// rssDoc replaces gorilla/feeds' RssFeedXml, which declares only the content
// namespace.
type rssDoc struct {
	XMLName   xml.Name    `xml:"rss"`
	Version   string      `xml:"version,attr"`
	NSAtom    string      `xml:"xmlns:atom,attr"`
	NSContent string      `xml:"xmlns:content,attr"`
	NSDC      string      `xml:"xmlns:dc,attr"`
	NSMedia   string      `xml:"xmlns:media,attr"`
	NSHistory string      `xml:"xmlns:fh,attr,omitempty"`
	Channel   *rssChannel `xml:"channel"`
}

// rssChannel is gorilla/feeds' channel plus atom:link (self, hub and the
// RFC 5005 archive links) and fh:archive. Its Items field is shallower than
// the embedded one, so encoding/xml writes these items instead; they come
// last, after every channel element, as the validator wants.
type rssChannel struct {
	*feeds.RssFeed
	Links   []rssAtomLink `xml:"atom:link"`
	Archive *struct{}     `xml:"fh:archive"`
	Items   []*rssItem    `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rssItem adds to gorilla/feeds' item what it lacks: the byline as
// dc:creator (RSS <author> must be an email address), one <category> per
// category and tag (it has room for one), and the lead image as
// media:content, which unlike an enclosure needs no length we do not know.
type rssItem struct {
	*feeds.RssItem
	Creator    string        `xml:"dc:creator,omitempty"`
	Categories []string      `xml:"category"`
	Media      *mediaContent `xml:"media:content"`
}

type mediaContent struct {
	URL         string     `xml:"url,attr"`
	Type        string     `xml:"type,attr,omitempty"`
	Medium      string     `xml:"medium,attr"`
	Description *mediaText `xml:"media:description"`
}

type mediaText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

func (b *Builder) writeRSS(buf *bytes.Buffer, base *feeds.Feed, p *Page, items []item) error {
	s := b.site
	ch := (&feeds.Rss{Feed: base}).RssFeed()
	ch.Language = s.Language
	ch.Generator = "bantin"
	if minutes := int(s.TTL.Minutes()); minutes > 0 && p.Archive == 0 {
		ch.Ttl = minutes
	}
	doc := &rssDoc{
		Version: "2.0", NSAtom: nsAtom, NSContent: nsContent, NSDC: nsDC, NSMedia: nsMedia,
		Channel: &rssChannel{RssFeed: ch, Items: make([]*rssItem, len(ch.Items))},
	}
	const typ = "application/rss+xml"
	self := Key{Category: p.Category, Format: RSS, Page: p.Archive}
	doc.Channel.Links = append(doc.Channel.Links, rssAtomLink{Href: s.url(self), Rel: "self", Type: typ})
	if p.Archive == 0 && s.Hub != "" {
		doc.Channel.Links = append(doc.Channel.Links, rssAtomLink{Href: s.Hub, Rel: "hub"})
	}
	for _, l := range archiveLinks(p) {
		doc.Channel.Links = append(doc.Channel.Links, rssAtomLink{Href: s.url(Key{Category: p.Category, Format: RSS, Page: l.page}), Rel: l.rel, Type: typ})
	}
	if p.Archive > 0 || p.PrevArchive > 0 {
		doc.NSHistory = nsHistory
	}
	if p.Archive > 0 {
		doc.Channel.Archive = &struct{}{}
	}
	for i, ri := range ch.Items {
		it := &items[i]
		x := &rssItem{RssItem: ri, Creator: it.byline}
		for _, c := range it.categories {
			x.Categories = append(x.Categories, c.display())
		}
		if im := it.image; im != nil {
			x.Media = &mediaContent{URL: im.url, Type: im.mimeType, Medium: "image"}
			if im.caption != "" {
				x.Media.Description = &mediaText{Type: "plain", Text: im.caption}
			}
		}
		doc.Channel.Items[i] = x
	}
	ch.Items = nil
	return writeXML(buf, doc)
}

// display is the name readers see.
func (c category) display() string {
	if c.label != "" {
		return c.label
	}
	return c.term
}

// archiveLink is an RFC 5005 link from a page to another document of its
// feed; page 0 is the current feed.
type archiveLink struct {
	rel  string
	page int
}

func archiveLinks(p *Page) []archiveLink {
	var out []archiveLink
	if p.Archive > 0 {
		out = append(out, archiveLink{"current", 0})
	}
	if p.PrevArchive > 0 {
		out = append(out, archiveLink{"prev-archive", p.PrevArchive})
	}
	if p.Archive > 0 && p.NextArchive > 0 {
		out = append(out, archiveLink{"next-archive", p.NextArchive})
	}
	return out
}

// writeXML writes the XML declaration and doc, indented as gorilla/feeds
// does.
func writeXML(buf *bytes.Buffer, doc any) error {
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	buf.WriteByte('\n')
	return nil
}
