package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/share"
)

func TestArticlePageReadsLikeANewsPage(t *testing.T) {
	w := newShWeb(t, nil, nil)
	resp, body := w.do(t, nil, "GET", w.art.Path(), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<html lang="vi">`,
		`<time datetime="2026-11-20T08:30:00&#43;07:00">Thứ Sáu, 20/11/2026</time>`,
		"<h1>Khánh thành cầu Ông Lãnh mới</h1>",
		`<p class="lead">Sáng 20/11, cây cầu mới`,
		"<h2>Giảm ùn tắc giờ cao điểm</h2>",
		"<figcaption>Xe qua cầu sáng khánh thành</figcaption>",
		`<img src="https://static.example.vn/cau.jpg" alt="Toàn cảnh cây cầu">`,
		`<p class="byline">Tin: <strong>Mai Khôi</strong></p>`,
		`href="/a/` + w.art.ID + `/share">`, "Gửi cho bạn bè",
		`href="/a/` + w.art.ID + `/feedback">`, "Phản hồi",
		`href="mailto:?subject=`,
		`<meta property="og:title" content="Khánh thành cầu Ông Lãnh mới">`,
		`<meta property="og:url" content="https://tin.example.vn` + w.art.Path() + `">`,
		`<meta property="og:image" content="https://static.example.vn/cau.jpg">`,
		`<meta property="og:type" content="article">`,
		`<meta property="og:locale" content="vi_VN">`,
		`<link rel="canonical" href="https://tin.example.vn` + w.art.Path() + `">`,
		`<nav class="actions" aria-label="Chia sẻ và phản hồi">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("article page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("the article page has a script")
	}
	if resp.Header.Get("Vary") != "Accept-Language" {
		t.Error("no Vary: Accept-Language")
	}
}

func TestArticlePageInEnglish(t *testing.T) {
	w := newShWeb(t, nil, nil)
	for _, h := range [][]string{{}, {"Accept-Language", "en-US,en;q=0.9"}} {
		path := w.art.Path()
		if len(h) == 0 {
			path += "?lang=en"
		}
		_, body := w.do(t, nil, "GET", path, nil, h...)
		for _, want := range []string{`<html lang="en">`, "Friday, 20 November 2026", "Send to a friend", "Feedback", `lang="vi"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s %v: lacks %q", path, h, want)
			}
		}
		if len(h) == 0 && !strings.Contains(body, `/share?lang=en"`) {
			t.Error("?lang=en is not kept on the share link")
		}
	}
}

