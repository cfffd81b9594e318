package source

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
)

func TestCutWords(t *testing.T) {
	long := strings.Repeat("Người dân phường Tân Hòa góp ý, ", 20)
	got := cutWords(long, leadRunes)
	if n := utf8.RuneCountInString(got); n > leadRunes+1 || n < leadRunes*2/3 {
		t.Errorf("cut to %d runes, want about %d", n, leadRunes)
	}
	if !strings.HasSuffix(got, "…") || strings.HasSuffix(got, ",…") || strings.HasSuffix(got, " …") {
		t.Errorf("cut %q: want a word boundary then \"…\"", got[len(got)-20:])
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Error("cut text is not a prefix of the original")
	}
	if s := "Ngắn gọn."; cutWords(s, leadRunes) != s {
		t.Error("short text changed")
	}
	// One very long word is cut, not dropped.
	if got := cutWords(strings.Repeat("ư", 400), 10); got != strings.Repeat("ư", 10)+"…" {
		t.Errorf("long word cut to %q", got)
	}
}

func TestLeadAndBody(t *testing.T) {
	long := strings.Repeat("Người dân góp ý về phương án mở rộng đường. ", 12)
	cases := []struct {
		name       string
		it         gofeed.Item
		lead, body string
	}{
		{"description and content",
			gofeed.Item{Description: "<p>Sapo <b>ngắn</b>.</p>", Content: "<p>Đoạn một.</p><p>Đoạn hai.</p>"},
			"Sapo ngắn.", "<p>Đoạn một.</p><p>Đoạn hai.</p>"},
		{"content only: first paragraph is the lead",
			gofeed.Item{Content: "<figure>ảnh</figure><p></p><p>Đoạn <i>một</i>.</p>\n<p>Đoạn hai.</p>"},
			"Đoạn một.", "<figure>ảnh</figure><p></p>\n<p>Đoạn hai.</p>"},
		{"content only, long first paragraph stays in the body",
			gofeed.Item{Content: "<p>" + long + "</p><p>Đoạn hai.</p>"},
			cutWords(strings.TrimSpace(long), leadRunes), "<p>" + long + "</p><p>Đoạn hai.</p>"},
		{"content without paragraphs",
			gofeed.Item{Content: "Chữ <b>đậm</b> không có đoạn"},
			"Chữ đậm không có đoạn", "Chữ <b>đậm</b> không có đoạn"},
		{"plain-text content",
			gofeed.Item{Content: "Đoạn một &amp; hai.\r\n\r\nĐoạn ba.\n"},
			"Đoạn một & hai.", "<p>Đoạn ba.</p>"},
		{"short description only",
			gofeed.Item{Description: "Chỉ có sapo."},
			"Chỉ có sapo.", ""},
		{"long description only",
			gofeed.Item{Description: long},
			cutWords(strings.TrimSpace(long), leadRunes), "<p>" + strings.TrimSpace(long) + "</p>"},
	}
	for _, c := range cases {
		lead, body := leadAndBody(&c.it)
		if lead != c.lead || body != c.body {
			t.Errorf("%s:\n lead %q\n body %q\nwant\n lead %q\n body %q", c.name, lead, body, c.lead, c.body)
		}
	}
}

func TestItemKey(t *testing.T) {
	date := "Fri, 10 Apr 2026 08:00:00 +0700"
	a := itemKey("https://a.example/rss", &gofeed.Item{Title: "Tin", Published: date})
	b := itemKey("https://a.example/rss", &gofeed.Item{Title: "Tin", Published: date})
	c := itemKey("https://a.example/rss", &gofeed.Item{Title: "Tin khác", Published: date})
	if a != b || a == c || !strings.HasPrefix(a, "feed:") {
		t.Errorf("hash keys %q %q %q: want equal for the same item, different otherwise", a, b, c)
	}
	if k := itemKey("u", &gofeed.Item{Link: "https://a.example/tin/1", Title: "x"}); k != "feed:https://a.example/tin/1" {
		t.Errorf("link key = %q", k)
	}
	if k := itemKey("u", &gofeed.Item{GUID: " g-1 ", Link: "https://a.example/tin/1"}); k != "feed:g-1" {
		t.Errorf("guid key = %q", k)
	}
}

