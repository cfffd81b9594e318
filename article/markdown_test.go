package article

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

func TestParseMarkdownFixture(t *testing.T) {
	data := readFixture(t, "markdown_sample.md")
	a, err := NewParser(Options{}).Parse(Input{Name: "testdata/markdown_sample.md", Key: "file:giao-thong/b.md", Category: "Thời sự", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"ID", a.ID, "gt-2025-0314"},
		{"SourceKey", a.SourceKey, "file:giao-thong/b.md"},
		{"Title", a.Title, "Hà Nội mở thêm tuyến xe buýt điện nối sân bay"},
		{"Slug", a.Slug, "ha-noi-mo-them-tuyen-xe-buyt-dien-noi-san-bay"},
		{"Lead", a.Lead, "Từ ngày 15/3, hành khách có thể đi xe buýt điện từ sân bay Nội Bài về trung tâm với giá vé 45.000 đồng."},
		{"Category", a.Category, "Giao thông"},
		{"CategorySlug", a.CategorySlug, "giao-thong"},
		{"Tags", a.Tags, []string{"xe buýt", "Hà Nội", "giao thông xanh"}},
		{"Byline", a.Byline, "Nguyễn Minh Đức"},
		{"Images", a.Images, []Image{
			{URL: "/anh/2025/xe-buyt-dien.jpg", Caption: "Xe buýt điện tại điểm đầu Nội Bài"},
			{URL: "https://cdn.example.vn/anh/ban-do.png"},
			{URL: "/anh/2025/tram-sac.jpg", Caption: "Trạm sạc ở bến xe"},
		}},
		{"Newsletter", a.Newsletter, false},
		{"PublishedAt", a.PublishedAt.Format(time.RFC3339), "2025-03-14T07:30:00+07:00"},
		{"UpdatedAt", a.UpdatedAt.Format(time.RFC3339), "2025-03-15T09:00:00+07:00"},
		{"ContentHash", a.ContentHash, ContentHash(a)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.field, c.got, c.want)
		}
	}
	for _, want := range []string{
		"<h2>Lộ trình</h2>",
		`<a href="https://example.vn/ban-do" rel="nofollow noopener">bản đồ</a> hoặc trang cũ.`,
		"<td>5:00–9:00</td>",
		"<del>Giá vé cũ 50.000 đồng</del>",
		`<img src="/anh/2025/tram-sac.jpg" alt="Trạm sạc ở bến xe">`,
	} {
		if !strings.Contains(a.BodyHTML, want) {
			t.Errorf("body lacks %q:\n%s", want, a.BodyHTML)
		}
	}
	for _, bad := range []string{"<h1", "<script", "alert", "javascript", "Từ ngày 15/3", "tam-trang"} {
		if strings.Contains(a.BodyHTML, bad) {
			t.Errorf("body holds %q:\n%s", bad, a.BodyHTML)
		}
	}
}

