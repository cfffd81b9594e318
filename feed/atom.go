package feed

import (
	"bytes"
	"encoding/xml"
	"time"

	"github.com/gorilla/feeds"
)

// atomDoc is gorilla/feeds' AtomFeed plus xml:lang, every link a feed needs
// (it has room for one: self, alternate, hub and the RFC 5005 links) and
// fh:archive. Its fields come before the embedded ones, so all of them
// precede the entries, and its Entries field, being shallower, is the one
// encoding/xml writes.
type atomDoc struct {
	XMLName   xml.Name         `xml:"feed"`
	Lang      string           `xml:"xml:lang,attr"`
	NSHistory string           `xml:"xmlns:fh,attr,omitempty"`
	Links     []feeds.AtomLink `xml:"link"`
	Archive   *struct{}        `xml:"fh:archive"`
	Generator string           `xml:"generator"`
	*feeds.AtomFeed
	Entries []*atomEntry `xml:"entry"`
}

// atomEntry adds categories with a term (gorilla/feeds writes one category
// as text, which Atom does not allow) and writes the content as CDATA:
// the same text to an XML parser, but without an entity for every < and "
// of the HTML, a fifth smaller and much quicker to write.
type atomEntry struct {
	*feeds.AtomEntry
	Content    *atomContent   `xml:"content"`
	Categories []atomCategory `xml:"category"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",cdata"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

func (b *Builder) writeAtom(buf *bytes.Buffer, base *feeds.Feed, p *Page, items []item) error {
	s := b.site
	af := (&feeds.Atom{Feed: base}).AtomFeed()
	// gorilla/feeds uses the link as the id; an id must never change, and a
	// link can.
	af.Id = s.feedID(p.Category)
	af.Link = nil
	if af.Author != nil {
		af.Author.Uri = s.home()
	}
	doc := &atomDoc{
		Lang:      s.Language,
		Generator: "bantin",
		AtomFeed:  af,
		Entries:   make([]*atomEntry, len(af.Entries)),
	}
	const typ = "application/atom+xml"
	self := Key{Category: p.Category, Format: Atom, Page: p.Archive}
	doc.Links = append(doc.Links,
		feeds.AtomLink{Href: s.url(self), Rel: "self", Type: typ},
		feeds.AtomLink{Href: s.home(), Rel: "alternate", Type: "text/html"})
	if p.Archive == 0 && s.Hub != "" {
		doc.Links = append(doc.Links, feeds.AtomLink{Href: s.Hub, Rel: "hub"})
	}
	for _, l := range archiveLinks(p) {
		doc.Links = append(doc.Links, feeds.AtomLink{Href: s.url(Key{Category: p.Category, Format: Atom, Page: l.page}), Rel: l.rel, Type: typ})
	}
	if p.Archive > 0 || p.PrevArchive > 0 {
		doc.NSHistory = nsHistory
	}
	if p.Archive > 0 {
		doc.Archive = &struct{}{}
	}
	for i, e := range af.Entries {
		it := &items[i]
		// gorilla/feeds writes no published date and marks the summary as
		// HTML; ours is plain text.
		e.Published = it.published.Format(time.RFC3339)
		if e.Summary != nil {
			e.Summary.Type = "text"
		}
		x := &atomEntry{AtomEntry: e}
		if e.Content != nil {
			x.Content = &atomContent{Type: e.Content.Type, Body: e.Content.Content}
			e.Content = nil
		}
		for _, c := range it.categories {
			x.Categories = append(x.Categories, atomCategory{Term: c.term, Label: c.label})
		}
		doc.Entries[i] = x
	}
	af.Entries = nil
	return writeXML(buf, doc)
}
