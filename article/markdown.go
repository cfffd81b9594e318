package article

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"gopkg.in/yaml.v3"
)

// fmOffset turns a front-matter line (yaml.v3 counts from 1) into a file
// line: the front matter starts on line 2, after the opening "---".
const fmOffset = 1

// ParseMarkdown parses Markdown with YAML front matter:
//
//	---
//	title: Tiêu đề              required, unless the body starts with "# Tiêu đề"
//	date: 2020-07-10            required: YYYY-MM-DD, "YYYY-MM-DD HH:MM" or RFC 3339
//	updated: 2020-07-11 09:00   optional, same forms
//	category: Thời sự           else Input.Category
//	tags: [giao thông, Hà Nội]
//	author: Mai Khôi            the byline; a list of names is joined with ", "
//	lead: Sapo                  else the first paragraph of the body
//	images:                     each {url, caption}, or just a URL
//	  - url: /anh/a.jpg
//	    caption: Chú thích
//	id: bai-123                 pins Article.ID; letters, digits, . _ : -
//	newsletter: false           keeps the article out of digests; default true
//	---
//
// Dates without a zone are in the parser's Location. Unknown keys are
// ignored; a known key with a value of the wrong type fails with the file
// line of that key (or of the list item at fault). A first "# H1" that
// repeats the title is dropped from the body. Images in the body are added
// to Images after those of the front matter. The body is rendered with
// GitHub Flavored Markdown, raw HTML omitted, and the result sanitized;
// relative URLs stay relative.
func (p *Parser) ParseMarkdown(in Input) (*Article, error) {
	s, err := p.prepare(in)
	if err != nil {
		return nil, err
	}
	fm, body, err := splitFrontMatter(s)
	if err != nil {
		return nil, perr(in.Name, 1, err)
	}
	a := &Article{SourceKey: in.Key, Category: in.Category, Newsletter: true}
	leadSet, err := p.decodeFrontMatter(in.Name, fm, a)
	if err != nil {
		return nil, err
	}

	src := []byte(body)
	doc := p.md.Parser().Parse(text.NewReader(src))
	if h, ok := doc.FirstChild().(*ast.Heading); ok && h.Level == 1 {
		t := p.plainOf(src, h)
		if a.Title == "" {
			a.Title = t
			doc.RemoveChild(doc, h)
		} else if collapseSpace(a.Title) == t {
			doc.RemoveChild(doc, h)
		}
	}
	if strings.TrimSpace(a.Title) == "" {
		return nil, perr(in.Name, 1, fmt.Errorf("%w: set title in the front matter or start the body with \"# Title\"", ErrMissingTitle))
	}
	if !leadSet {
		for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
			if _, ok := n.(*ast.Paragraph); !ok {
				continue
			}
			if t := p.plainOf(src, n); t != "" {
				a.Lead = t
				doc.RemoveChild(doc, n)
				break
			}
		}
	}
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if im, ok := n.(*ast.Image); ok && entering {
			u := string(im.Destination)
			if okURL(u) && !hasImage(a.Images, u) {
				a.Images = append(a.Images, Image{URL: u, Caption: inlineText(src, im)})
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return nil, perr(in.Name, 0, err)
	}
	var buf bytes.Buffer
	if err := p.md.Renderer().Render(&buf, src, doc); err != nil {
		return nil, perr(in.Name, 0, err)
	}
	a.BodyHTML = p.SanitizeHTML(buf.String())
	p.Normalize(a)
	return a, nil
}