func TestParseMarkdownErrors(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		target error
		line   int
		msg    string
	}{
		{
			name:   "tags is a number",
			data:   "---\ntitle: Tiêu đề\ndate: 2020-07-10\ntags: 5\n---\nThân bài.\n",
			target: ErrFrontMatter, line: 4, msg: "tags: want a list",
		},
		{
			name:   "date is a list",
			data:   "---\ntitle: Tiêu đề\n\n# ghi chú\ndate: [1]\n---\n",
			target: ErrFrontMatter, line: 5, msg: "date: want a single value",
		},
		{
			name:   "date is not a date",
			data:   "---\ndate: 10/7/2020\ntitle: Tiêu đề\n---\n",
			target: ErrFrontMatter, line: 2, msg: `"10/7/2020" is not a date`,
		},
		{
			name:   "updated is not a date",
			data:   "---\ndate: 2020-07-10\nupdated: hôm qua\ntitle: T\n---\n",
			target: ErrFrontMatter, line: 3, msg: "updated",
		},
		{
			name:   "title is a mapping",
			data:   "---\ndate: 2020-07-10\ntitle:\n  vi: Tiêu đề\n---\n",
			target: ErrFrontMatter, line: 3, msg: "title: want a single value, got a mapping",
		},
		{
			name:   "tag is a list",
			data:   "---\ndate: 2020-07-10\ntitle: T\ntags:\n  - một\n  - [hai, ba]\n---\n",
			target: ErrFrontMatter, line: 6, msg: "list item",
		},
		{
			name:   "newsletter is not a bool",
			data:   "---\ndate: 2020-07-10\ntitle: T\nnewsletter: có lẽ\n---\n",
			target: ErrFrontMatter, line: 4, msg: "newsletter: want true or false",
		},
		{
			name:   "author is a mapping",
			data:   "---\ndate: 2020-07-10\ntitle: T\nauthor: {name: A}\n---\n",
			target: ErrFrontMatter, line: 4, msg: "author",
		},
		{
			name:   "images is a string",
			data:   "---\ndate: 2020-07-10\ntitle: T\nimages: a.jpg\n---\n",
			target: ErrFrontMatter, line: 4, msg: "images: want a list",
		},
		{
			name:   "image without url",
			data:   "---\ndate: 2020-07-10\ntitle: T\nimages:\n  - url: a.jpg\n  - caption: Chỉ có chú thích\n---\n",
			target: ErrFrontMatter, line: 6, msg: "needs a url",
		},
		{
			name:   "image with script url",
			data:   "---\ndate: 2020-07-10\ntitle: T\nimages:\n  - url: \"javascript:alert(1)\"\n---\n",
			target: ErrFrontMatter, line: 5, msg: "want http, https",
		},
		{
			name:   "image caption is a list",
			data:   "---\ndate: 2020-07-10\ntitle: T\nimages:\n  - url: a.jpg\n    caption: [a]\n---\n",
			target: ErrFrontMatter, line: 6, msg: "caption",
		},
		{
			name:   "id with spaces",
			data:   "---\ndate: 2020-07-10\ntitle: T\nid: bài một\n---\n",
			target: ErrFrontMatter, line: 4, msg: "id",
		},
		{
			name:   "duplicate key",
			data:   "---\ndate: 2020-07-10\ntitle: T\nTitle: U\n---\n",
			target: ErrFrontMatter, line: 4, msg: "duplicate",
		},
		{
			name:   "YAML syntax error",
			data:   "---\ndate: 2020-07-10\ntitle: \"T\n---\n",
			target: ErrFrontMatter, line: 3,
		},
		{
			name:   "front matter is a list",
			data:   "---\n- date\n---\n",
			target: ErrFrontMatter, line: 2, msg: "got a list",
		},
		{
			name:   "missing date",
			data:   "---\ntitle: Tiêu đề\n---\nThân bài.\n",
			target: ErrMissingDate, line: 1,
		},
		{
			name:   "empty front matter",
			data:   "---\n---\nThân bài.\n",
			target: ErrMissingDate, line: 1,
		},
		{
			name:   "no front matter",
			data:   "# Tiêu đề\n\nThân bài.\n",
			target: ErrFrontMatter, line: 1, msg: "must start with",
		},
		{
			name:   "front matter never closed",
			data:   "---\ntitle: T\ndate: 2020-07-10\n\nThân bài.\n",
			target: ErrFrontMatter, line: 1, msg: "never closed",
		},
		{
			name:   "missing title",
			data:   "---\ndate: 2020-07-10\n---\n## Không phải H1\n\nThân bài.\n",
			target: ErrMissingTitle, line: 1,
		},
		{
			name:   "empty",
			data:   "\xef\xbb\xbf  \n",
			target: ErrEmpty,
		},
		{
			name:   "invalid UTF-8 in front matter",
			data:   "---\ndate: 2020-07-10\ntitle: T\xe1\n---\n",
			target: ErrInvalidUTF8, line: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const name = "bai/loi.md"
			_, err := NewParser(Options{}).ParseMarkdown(Input{Name: name, Data: []byte(tt.data)})
			pe := wantParseError(t, err, name, tt.line, tt.target)
			if !strings.Contains(pe.Error(), tt.msg) {
				t.Errorf("message %q lacks %q", pe.Error(), tt.msg)
			}
		})
	}
}

