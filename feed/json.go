package feed

import (
	"bytes"
	"encoding/json"

	"github.com/gorilla/feeds"
)

// jsonDoc is gorilla/feeds' JSONFeed with items that are always written:
// JSON Feed 1.1 requires the array, and gorilla/feeds omits it when empty.
type jsonDoc struct {
	*feeds.JSONFeed
	Items []*feeds.JSONItem `json:"items"`
}

func (b *Builder) writeJSON(buf *bytes.Buffer, base *feeds.Feed, p *Page, items []item) error {
	s := b.site
	jf := (&feeds.JSON{Feed: base}).JSONFeed()
	jf.Language = s.Language
	jf.FeedUrl = s.url(Key{Category: p.Category, Format: JSON})
	site := &feeds.JSONAuthor{Name: jf.Title, Url: s.home()}
	if jf.Author != nil {
		site.Name = jf.Author.Name
	}
	// JSON Feed 1.1 reads authors; author is kept for 1.0 readers.
	jf.Author, jf.Authors = site, []*feeds.JSONAuthor{site}
	if s.Hub != "" {
		jf.Hubs = []*feeds.JSONHub{{Type: "WebSub", Url: s.Hub}}
	}
	doc := &jsonDoc{JSONFeed: jf, Items: jf.Items}
	if doc.Items == nil {
		doc.Items = []*feeds.JSONItem{}
	}
	jf.Items = nil
	for i, ji := range doc.Items {
		it := &items[i]
		ji.Image = ""
		if it.image != nil {
			ji.Image = it.image.url
		}
		for _, c := range it.categories {
			ji.Tags = append(ji.Tags, c.display())
		}
	}
	enc := json.NewEncoder(buf)
	// HTML escaping would turn every < in content_html into \u003c. No
	// indenting: encoding/json indents in a second pass over the output,
	// which costs as much as the encoding, for readers that never look.
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