// splitFrontMatter cuts s into the YAML between the "---" lines and the
// body after them.
func splitFrontMatter(s string) (fm, body string, err error) {
	first, rest, _ := strings.Cut(s, "\n")
	if strings.TrimRight(first, " \t") != "---" {
		return "", "", fmt.Errorf("%w: a Markdown article must start with a \"---\" line opening its front matter (date is required)", ErrFrontMatter)
	}
	for off := 0; off <= len(rest); {
		line, _, found := strings.Cut(rest[off:], "\n")
		if l := strings.TrimRight(line, " \t"); l == "---" || l == "..." {
			end := off + len(line)
			if found {
				end++
			}
			return rest[:off], rest[end:], nil
		}
		if !found {
			break
		}
		off += len(line) + 1
	}
	return "", "", fmt.Errorf("%w: the front matter opened on line 1 is never closed with \"---\"", ErrFrontMatter)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// decodeFrontMatter fills a from the front matter. It walks yaml.Node
// rather than decoding into a struct because only the node knows the line
// an operator has to fix. It reports whether the front matter set a lead.
func (p *Parser) decodeFrontMatter(name, fm string, a *Article) (leadSet bool, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(fm), &doc); err != nil {
		msg, line := err.Error(), 1
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			line, msg = n+fmOffset, msg[len(m[0]):]
		}
		return false, perr(name, line, fmt.Errorf("%w: %s", ErrFrontMatter, msg))
	}
	if len(doc.Content) == 0 {
		return false, perr(name, 1, fmt.Errorf("%w: date is required", ErrMissingDate))
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return false, perr(name, root.Line+fmOffset, fmt.Errorf("%w: want key: value lines, got %s", ErrFrontMatter, kindName(root)))
	}
	seen := map[string]bool{}
	dateSet := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], deref(root.Content[i+1])
		key := strings.ToLower(k.Value)
		line := k.Line + fmOffset
		bad := func(format string, args ...any) error {
			return perr(name, line, fmt.Errorf("%w: %s: "+format, append([]any{ErrFrontMatter, k.Value}, args...)...))
		}
		if seen[key] {
			return false, bad("duplicate key")
		}
		seen[key] = true
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue // "key:" with nothing is the key left out
		}
		switch key {
		case "title", "category", "lead", "id", "date", "updated":
			if v.Kind != yaml.ScalarNode {
				return false, bad("want a single value, got %s", kindName(v))
			}
		}
		switch key {
		case "title":
			a.Title = v.Value
		case "category":
			a.Category = v.Value
		case "lead":
			a.Lead = v.Value
			leadSet = strings.TrimSpace(v.Value) != ""
		case "id":
			if !validID(v.Value) {
				return false, bad("%q: want 1 to 128 letters, digits, '.', '_', ':' or '-'", short(v.Value))
			}
			a.ID = v.Value
		case "date", "updated":
			t, ok := p.parseMDDate(v.Value)
			if !ok {
				return false, bad("%q is not a date; want YYYY-MM-DD, YYYY-MM-DD HH:MM or RFC 3339", short(v.Value))
			}
			if key == "date" {
				a.PublishedAt, dateSet = t, true
			} else {
				a.UpdatedAt = t
			}
		case "tags":
			tags, err := stringList(name, v)
			if err != nil {
				return false, err
			}
			if tags == nil {
				return false, bad("want a list, got %s", kindName(v))
			}
			a.Tags = tags
		case "author":
			if v.Kind == yaml.ScalarNode {
				a.Byline = v.Value
				break
			}
			names, err := stringList(name, v)
			if err != nil {
				return false, err
			}
			if names == nil {
				return false, bad("want a name or a list of names, got %s", kindName(v))
			}
			a.Byline = strings.Join(names, ", ")
		case "images":
			if err := imageList(name, v, a); err != nil {
				return false, err
			}
		case "newsletter":
			var b bool
			if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
				return false, bad("want true or false, got %s", kindName(v))
			}
			a.Newsletter = b
		}
	}
	if !dateSet {
		return false, perr(name, 1, fmt.Errorf("%w: the front matter must give date", ErrMissingDate))
	}
	return leadSet, nil
}

// deref follows YAML aliases a few hops; anchors are legal front matter.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; i < 8 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return strconv.Quote(short(n.Value))
	}
	return "something else"
}

// stringList reads a list of single values. It returns nil, nil when v is
// not a list, so the caller can say what it wanted instead.
func stringList(name string, v *yaml.Node) ([]string, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, nil
	}
	out := make([]string, 0, len(v.Content))
	for _, e := range v.Content {
		e = deref(e)
		if e.Kind != yaml.ScalarNode {
			return nil, perr(name, e.Line+fmOffset, fmt.Errorf("%w: list item: want a single value, got %s", ErrFrontMatter, kindName(e)))
		}
		if e.Tag != "!!null" {
			out = append(out, e.Value)
		}
	}
	return out, nil
}

func imageList(name string, v *yaml.Node, a *Article) error {
	if v.Kind != yaml.SequenceNode {
		return perr(name, v.Line+fmOffset, fmt.Errorf("%w: images: want a list, got %s", ErrFrontMatter, kindName(v)))
	}
	for _, e := range v.Content {
		e = deref(e)
		line := e.Line + fmOffset
		var im Image
		switch e.Kind {
		case yaml.ScalarNode:
			im.URL = e.Value
		case yaml.MappingNode:
			for i := 0; i+1 < len(e.Content); i += 2 {
				k, f := e.Content[i], deref(e.Content[i+1])
				key := strings.ToLower(k.Value)
				if key != "url" && key != "caption" {
					continue
				}
				if f.Kind != yaml.ScalarNode {
					return perr(name, k.Line+fmOffset, fmt.Errorf("%w: images: %s: want a single value, got %s", ErrFrontMatter, k.Value, kindName(f)))
				}
				if key == "url" {
					im.URL = f.Value
				} else {
					im.Caption = f.Value
				}
			}
		default:
			return perr(name, line, fmt.Errorf("%w: images: want {url, caption} or a URL, got %s", ErrFrontMatter, kindName(e)))
		}
		im.URL = strings.TrimSpace(im.URL)
		if im.URL == "" {
			return perr(name, line, fmt.Errorf("%w: images: an image needs a url", ErrFrontMatter))
		}
		if !okURL(im.URL) {
			return perr(name, line, fmt.Errorf("%w: images: url %q: want http, https or a relative URL", ErrFrontMatter, short(im.URL)))
		}
		a.Images = append(a.Images, im)
	}
	return nil
}

// okURL accepts the URLs an image may have in a feed: http, https or
// relative (absolutized when a feed is built).
func okURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https":
		return true
	}
	return false
}

func hasImage(ims []Image, u string) bool {
	for _, im := range ims {
		if im.URL == u {
			return true
		}
	}
	return false
}

func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

var mdDateLayouts = []string{
	"2006-01-02",
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04 -07:00",
	"2006-01-02 15:04:05 -07:00",
}

func (p *Parser) parseMDDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range mdDateLayouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// plainOf renders one node and reads it back as plain text, so entities,
// code spans and emphasis come out the way a reader sees them.
func (p *Parser) plainOf(src []byte, n ast.Node) string {
	var buf bytes.Buffer
	if err := p.md.Renderer().Render(&buf, src, n); err != nil {
		return ""
	}
	return PlainText(buf.String())
}

// inlineText is the text of an inline node's children: an image's alt text.
func inlineText(src []byte, n ast.Node) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Value(src))
			if t.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