func TestArticleOldSlugRedirects(t *testing.T) {
	w := newShWeb(t, nil, nil)
	oldPath := w.art.Path()
	// The editor corrects the title: same source, same id, new slug.
	a := *w.art
	a.Title = "Thông xe cầu Ông Lãnh mới"
	article.NewParser(article.Options{}).Normalize(&a)
	if _, err := w.db.SaveArticle(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	if a.Path() == oldPath {
		t.Fatal("the slug did not change")
	}
	for _, p := range []string{oldPath, oldPath + "?lang=en", "/a/" + a.ID, "/a/" + a.ID + "-"} {
		resp, _ := w.do(t, nil, "GET", p, nil)
		want := a.Path()
		if strings.Contains(p, "?") {
			want += "?lang=en"
		}
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
			t.Errorf("GET %s = %d %q, want 301 to %s", p, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	if resp, _ := w.do(t, nil, "GET", a.Path(), nil); resp.StatusCode != http.StatusOK {
		t.Errorf("new path: %d", resp.StatusCode)
	}
	for _, p := range []string{"/a/0000000000000000-x", "/a/" + a.ID + "x-bai", "/a/%3Cscript%3E", "/a/" + strings.Repeat("a-", 300)} {
		if resp, _ := w.do(t, nil, "GET", p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestPinnedIDsWithHyphens: "{id}-{slug}" is ambiguous when ids have
// hyphens; the article whose slug is exactly the rest wins.
func TestPinnedIDsWithHyphens(t *testing.T) {
	w := newShWeb(t, nil, nil)
	tin := w.addArticle(t, "file:a.md", "tin", "Một hai ba")       // /a/tin-mot-hai-ba
	tin1 := w.addArticle(t, "file:b.md", "tin-1", "Bốn năm")       // /a/tin-1-bon-nam
	odd := w.addArticle(t, "file:c.md", "tin-mot", "Sáu")          // /a/tin-mot-sau
	dash := w.addArticle(t, "file:d.md", "so-2024-11-", "Bảy tám") // /a/so-2024-11--bay-tam
	for _, a := range []*article.Article{tin, tin1, odd, dash} {
		resp, body := w.do(t, nil, "GET", a.Path(), nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>"+a.Title+"</h1>") {
			t.Errorf("GET %s = %d, want %q", a.Path(), resp.StatusCode, a.Title)
		}
	}
	if resp, _ := w.do(t, nil, "GET", "/a/tin-1", nil); resp.Header.Get("Location") != tin1.Path() {
		t.Errorf("/a/tin-1 goes to %q", resp.Header.Get("Location"))
	}
	if resp, _ := w.do(t, nil, "GET", "/a/tin-1-old-slug", nil); resp.Header.Get("Location") != tin1.Path() {
		t.Errorf("/a/tin-1-old-slug goes to %q, want the longest id", resp.Header.Get("Location"))
	}
}

func TestHomeLinksEveryArticleToItsPage(t *testing.T) {
	w := newShWeb(t, nil, nil)
	up := &article.Article{SourceKey: "feed:x", Title: "Tin từ nguồn khác", Link: "https://upstream.example/tin", PublishedAt: time.Date(2026, 11, 19, 0, 0, 0, 0, ict)}
	article.NewParser(article.Options{}).Normalize(up)
	if _, err := w.db.SaveArticle(context.Background(), up); err != nil {
		t.Fatal(err)
	}
	_, body := w.do(t, nil, "GET", "/", nil)
	for _, a := range []*article.Article{w.art, up} {
		if !strings.Contains(body, `<a href="`+a.Path()+`">`+a.Title+`</a>`) {
			t.Errorf("home does not link %q to %s", a.Title, a.Path())
		}
	}
	if strings.Contains(body, `href="https://upstream.example/tin"`) {
		t.Error("home links an upstream article away from the site")
	}
	_, page := w.do(t, nil, "GET", up.Path(), nil)
	if !strings.Contains(page, `Nguồn: <a href="https://upstream.example/tin" rel="nofollow noopener">`) {
		t.Error("an upstream article's page does not name its source")
	}
}

func TestArticlePageWithoutShareOffersMailto(t *testing.T) {
	w := newShWeb(t, func(o *share.Options) { o.Share.Enabled, o.Feedback.Enabled = false, false }, nil)
	_, body := w.do(t, nil, "GET", w.art.Path(), nil)
	if strings.Contains(body, w.sharePath()) || strings.Contains(body, w.feedbackPath()) || !strings.Contains(body, "mailto:?subject=") {
		t.Error("with both forms off the page must offer the mailto: link alone")
	}
	if resp, _ := w.do(t, nil, "GET", w.sharePath(), nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("share form while off: %d", resp.StatusCode)
	}
}

func TestMailtoLink(t *testing.T) {
	w := newShWeb(t, nil, nil)
	h := &articleRoutes{s: &Server{o: Options{SiteURL: "https://tin.example.vn"}}, cat: w.svcCatalog()}
	a := &article.Article{ID: "x", Slug: "a-b", Title: "Giá & lãi suất: 5%?"}
	got := h.mailto("vi", a)
	want := "mailto:?subject=B%C3%A0i%20vi%E1%BA%BFt%20g%E1%BB%ADi%20b%E1%BA%A1n%3A%20Gi%C3%A1%20%26%20l%C3%A3i%20su%E1%BA%A5t%3A%205%25%3F" +
		"&body=Gi%C3%A1%20%26%20l%C3%A3i%20su%E1%BA%A5t%3A%205%25%3F%0D%0Ahttps%3A%2F%2Ftin.example.vn%2Fa%2Fx-a-b"
	if got != want {
		t.Errorf("mailto =\n%s\nwant\n%s", got, want)
	}
}
