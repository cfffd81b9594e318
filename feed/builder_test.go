package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/mmcdole/gofeed"
)

// The W3C feed validator's own patterns (feedvalidator/validators.py), so
// that the tests hold the feeds to its rules.
var (
	validatorTagRE     = regexp.MustCompile(`^tag:([a-z0-9\-\._]+?@)?[a-z0-9\.\-]+?,\d{4}(-\d{2}(-\d{2})?)?:[0-9a-zA-Z;/\?:@&=+$\.\-_!~*'\(\)%,]*(#[0-9a-zA-Z;/\?:@&=+$\.\-_!~*'\(\)%,]*)?$`)
	validatorRFC2822RE = regexp.MustCompile(`^(((Mon)|(Tue)|(Wed)|(Thu)|(Fri)|(Sat)|(Sun)), )?\d\d? ((Jan)|(Feb)|(Mar)|(Apr)|(May)|(Jun)|(Jul)|(Aug)|(Sep)|(Oct)|(Nov)|(Dec)) \d\d\d\d \d\d:\d\d(:\d\d)? (([+-]?\d\d[03]0)|(UT)|(GMT)|(EST)|(EDT)|(CST)|(CDT)|(MST)|(MDT)|(PST)|(PDT)|Z)$`)
	validatorRFC3339RE = regexp.MustCompile(`^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*)?(Z|([+-]\d\d:\d\d))$`)
	validatorFullURIRE = regexp.MustCompile(`^[a-zA-Z][0-9a-zA-Z+\-\.]*:(//)?[0-9a-zA-Z;/?:@&=+$\.\-_!~*'()%,#]+$`)
	// absUrlMixin: every <a href> and <img src> in HTML must start with a
	// scheme.
	validatorAnchorRE = regexp.MustCompile(`(?i)<a\s+href=(?:"(.*?)"|'(.*?)'|([\w-]+))[\s>]`)
	validatorImgRE    = regexp.MustCompile(`(?i)<img\s+[^>]*src=(?:"(.*?)"|'(.*?)'|([\w-]+))[\s>]`)
	validatorAbsRE    = regexp.MustCompile(`^\w+:`)
)

// buildAll builds every format of p.
func buildAll(t *testing.T, b *Builder, p *Page) map[Format][]byte {
	t.Helper()
	out := make(map[Format][]byte)
	for _, f := range Formats() {
		doc, err := b.Build(f, p)
		if err != nil {
			t.Fatalf("Build(%s): %v", f, err)
		}
		out[f] = doc.Body
	}
	return out
}

func samplePage(cat, name string, n int) *Page {
	p := &Page{Category: cat, CategoryName: name}
	for i := n; i >= 1; i-- {
		p.Articles = append(p.Articles, testArticle(i, cat, name))
	}
	return p
}

// TestRoundTripThroughGofeed parses every format, site-wide and per
// category, with gofeed and checks what a reader sees, Vietnamese text
// byte for byte.
func TestRoundTripThroughGofeed(t *testing.T) {
	b := newTestBuilder(t, testSite())
	for _, tc := range []struct{ cat, name, title string }{
		{"", "", "Bản tin Phường Tân Hòa"},
		{"thoi-su", "Thời sự", "Thời sự – Bản tin Phường Tân Hòa"},
	} {
		p := samplePage(tc.cat, tc.name, 3)
		p.Articles[1].Byline = ""
		p.Articles[2].UpdatedAt = p.Articles[2].PublishedAt.Add(26 * time.Hour)
		docs := buildAll(t, b, p)
		for _, f := range Formats() {
			t.Run(fmt.Sprintf("%s/%s", f, tc.cat), func(t *testing.T) {
				feed, err := gofeed.NewParser().ParseString(string(docs[f]))
				if err != nil {
					t.Fatalf("gofeed: %v\n%s", err, docs[f])
				}
				self := b.URL(Key{Category: tc.cat, Format: f})
				if feed.Title != tc.title || feed.Language != "vi" || feed.FeedLink != self {
					t.Errorf("feed title %q, language %q, self %q; want %q, vi, %q", feed.Title, feed.Language, feed.FeedLink, tc.title, self)
				}
				if feed.Link != "https://tin.example.vn/" {
					t.Errorf("feed link %q", feed.Link)
				}
				if len(feed.Items) != len(p.Articles) {
					t.Fatalf("%d items, want %d", len(feed.Items), len(p.Articles))
				}
				for i, it := range feed.Items {
					a := p.Articles[i]
					checkItem(t, f, it, a, tc.name)
				}
			})
		}
	}
}