func TestParseMarkdownFeatures(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		check func(t *testing.T, a *Article)
	}{
		{
			name: "H1 gives the title",
			data: "---\ndate: 2020-07-10\n---\n# Tiêu đề *từ* thân bài\n\nMở đầu.\n\nĐoạn hai.\n",
			check: func(t *testing.T, a *Article) {
				eq(t, "Title", a.Title, "Tiêu đề từ thân bài")
				eq(t, "Lead", a.Lead, "Mở đầu.")
				eq(t, "BodyHTML", a.BodyHTML, "<p>Đoạn hai.</p>")
			},
		},
		{
			name: "H1 different from the title stays",
			data: "---\ntitle: Tiêu đề\ndate: 2020-07-10\n---\n# Phần một\n\nMở đầu.\n",
			check: func(t *testing.T, a *Article) {
				eq(t, "Title", a.Title, "Tiêu đề")
				eq(t, "BodyHTML", a.BodyHTML, "<h1>Phần một</h1>")
			},
		},
		{
			name: "front matter lead keeps the first paragraph",
			data: "---\ntitle: T\ndate: 2020-07-10\nlead: Tóm tắt  riêng.\n---\nĐoạn một.\n",
			check: func(t *testing.T, a *Article) {
				eq(t, "Lead", a.Lead, "Tóm tắt riêng.")
				eq(t, "BodyHTML", a.BodyHTML, "<p>Đoạn một.</p>")
			},
		},
		{
			name: "lead skips a picture-only paragraph",
			data: "---\ntitle: T\ndate: 2020-07-10\n---\n![](a.jpg)\n\nMở &amp; đầu `mã`.\n",
			check: func(t *testing.T, a *Article) {
				eq(t, "Lead", a.Lead, "Mở & đầu mã.")
				eq(t, "BodyHTML", a.BodyHTML, `<p><img src="a.jpg" alt=""></p>`)
				eq(t, "Images", a.Images, []Image{{URL: "a.jpg"}})
			},
		},
		{
			name: "raw HTML and script URLs are dropped",
			data: "---\ntitle: T\ndate: 2020-07-10\nlead: L\n---\n<iframe src=\"https://x.vn\"></iframe>\n\n<b onclick=\"x()\">đậm</b> [a](javascript:alert(1)) ![x](javascript:alert(2)) <span style=\"color:red\">đỏ</span>\n",
			check: func(t *testing.T, a *Article) {
				for _, bad := range []string{"iframe", "onclick", "javascript", "style", "alert"} {
					if strings.Contains(a.BodyHTML, bad) {
						t.Errorf("body holds %q: %s", bad, a.BodyHTML)
					}
				}
				if a.Images != nil {
					t.Errorf("Images = %#v", a.Images)
				}
			},
		},
		{
			name: "relative and mailto links",
			data: "---\ntitle: T\ndate: 2020-07-10\nlead: L\n---\n[bài trước](/thoi-su/bai-truoc) và [thư](mailto:toasoan@example.vn)\n",
			check: func(t *testing.T, a *Article) {
				eq(t, "BodyHTML", a.BodyHTML, `<p><a href="/thoi-su/bai-truoc" rel="nofollow noopener">bài trước</a> và <a href="mailto:toasoan@example.vn" rel="nofollow noopener">thư</a></p>`)
			},
		},
		{
			name: "defaults",
			data: "---\ntitle: T\ndate: 2020-07-10\ntags:\ncategory:\nnewsletter: yes\n---\n",
			check: func(t *testing.T, a *Article) {
				eq(t, "Newsletter", a.Newsletter, true)
				eq(t, "Category", a.Category, "Thời sự")
				eq(t, "CategorySlug", a.CategorySlug, "thoi-su")
				eq(t, "ID", a.ID, IDFromKey("file:thoi-su/x.md"))
				eq(t, "Lead", a.Lead, "")
				eq(t, "BodyHTML", a.BodyHTML, "")
				if a.Tags != nil {
					t.Errorf("Tags = %#v", a.Tags)
				}
			},
		},
		{
			name: "author list, anchors, keys in any case",
			data: "---\nTitle: T\nDATE: 2020-07-10\nauthor: [Mai Khôi, Hà My]\ncategory: &c Kinh tế\ntags: [*c, 2025]\n---\n",
			check: func(t *testing.T, a *Article) {
				eq(t, "Byline", a.Byline, "Mai Khôi, Hà My")
				eq(t, "Tags", a.Tags, []string{"Kinh tế", "2025"})
				eq(t, "CategorySlug", a.CategorySlug, "kinh-te")
			},
		},
		{
			name: "CRLF front matter and body",
			data: "---\r\ntitle: T\r\ndate: 2020-07-10\r\n---\r\nMở đầu.\r\n\r\nĐoạn hai.\r\n",
			check: func(t *testing.T, a *Article) {
				eq(t, "Lead", a.Lead, "Mở đầu.")
				eq(t, "BodyHTML", a.BodyHTML, "<p>Đoạn hai.</p>")
			},
		},
	}
	p := NewParser(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := p.ParseMarkdown(Input{Name: "x.md", Key: "file:thoi-su/x.md", Category: "Thời sự", Data: []byte(tt.data)})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, a)
		})
	}
}

func TestParseMarkdownDates(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2020-07-10", "2020-07-10T00:00:00+07:00"},
		{"2020-07-10 08:30", "2020-07-10T08:30:00+07:00"},
		{"2020-07-10 08:30:15", "2020-07-10T08:30:15+07:00"},
		{"2020-07-10T08:30:00Z", "2020-07-10T08:30:00Z"},
		{"2020-07-10T08:30:00+09:00", "2020-07-10T08:30:00+09:00"},
		{"2020-07-10T08:30:00.5+07:00", "2020-07-10T08:30:00+07:00"},
		{"2020-07-10T08:30", "2020-07-10T08:30:00+07:00"},
		{`"2020-07-10"`, "2020-07-10T00:00:00+07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := NewParser(Options{}).ParseMarkdown(Input{Name: "x.md", Data: []byte("---\ntitle: T\ndate: " + tt.in + "\n---\n")})
			if err != nil {
				t.Fatal(err)
			}
			if got := a.PublishedAt.Format(time.RFC3339); got != tt.want {
				t.Errorf("PublishedAt = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseMarkdownNFD(t *testing.T) {
	data := readFixture(t, "markdown_sample.md")
	p := NewParser(Options{})
	want, err := p.ParseMarkdown(Input{Name: "a.md", Key: "k", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.ParseMarkdown(Input{Name: "a.md", Key: "k", Data: norm.NFD.Bytes(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NFD input gave\n%#v\nwant\n%#v", got, want)
	}
}

func eq(t *testing.T, field string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", field, got, want)
	}
}