func TestItemToArticleRefusesUnsafeURLs(t *testing.T) {
	feed := &gofeed.Feed{Link: "javascript:alert(1)//"}
	it := &gofeed.Item{
		Title:      "Tiêu đề",
		Content:    `<p><a href="javascript:alert(1)">x</a> <a href="tin/2">y</a></p>`,
		Image:      &gofeed.Image{URL: "javascript:alert(1)"},
		Enclosures: []*gofeed.Enclosure{{URL: "data:image/png;base64,AAAA", Type: "image/png"}},
	}
	a, err := itemToArticle(newParser(), itemInput{feedURL: "https://tin.example.vn/rss", feed: feed, item: it, published: day})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(a.BodyHTML, "javascript") || len(a.Images) != 0 {
		t.Errorf("unsafe URL kept: body %s images %+v", a.BodyHTML, a.Images)
	}
	if _, err := itemToArticle(newParser(), itemInput{feed: feed, item: &gofeed.Item{Title: "<b> </b>"}}); !errors.Is(err, errNoTitle) {
		t.Errorf("blank title: err = %v, want errNoTitle", err)
	}
}

// TestItemToArticleResolvesURLs: every URL the sanitizer keeps is made
// absolute against the item's link, in ASCII (see htmlurl.ResolveAll).
func TestItemToArticleResolvesURLs(t *testing.T) {
	tests := []struct {
		name, link, content, want string
	}{
		{"link and image", "https://tin.example.vn/tin/1",
			`<a href="2">x</a><img src="/anh/a.jpg">`,
			`<a href="https://tin.example.vn/tin/2" rel="nofollow noopener">x</a><img src="https://tin.example.vn/anh/a.jpg">`},
		{"quotation source", "https://tin.example.vn/tin/1",
			`<blockquote cite="nguon">Trích</blockquote>`,
			`<blockquote cite="https://tin.example.vn/tin/nguon">Trích</blockquote>`},
		{"IDN host", "https://bản-tin.vn/tin/1",
			`<a href="2">x</a>`,
			`<a href="https://xn--bn-tin-bd8b.vn/tin/2" rel="nofollow noopener">x</a>`},
		{"absolute URLs kept", "https://tin.example.vn/tin/1",
			`<a href="https://khac.example/x">x</a>`,
			`<a href="https://khac.example/x" rel="nofollow noopener">x</a>`},
	}
	for _, tt := range tests {
		it := &gofeed.Item{Title: "Tiêu đề", Description: "Sapo.", Content: tt.content, Link: tt.link}
		a, err := itemToArticle(newParser(), itemInput{feedURL: "https://tin.example.vn/rss", feed: &gofeed.Feed{}, item: it, published: day})
		if err != nil {
			t.Fatal(err)
		}
		if a.BodyHTML != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, a.BodyHTML, tt.want)
		}
	}
}

func FuzzFeedItemToArticle(f *testing.F) {
	f.Add("Tiêu đề <b>đậm</b>", "<p>Sapo.</p>", `<p>Nội dung <script>x()</script><a href="/a">liên kết</a></p>`, "https://a.example.vn/tin/1")
	f.Add("", "", "", "")
	f.Add("Tiêu đề", strings.Repeat("chữ ", 200), "văn bản\n\nthuần", "tin/2")
	f.Add("A\x00B", "\xff", "<img src=x onerror=alert(1)>", "javascript:alert(1)")
	p := newParser()
	f.Fuzz(func(t *testing.T, title, desc, content, link string) {
		it := &gofeed.Item{Title: title, Description: desc, Content: content, Link: link}
		a, err := itemToArticle(p, itemInput{feedURL: "https://nguon.example.vn/rss", feed: &gofeed.Feed{}, item: it, published: day, loc: ict})
		if err != nil {
			if !errors.Is(err, errNoTitle) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if a.Title == "" || a.ID == "" || a.ContentHash == "" || !strings.HasPrefix(a.SourceKey, "feed:") {
			t.Fatalf("incomplete article %+v", a)
		}
		for _, s := range []string{a.Title, a.Lead, a.BodyHTML, a.Link} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", s)
			}
		}
		if why := unsafeHTML(a.BodyHTML); why != "" {
			t.Fatalf("unsafe body (%s): %q", why, a.BodyHTML)
		}
		if n := utf8.RuneCountInString(a.Lead); n > leadRunes+1 {
			t.Fatalf("lead of %d runes", n)
		}
		if a.Link != "" && !strings.HasPrefix(a.Link, "https://") && !strings.HasPrefix(a.Link, "http://") {
			t.Fatalf("link %q is not http(s)", a.Link)
		}
		if !a.PublishedAt.Equal(day) {
			t.Fatalf("published %v, want the fallback %v", a.PublishedAt, day)
		}
	})
}

// unsafeHTML says what in s could run script in a reader's browser or mail
// client, or returns "".
func unsafeHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "object", "embed", "form":
				return "<" + tok.Data + ">"
			}
			for _, at := range tok.Attr {
				k := strings.ToLower(at.Key)
				v := strings.ToLower(strings.TrimSpace(at.Val))
				if strings.HasPrefix(k, "on") || k == "style" {
					return "attribute " + k
				}
				if k == "href" || k == "src" {
					u, err := url.Parse(v)
					if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
						return k + "=" + v
					}
				}
			}
		}
	}
}