func checkItem(t *testing.T, f Format, it *gofeed.Item, a *article.Article, catName string) {
	t.Helper()
	if it.Title != a.Title {
		t.Errorf("title %q, want %q", it.Title, a.Title)
	}
	wantLink := "https://tin.example.vn/a/" + a.ID + "-" + a.Slug
	if it.Link != wantLink {
		t.Errorf("link %q, want %q", it.Link, wantLink)
	}
	if it.GUID != "tag:tin.example.vn,2020:article/"+a.ID {
		t.Errorf("id %q", it.GUID)
	}
	if it.PublishedParsed == nil || !it.PublishedParsed.Equal(a.PublishedAt) {
		t.Errorf("published %v, want %v", it.PublishedParsed, a.PublishedAt)
	}
	if f != RSS {
		want := a.UpdatedAt
		if want.IsZero() {
			want = a.PublishedAt
		}
		if it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(want) {
			t.Errorf("updated %v, want %v", it.UpdatedParsed, want)
		}
	}
	wantCats := []string{"môi trường", "cây xanh"}
	if catName != "" {
		wantCats = append([]string{catName}, wantCats...)
	}
	if !slices.Equal(it.Categories, wantCats) {
		t.Errorf("categories %q, want %q", it.Categories, wantCats)
	}
	if a.Byline != "" && (len(it.Authors) == 0 || it.Authors[0].Name != a.Byline) {
		t.Errorf("authors %+v, want %q", it.Authors, a.Byline)
	}
	if it.Description != a.Lead {
		t.Errorf("description %q, want the lead %q", it.Description, a.Lead)
	}
	if !strings.HasPrefix(it.Content, "<p>"+a.Lead+"</p>") ||
		!strings.Contains(it.Content, `<a href="https://tin.example.vn/tin/cay-xanh"`) {
		t.Errorf("content %q: want the lead, then the body with absolute links", it.Content)
	}
	if it.Image != nil && it.Image.URL != "https://tin.example.vn/anh/doi-rac.jpg" {
		t.Errorf("image %q", it.Image.URL)
	}
}

// xmlNode is a parsed element for the rule checks.
type xmlNode struct {
	name     xml.Name
	attrs    []xml.Attr
	text     string
	children []*xmlNode
}

