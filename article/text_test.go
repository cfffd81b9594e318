package article

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Giao ban thực hiện chương trình", "giao-ban-thuc-hien-chuong-trinh"},
		{"Đà Nẵng đón đoàn khách đầu tiên", "da-nang-don-doan-khach-dau-tien"},
		{"ĐỒNG ĐỘI ĐÃ ĐẾN", "dong-doi-da-den"},
		{"Chủ Nhật", "chu-nhat"},
		{"Thời sự", "thoi-su"},
		{"Ắ Ằ Ẳ Ẵ Ặ ắằẳẵặ ỹ Ỵ ơ ư", "a-a-a-a-a-aaaaa-y-y-o-u"},
		{"Giá xăng: tăng hay giảm?!", "gia-xang-tang-hay-giam"},
		{"  --Hà Nội -- (mới)--  ", "ha-noi-moi"},
		{"COVID-19: 2.000 ca/ngày", "covid-19-2-000-ca-ngay"},
		{"C++ & Go, “ngôn ngữ” «mới»", "c-go-ngon-ngu-moi"},
		{"Straße Øresund Łódź Æsir", "strasse-oresund-lodz-aesir"},
		{"北京 Москва", ""},
		{"Tin 北京 mới", "tin-moi"},
		{"", ""},
		{"!!! … ???", ""},
		{norm.NFD.String("Hội nghị Đảng ủy"), "hoi-nghi-dang-uy"},
		{"tab\tand\nnewline", "tab-and-newline"},
	}
	for _, tt := range tests {
		if got := Slugify(tt.in); got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSlugifyLength(t *testing.T) {
	title := strings.Repeat("Nghị quyết về phát triển kinh tế ", 6)
	full := strings.TrimSuffix(strings.Repeat("nghi-quyet-ve-phat-trien-kinh-te-", 6), "-")
	got := Slugify(title)
	// Cut at a word boundary: a prefix of the full slug that ends where a
	// word ends, and not much shorter than the limit.
	if len(got) > maxSlugLen || len(got) < maxSlugLen-12 || !strings.HasPrefix(full, got) || full[len(got)] != '-' {
		t.Errorf("Slugify(long title) = %q (%d bytes)", got, len(got))
	}
	one := strings.Repeat("a", 200)
	if got := Slugify(one); got != one[:maxSlugLen] {
		t.Errorf("Slugify(200 × a) = %q", got)
	}
	exact := strings.Repeat("abcd-", 16) + "x" // "abcd-…-x" is 81 bytes: cut before "-x"
	if got := Slugify(exact); got != strings.Repeat("abcd-", 15)+"abcd" {
		t.Errorf("Slugify(%q) = %q", exact, got)
	}
}

func TestIDFromKey(t *testing.T) {
	if got := IDFromKey("file:thoi-su/a.txt"); got != "1bc6fe02a0f7b0e1" {
		t.Errorf("IDFromKey = %q", got)
	}
	if got := IDFromKey(""); got != "e3b0c44298fc1c14" {
		t.Errorf("IDFromKey(\"\") = %q", got)
	}
	if IDFromKey("file:a.txt") == IDFromKey("file:b.txt") {
		t.Error("different keys, same id")
	}
}

func TestFormatDateVI(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2020, 7, 10, 0, 0, 0, 0, ict), "Thứ Sáu, 10/7/2020"},
		{time.Date(2020, 7, 11, 23, 59, 0, 0, ict), "Thứ Bảy, 11/7/2020"},
		{time.Date(2020, 7, 12, 0, 0, 0, 0, ict), "Chủ Nhật, 12/7/2020"},
		{time.Date(2020, 7, 13, 0, 0, 0, 0, ict), "Thứ Hai, 13/7/2020"},
		{time.Date(2020, 7, 14, 0, 0, 0, 0, ict), "Thứ Ba, 14/7/2020"},
		{time.Date(2020, 7, 15, 0, 0, 0, 0, ict), "Thứ Tư, 15/7/2020"},
		{time.Date(2020, 7, 16, 0, 0, 0, 0, ict), "Thứ Năm, 16/7/2020"},
		{time.Date(2025, 1, 5, 0, 0, 0, 0, ict), "Chủ Nhật, 5/1/2025"},
		{time.Date(2024, 12, 31, 12, 0, 0, 0, ict), "Thứ Ba, 31/12/2024"},
		// The caller's zone decides the day: 20:00 UTC is already tomorrow in Hà Nội.
		{time.Date(2020, 7, 9, 20, 0, 0, 0, time.UTC), "Thứ Năm, 9/7/2020"},
		{time.Date(2020, 7, 9, 20, 0, 0, 0, time.UTC).In(ict), "Thứ Sáu, 10/7/2020"},
	}
	for _, tt := range tests {
		if got := FormatDateVI(tt.t); got != tt.want {
			t.Errorf("FormatDateVI(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
	// What FormatDateVI writes, the portal-text parser reads back.
	d := time.Date(2023, 3, 5, 0, 0, 0, 0, ict)
	a, err := NewParser(Options{}).ParsePortalText(Input{Name: "a.txt", Data: doc(FormatDateVI(d), "T", "", "L.")})
	if err != nil || !a.PublishedAt.Equal(d) {
		t.Errorf("round trip: %v, %v", a, err)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Chữ thường", "Chữ thường"},
		{"<p>Đoạn <b>một</b>.</p><p>Đoạn hai.</p>", "Đoạn một. Đoạn hai."},
		{"Dòng<br>mới<br/>nữa", "Dòng mới nữa"},
		{"<b>Hà</b>Nội", "HàNội"},
		{"Giá &amp; chất lượng &lt;tốt&gt; &quot;nhất&quot; &#273;&#x1ea1;i", `Giá & chất lượng <tốt> "nhất" đại`},
		{"<script>alert('x')</script>An <style>p{}</style>toàn", "An toàn"},
		{"  nhiều \n\t khoảng   trắng  ", "nhiều khoảng trắng"},
		{"<ul><li>một</li><li>hai</li></ul>", "một hai"},
		{"<p>chưa đóng thẻ", "chưa đóng thẻ"},
		{"<a href='x'>liên kết</a> và <img src=x alt=ảnh>ảnh", "liên kết và ảnh"},
		{"<!-- ghi chú -->Nội dung", "Nội dung"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitizeHTML(t *testing.T) {
	p := NewParser(Options{})
	tests := []struct {
		in       string
		want     string   // exact, when set
		contains []string // substrings the output must have
		absent   []string // substrings it must not have
	}{
		{
			in:   `<p>Xin <a href="https://example.vn/a">chào</a></p>`,
			want: `<p>Xin <a href="https://example.vn/a" rel="nofollow noopener">chào</a></p>`,
		},
		{
			in:   `<a href="/thoi-su/b" rel="author" target="_blank">b</a>`,
			want: `<a href="/thoi-su/b" rel="nofollow noopener">b</a>`,
		},
		{
			in:   `<a href="mailto:toasoan@example.vn">thư</a>`,
			want: `<a href="mailto:toasoan@example.vn" rel="nofollow noopener">thư</a>`,
		},
		{in: `<a href="javascript:alert(1)">x</a>`, want: `x`},
		{in: `<a href="ftp://example.vn/f">f</a>`, want: `f`},
		{in: `<script>alert(1)</script><p>an toàn</p>`, want: `<p>an toàn</p>`},
		{in: `<iframe src="https://example.vn"></iframe>ok`, want: `ok`},
		{in: `<style>p{color:red}</style><p style="color:red" onclick="x()">đỏ</p>`, want: `<p>đỏ</p>`},
		{in: `<img src="data:image/png;base64,AAAA" alt="a">`, absent: []string{"data:"}},
		{
			in:       `<figure><img src="https://cdn.example.vn/a.jpg" alt="Ảnh"><figcaption>Chú thích</figcaption></figure>`,
			contains: []string{`<img src="https://cdn.example.vn/a.jpg" alt="Ảnh">`, "<figcaption>Chú thích</figcaption>"},
		},
		{in: `<p>Tôi nói " rel="nofollow" "</p>`, absent: []string{"noopener"}},
		{in: `<table><tr><td>1</td></tr></table>`, contains: []string{"<td>1</td>"}},
		{in: `<form action="/x"><input name="a"></form>chữ`, want: `chữ`},
	}
	for _, tt := range tests {
		got := p.SanitizeHTML(tt.in)
		if tt.want != "" && got != tt.want {
			t.Errorf("SanitizeHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		for _, s := range tt.contains {
			if !strings.Contains(got, s) {
				t.Errorf("SanitizeHTML(%q) = %q, lacks %q", tt.in, got, s)
			}
		}
		for _, s := range tt.absent {
			if strings.Contains(got, s) {
				t.Errorf("SanitizeHTML(%q) = %q, holds %q", tt.in, got, s)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	p := NewParser(Options{})
	a := &Article{
		SourceKey: "feed:tin-123",
		Title:     norm.NFD.String("  Hội  nghị\ttổng kết\x07 năm\n "),
		Lead:      "  Sapo\x00 bài viết ",
		BodyHTML:  norm.NFD.String("<p>Nội dung</p>\ufffe"),
		Category:  " Thời  sự ",
		Tags:      []string{" Hà Nội ", norm.NFD.String("Hà Nội"), "", "giao thông"},
		Byline:    "Mai \xffKhôi",
		Images:    []Image{{URL: " https://cdn.example.vn/a.jpg ", Caption: norm.NFD.String(" Ảnh  đẹp ")}},
		Link:      " https://example.vn/tin-123 ",
	}
	p.Normalize(a)
	eq(t, "ID", a.ID, IDFromKey("feed:tin-123"))
	eq(t, "Title", a.Title, "Hội nghị tổng kết năm")
	eq(t, "Slug", a.Slug, "hoi-nghi-tong-ket-nam")
	eq(t, "Lead", a.Lead, "Sapo bài viết")
	eq(t, "BodyHTML", a.BodyHTML, "<p>Nội dung</p>")
	eq(t, "Category", a.Category, "Thời sự")
	eq(t, "CategorySlug", a.CategorySlug, "thoi-su")
	eq(t, "Tags", a.Tags, []string{"Hà Nội", "giao thông"})
	eq(t, "Byline", a.Byline, "Mai \ufffdKhôi")
	eq(t, "Images", a.Images, []Image{{URL: "https://cdn.example.vn/a.jpg", Caption: "Ảnh đẹp"}})
	eq(t, "Link", a.Link, "https://example.vn/tin-123")
	eq(t, "ContentHash", a.ContentHash, ContentHash(a))

	// Normalizing twice changes nothing.
	before := *a
	p.Normalize(a)
	eq(t, "second Normalize", *a, before)

	pinned := &Article{ID: "bai-1", SourceKey: "feed:x", Title: "Новости"}
	p.Normalize(pinned)
	eq(t, "pinned ID", pinned.ID, "bai-1")
	eq(t, "fallback slug", pinned.Slug, "bai-1")
}

func TestContentHash(t *testing.T) {
	base := func() *Article {
		return &Article{
			ID: "1", SourceKey: "k", Slug: "s", Title: "Tiêu đề", Lead: "Sapo", BodyHTML: "<p>b</p>",
			Category: "Thời sự", CategorySlug: "thoi-su", Tags: []string{"a", "b"}, Byline: "M",
			Images: []Image{{URL: "u", Caption: "c"}}, Link: "l", Newsletter: true,
			PublishedAt: time.Date(2020, 7, 10, 0, 0, 0, 0, ict),
		}
	}
	h := ContentHash(base())
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Fatalf("ContentHash = %q, want 64 hex digits", h)
	}
	same := map[string]func(a *Article){
		"ID":          func(a *Article) { a.ID = "2" },
		"SourceKey":   func(a *Article) { a.SourceKey = "k2" },
		"UpdatedAt":   func(a *Article) { a.UpdatedAt = time.Now() },
		"ContentHash": func(a *Article) { a.ContentHash = "x" },
		"zone":        func(a *Article) { a.PublishedAt = a.PublishedAt.UTC() },
	}
	for name, f := range same {
		a := base()
		f(a)
		if ContentHash(a) != h {
			t.Errorf("changing %s changed the hash", name)
		}
	}
	differ := map[string]func(a *Article){
		"Slug":          func(a *Article) { a.Slug = "s2" },
		"Title":         func(a *Article) { a.Title += "!" },
		"Lead":          func(a *Article) { a.Lead += "!" },
		"BodyHTML":      func(a *Article) { a.BodyHTML += " " },
		"Category":      func(a *Article) { a.Category = "Kinh tế" },
		"CategorySlug":  func(a *Article) { a.CategorySlug = "x" },
		"Tags":          func(a *Article) { a.Tags = []string{"a"} },
		"Tags joined":   func(a *Article) { a.Tags = []string{"ab"} },
		"Tag moved":     func(a *Article) { a.Tags = []string{"a", ""}; a.Byline = "bM" },
		"Byline":        func(a *Article) { a.Byline = "N" },
		"Image URL":     func(a *Article) { a.Images[0].URL = "v" },
		"Image caption": func(a *Article) { a.Images[0].Caption = "" },
		"Images":        func(a *Article) { a.Images = nil },
		"Link":          func(a *Article) { a.Link = "" },
		"Newsletter":    func(a *Article) { a.Newsletter = false },
		"PublishedAt":   func(a *Article) { a.PublishedAt = a.PublishedAt.Add(time.Second) },
		"title/lead":    func(a *Article) { a.Title, a.Lead = "Tiêu đềS", "apo" },
	}
	for name, f := range differ {
		a := base()
		f(a)
		if ContentHash(a) == h {
			t.Errorf("changing %s kept the hash", name)
		}
	}
}

// isCleanNFC trusts these ranges to need no normalization; make sure the Unicode
// tables agree, rune by rune.
func TestInertRunes(t *testing.T) {
	n := 0
	for r := rune(0x80); r < 0x10000; r++ {
		if !inertRune(r) {
			continue
		}
		n++
		s := string(r)
		p := norm.NFC.PropertiesString(s)
		if !norm.NFC.IsNormalString(s) || p.CCC() != 0 || !p.BoundaryBefore() {
			t.Errorf("U+%04X is not inert: NFC %v, ccc %d, boundary before %v", r, norm.NFC.IsNormalString(s), p.CCC(), p.BoundaryBefore())
		}
		// A following combining mark must go through the full path.
		if got, want := cleanText(s+"\u0301"), strings.TrimSpace(norm.NFC.String(s+"\u0301")); got != want {
			t.Errorf("cleanText(U+%04X + U+0301) = %q, want %q", r, got, want)
		}
	}
	if n < 900 {
		t.Fatalf("only %d runes checked", n)
	}
}

func TestArticlePath(t *testing.T) {
	tests := []struct {
		a    Article
		want string
	}{
		{Article{ID: "3f2a9c1d0b7e4a55", Slug: "khai-mac-le-hoi"}, "/a/3f2a9c1d0b7e4a55-khai-mac-le-hoi"},
		{Article{ID: "3f2a9c1d0b7e4a55"}, "/a/3f2a9c1d0b7e4a55"},
		{Article{ID: "tin/2026 số", Slug: "x"}, "/a/tin%2F2026%20s%E1%BB%91-x"},
	}
	for _, tt := range tests {
		if got := tt.a.Path(); got != tt.want {
			t.Errorf("Path(%q, %q) = %q, want %q", tt.a.ID, tt.a.Slug, got, tt.want)
		}
	}
}