func (n *xmlNode) attr(local string) string {
	for _, a := range n.attrs {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

func (n *xmlNode) all(space, local string) []*xmlNode {
	var out []*xmlNode
	var walk func(*xmlNode)
	walk = func(x *xmlNode) {
		if x.name.Local == local && x.name.Space == space {
			out = append(out, x)
		}
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

func (n *xmlNode) child(space, local string) *xmlNode {
	for _, c := range n.children {
		if c.name.Local == local && c.name.Space == space {
			return c
		}
	}
	return nil
}

// parseXML parses a whole document strictly, which is the well-formedness
// check, and returns its root.
func parseXML(t *testing.T, doc []byte) *xmlNode {
	t.Helper()
	if !bytes.HasPrefix(doc, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("document does not start with the UTF-8 XML declaration")
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, doc)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: tk.Name, attrs: tk.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tk)
			}
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	return root
}

// checkNoEmptyText fails for elements with neither text nor children,
// except those that are empty by design.
func checkNoEmptyText(t *testing.T, n *xmlNode, emptyOK map[string]bool) {
	t.Helper()
	if len(n.children) == 0 && strings.TrimSpace(n.text) == "" && !emptyOK[n.name.Space+" "+n.name.Local] {
		t.Errorf("empty element %s:%s", n.name.Space, n.name.Local)
	}
	for _, c := range n.children {
		checkNoEmptyText(t, c, emptyOK)
	}
}

// checkAbsoluteRefs applies the validator's relative-URL scan to HTML.
func checkAbsoluteRefs(t *testing.T, html string) {
	t.Helper()
	for _, re := range []*regexp.Regexp{validatorAnchorRE, validatorImgRE} {
		for _, m := range re.FindAllStringSubmatch(html, -1) {
			ref := m[1] + m[2] + m[3]
			if !validatorAbsRE.MatchString(ref) {
				t.Errorf("relative URL %q in content", ref)
			}
		}
	}
}

func TestRSSFollowsValidatorRules(t *testing.T) {
	s := testSite()
	s.Hub = "https://hub.example.com/"
	b := newTestBuilder(t, s)
	p := samplePage("thoi-su", "Thời sự", 3)
	p.PrevArchive = 4
	doc, err := b.Build(RSS, p)
	if err != nil {
		t.Fatal(err)
	}
	root := parseXML(t, doc.Body)
	if root.name.Local != "rss" || root.attr("version") != "2.0" {
		t.Fatalf("root %v version %q", root.name, root.attr("version"))
	}
	// Every namespace used is declared, with the prefix the validator
	// expects.
	raw := string(doc.Body)
	for prefix, ns := range map[string]string{"atom": nsAtom, "content": nsContent, "dc": nsDC, "media": nsMedia, "fh": nsHistory} {
		if !strings.Contains(raw, fmt.Sprintf(`xmlns:%s="%s"`, prefix, ns)) {
			t.Errorf("namespace %s not declared as %s", ns, prefix)
		}
	}
	ch := root.child("", "channel")
	for _, name := range []string{"title", "link", "description", "language", "lastBuildDate", "pubDate"} {
		if c := ch.child("", name); c == nil || c.text == "" {
			t.Errorf("channel has no %s", name)
		}
	}
	if got := ch.child("", "language").text; got != "vi" {
		t.Errorf("language %q", got)
	}
	links := map[string]string{}
	for _, l := range ch.all(nsAtom, "link") {
		links[l.attr("rel")] = l.attr("href")
		if l.attr("rel") == "self" && l.attr("type") != "application/rss+xml" {
			t.Errorf("self link type %q", l.attr("type"))
		}
	}
	want := map[string]string{
		"self":         "https://tin.example.vn/c/thoi-su/rss.xml",
		"hub":          "https://hub.example.com/",
		"prev-archive": "https://tin.example.vn/c/thoi-su/archive/4/rss.xml",
	}
	if fmt.Sprint(links) != fmt.Sprint(want) {
		t.Errorf("atom links %v, want %v", links, want)
	}
	for _, d := range []*xmlNode{ch.child("", "pubDate"), ch.child("", "lastBuildDate")} {
		if !validatorRFC2822RE.MatchString(d.text) || !strings.HasSuffix(d.text, "+0700") {
			t.Errorf("date %q is not RFC 822 at +0700", d.text)
		}
	}
	// Items come after every channel element.
	seenItem := false
	for _, c := range ch.children {
		if c.name.Local == "item" {
			seenItem = true
		} else if seenItem {
			t.Errorf("channel element %s after an item", c.name.Local)
		}
	}
	for _, it := range ch.all("", "item") {
		g := it.child("", "guid")
		if g == nil || g.attr("isPermaLink") != "false" || !validatorTagRE.MatchString(g.text) {
			t.Errorf("guid %+v: want a tag: URI with isPermaLink=false", g)
		}
		if d := it.child("", "pubDate"); d == nil || !validatorRFC2822RE.MatchString(d.text) || !strings.HasSuffix(d.text, " +0700") {
			t.Errorf("item pubDate %+v", d)
		}
		if it.child("", "author") != nil {
			t.Error("item has <author>, which must be an email; want dc:creator")
		}
		if c := it.child(nsDC, "creator"); c == nil || c.text != "Mai Khôi" {
			t.Errorf("dc:creator %+v", c)
		}
		if l := it.child("", "link"); l == nil || !validatorFullURIRE.MatchString(l.text) {
			t.Errorf("item link %+v", l)
		}
		// description must come before content:encoded.
		names := []string{}
		for _, c := range it.children {
			names = append(names, c.name.Local)
		}
		if slices.Index(names, "description") > slices.Index(names, "encoded") {
			t.Errorf("content:encoded before description: %v", names)
		}
		checkAbsoluteRefs(t, it.child(nsContent, "encoded").text)
		checkAbsoluteRefs(t, it.child("", "description").text)
		m := it.child(nsMedia, "content")
		if m == nil || m.attr("url") != "https://tin.example.vn/anh/doi-rac.jpg" || m.attr("type") != "image/jpeg" || m.attr("medium") != "image" {
			t.Errorf("media:content %+v", m)
		}
		if len(it.all("", "category")) != 3 {
			t.Errorf("want 3 categories")
		}
	}
	checkNoEmptyText(t, root, map[string]bool{nsAtom + " link": true, nsMedia + " content": true})
}

func TestAtomFollowsValidatorRules(t *testing.T) {
	s := testSite()
	s.Hub = "https://hub.example.com/"
	b := newTestBuilder(t, s)
	p := samplePage("", "", 2)
	doc, err := b.Build(Atom, p)
	if err != nil {
		t.Fatal(err)
	}
	root := parseXML(t, doc.Body)
	if root.name.Space != nsAtom || root.name.Local != "feed" {
		t.Fatalf("root %v", root.name)
	}
	lang := ""
	for _, a := range root.attrs {
		if a.Name.Local == "lang" && a.Name.Space == "http://www.w3.org/XML/1998/namespace" {
			lang = a.Value
		}
	}
	if lang != "vi" {
		t.Errorf("xml:lang %q", lang)
	}
	if id := root.child(nsAtom, "id"); id == nil || id.text != "tag:tin.example.vn,2020:feed" || !validatorTagRE.MatchString(id.text) {
		t.Errorf("feed id %+v", id)
	}
	if u := root.child(nsAtom, "updated"); u == nil || !validatorRFC3339RE.MatchString(u.text) || !strings.HasSuffix(u.text, "+07:00") {
		t.Errorf("feed updated %+v", u)
	}
	if a := root.child(nsAtom, "author"); a == nil || a.child(nsAtom, "name").text != s.Name {
		t.Error("feed has no author")
	}
	rels := map[string]string{}
	for _, l := range root.all(nsAtom, "link") {
		if l.attr("rel") != "alternate" && l.attr("rel") != "enclosure" {
			rels[l.attr("rel")] = l.attr("href")
		}
	}
	if rels["self"] != "https://tin.example.vn/atom.xml" || rels["hub"] != "https://hub.example.com/" {
		t.Errorf("links %v", rels)
	}
	seenEntry := false
	for _, c := range root.children {
		if c.name.Local == "entry" {
			seenEntry = true
		} else if seenEntry {
			t.Errorf("feed element %s after an entry", c.name.Local)
		}
	}
	for _, e := range root.all(nsAtom, "entry") {
		id := e.child(nsAtom, "id")
		if id == nil || !validatorTagRE.MatchString(id.text) || strings.HasPrefix(id.text, "http") {
			t.Errorf("entry id %+v: want a tag: URI, never the link", id)
		}
		for _, name := range []string{"published", "updated"} {
			if d := e.child(nsAtom, name); d == nil || !validatorRFC3339RE.MatchString(d.text) || !strings.HasSuffix(d.text, "+07:00") {
				t.Errorf("entry %s %+v", name, d)
			}
		}
		for _, c := range e.all(nsAtom, "category") {
			if c.attr("term") == "" {
				t.Error("category without term")
			}
		}
		if c := e.child(nsAtom, "content"); c == nil || c.attr("type") != "html" {
			t.Errorf("content %+v", c)
		} else {
			checkAbsoluteRefs(t, c.text)
		}
		if s := e.child(nsAtom, "summary"); s == nil || s.attr("type") != "text" || s.text == "" {
			t.Errorf("summary %+v", s)
		}
	}
	checkNoEmptyText(t, root, map[string]bool{nsAtom + " link": true, nsAtom + " category": true})
}

func TestJSONFeedFields(t *testing.T) {
	s := testSite()
	s.Hub = "https://hub.example.com/"
	b := newTestBuilder(t, s)
	p := samplePage("the-thao", "Thể thao", 2)
	doc, err := b.Build(JSON, p)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(doc.Body, &f); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"version":       "https://jsonfeed.org/version/1.1",
		"title":         "Thể thao – Bản tin Phường Tân Hòa",
		"home_page_url": "https://tin.example.vn/",
		"feed_url":      "https://tin.example.vn/c/the-thao/feed.json",
		"language":      "vi",
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %v, want %v", k, f[k], v)
		}
	}
	if a, _ := f["authors"].([]any); len(a) != 1 || a[0].(map[string]any)["name"] != s.Name {
		t.Errorf("authors %v", f["authors"])
	}
	if h, _ := f["hubs"].([]any); len(h) != 1 || h[0].(map[string]any)["type"] != "WebSub" {
		t.Errorf("hubs %v", f["hubs"])
	}
	items, _ := f["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("items %v", f["items"])
	}
	for _, x := range items {
		it := x.(map[string]any)
		if id, ok := it["id"].(string); !ok || !validatorTagRE.MatchString(id) {
			t.Errorf("item id %v", it["id"])
		}
		if _, ok := it["content_html"].(string); !ok {
			t.Error("item has no content_html")
		}
		for _, k := range []string{"date_published", "date_modified"} {
			if d, _ := it[k].(string); !validatorRFC3339RE.MatchString(d) || !strings.HasSuffix(d, "+07:00") {
				t.Errorf("%s %q", k, d)
			}
		}
		if it["image"] != "https://tin.example.vn/anh/doi-rac.jpg" {
			t.Errorf("image %v", it["image"])
		}
		if tags := fmt.Sprint(it["tags"]); tags != "[Thể thao môi trường cây xanh]" {
			t.Errorf("tags %v", tags)
		}
		if a, _ := it["authors"].([]any); len(a) != 1 {
			t.Errorf("authors %v", it["authors"])
		}
	}
	// An empty feed still has its items array.
	doc, err = b.Build(JSON, &Page{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc.Body, []byte(`"items":[]`)) {
		t.Errorf("empty feed without items array:\n%s", doc.Body)
	}
}

// A corrected title changes the slug and so the link, but never the ids.
func TestTitleChangeKeepsIDs(t *testing.T) {
	b := newTestBuilder(t, testSite())
	a := testArticle(1, "thoi-su", "Thời sự")
	before := buildAll(t, b, &Page{Category: "thoi-su", CategoryName: "Thời sự", Articles: []*article.Article{a}})
	fixed := *a
	fixed.Title = "Phường tổ chức ngày hội đổi rác lấy cây xanh (đã sửa)"
	fixed.Slug = article.Slugify(fixed.Title)
	fixed.UpdatedAt = a.PublishedAt.Add(3 * time.Hour)
	after := buildAll(t, b, &Page{Category: "thoi-su", CategoryName: "Thời sự", Articles: []*article.Article{&fixed}})
	for _, f := range Formats() {
		x, err := gofeed.NewParser().ParseString(string(before[f]))
		if err != nil {
			t.Fatal(err)
		}
		y, err := gofeed.NewParser().ParseString(string(after[f]))
		if err != nil {
			t.Fatal(err)
		}
		if x.Items[0].GUID != y.Items[0].GUID || x.Items[0].GUID == "" {
			t.Errorf("%s: id changed from %q to %q", f, x.Items[0].GUID, y.Items[0].GUID)
		}
		if x.Items[0].Link == y.Items[0].Link {
			t.Errorf("%s: link did not follow the new slug", f)
		}
		if f == Atom && !y.Items[0].UpdatedParsed.After(*x.Items[0].UpdatedParsed) {
			t.Errorf("atom updated did not move: %v -> %v", x.Items[0].UpdatedParsed, y.Items[0].UpdatedParsed)
		}
	}
}

// Characters XML cannot carry, and those the validator flags, are removed
// from every field, not passed through or replaced.
func TestControlCharactersRemoved(t *testing.T) {
	b := newTestBuilder(t, testSite())
	a := testArticle(1, "thoi-su", "Thời sự")
	a.Title = "Giao ban\x00 thực hiện\x1b chương trình\u0085"
	a.Lead = "Sáng nay\x07, UBND phường\ufffd họp."
	a.BodyHTML = "<p>Nội\x0c dung\x1f chính\u009c.</p>\x01<![CDATA[x]]>"
	a.Byline = "Mai\x08 Khôi"
	a.Tags = []string{"thẻ\x0b"}
	a.Images[0].Caption = "Ảnh\x02 hội nghị"
	docs := buildAll(t, b, &Page{Category: "thoi-su", CategoryName: "Thời sự", Articles: []*article.Article{a}})
	for f, doc := range docs {
		for _, c := range string(doc) {
			if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || (c >= 0x7f && c <= 0x9f) || c == 0xfffd {
				t.Errorf("%s: character %U passed through", f, c)
			}
		}
		if f != JSON {
			parseXML(t, doc)
		}
		feed, err := gofeed.NewParser().ParseString(string(doc))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got := feed.Items[0].Title; got != "Giao ban thực hiện chương trình" {
			t.Errorf("%s: title %q", f, got)
		}
	}
}

// Every URL in an item is absolute: links, images, srcset, relative to the
// article's own link when it comes from upstream.
func TestRelativeURLsAreAbsolutized(t *testing.T) {
	b := newTestBuilder(t, testSite())
	a := testArticle(1, "", "")
	a.Link = "https://nguon.example.com/tin/bai-1.html"
	a.BodyHTML = `<p><a href="bai-2.html">tiếp</a> <a href="#chu-thich">1</a> <a href="//cdn.example.com/x">x</a>` +
		`<img src="/anh/a.png" srcset="/anh/a.png 1x, b.png 2x" alt="a"><a href="https://khac.example/">ok</a> <a href="mailto:toa-soan@example.vn">thư</a></p>`
	a.Images = []article.Image{{URL: "../anh/dau.webp"}}
	doc, err := b.Build(RSS, &Page{Articles: []*article.Article{a}})
	if err != nil {
		t.Fatal(err)
	}
	root := parseXML(t, doc.Body)
	html := root.all(nsContent, "encoded")[0].text
	checkAbsoluteRefs(t, html)
	for _, want := range []string{
		`href="https://nguon.example.com/tin/bai-2.html"`,
		`href="https://nguon.example.com/tin/bai-1.html#chu-thich"`,
		`href="https://cdn.example.com/x"`,
		`src="https://nguon.example.com/anh/a.png"`,
		`srcset="https://nguon.example.com/anh/a.png 1x, https://nguon.example.com/tin/b.png 2x"`,
		`href="https://khac.example/"`,
		`href="mailto:toa-soan@example.vn"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("content lacks %s:\n%s", want, html)
		}
	}
	if m := root.all(nsMedia, "content")[0]; m.attr("url") != "https://nguon.example.com/anh/dau.webp" || m.attr("type") != "image/webp" {
		t.Errorf("media:content %v", m.attrs)
	}
	if l := root.all("", "item")[0].child("", "link").text; l != a.Link {
		t.Errorf("item link %q, want the upstream link", l)
	}
}

// A link with Vietnamese in it is percent-encoded: the validator rejects
// non-ASCII in links.
func TestNonASCIILinksAreEncoded(t *testing.T) {
	b := newTestBuilder(t, testSite())
	a := testArticle(1, "", "")
	a.Link = "https://nguồn.example.vn/tin/giao-ban-phường?mục=thời sự"
	doc, err := b.Build(RSS, &Page{Articles: []*article.Article{a}})
	if err != nil {
		t.Fatal(err)
	}
	link := parseXML(t, doc.Body).all("", "item")[0].child("", "link").text
	if !validatorFullURIRE.MatchString(link) {
		t.Errorf("link %q is not an ASCII URI", link)
	}
	if !strings.HasPrefix(link, "https://xn--ngun-") {
		t.Errorf("host not IDNA-encoded: %q", link)
	}
}

func TestArchivePageLinks(t *testing.T) {
	b := newTestBuilder(t, testSite())
	p := samplePage("thoi-su", "Thời sự", 2)
	p.Archive, p.PrevArchive, p.NextArchive = 3, 2, 4
	for _, f := range []Format{RSS, Atom} {
		doc, err := b.Build(f, p)
		if err != nil {
			t.Fatal(err)
		}
		root := parseXML(t, doc.Body)
		ns := nsAtom
		parent := root
		if f == RSS {
			parent = root.child("", "channel")
		}
		links := map[string]string{}
		for _, l := range parent.all(ns, "link") {
			if l.attr("rel") != "alternate" && l.attr("rel") != "enclosure" {
				links[l.attr("rel")] = l.attr("href")
			}
		}
		base := "https://tin.example.vn/c/thoi-su/"
		want := map[string]string{
			"self":         base + "archive/3/" + f.FileName(),
			"current":      base + f.FileName(),
			"prev-archive": base + "archive/2/" + f.FileName(),
			"next-archive": base + "archive/4/" + f.FileName(),
		}
		if fmt.Sprint(links) != fmt.Sprint(want) {
			t.Errorf("%s links %v, want %v", f, links, want)
		}
		if len(parent.all(nsHistory, "archive")) != 1 {
			t.Errorf("%s: no fh:archive", f)
		}
	}
	if _, err := b.Build(JSON, p); err == nil {
		t.Error("JSON archive page built")
	}
}

// Building is deterministic, so that ETags survive restarts.
func TestBuildIsDeterministic(t *testing.T) {
	b := newTestBuilder(t, testSite())
	x := buildAll(t, b, samplePage("thoi-su", "Thời sự", 5))
	y := buildAll(t, b, samplePage("thoi-su", "Thời sự", 5))
	for _, f := range Formats() {
		if !bytes.Equal(x[f], y[f]) {
			t.Errorf("%s differs between two builds", f)
		}
	}
}

func TestNewBuilderChecksSite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Site)
		want   string
	}{
		{"relative url", func(s *Site) { s.URL = "/tin" }, "http or https"},
		{"no name", func(s *Site) { s.Name = " " }, "name"},
		{"ipv6 host", func(s *Site) { s.URL = "http://[::1]:8080" }, "tag authority"},
		{"bad tag authority", func(s *Site) { s.TagAuthority = "Tin.Example.VN" }, "lower-case"},
		{"bad tag date", func(s *Site) { s.TagDate = "2020-13" }, "tag date"},
	} {
		s := testSite()
		tc.change(&s)
		if _, err := NewBuilder(s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
	s := testSite()
	s.URL = "http://127.0.0.1:8080/"
	b := newTestBuilder(t, s)
	if got := b.URL(Key{Format: RSS}); got != "http://127.0.0.1:8080/rss.xml" {
		t.Errorf("URL = %q", got)
	}
	if got := b.site.tagPrefix; got != "tag:127.0.0.1,2020:" {
		t.Errorf("tag prefix %q", got)
	}
}
