package article

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

const nb = "\u00a0"

// The seed article is the portal's own export; it is not in the repository,
// so this test only runs where the shared seed directory exists.
func TestParsePortalTextSeed(t *testing.T) {
	const path = "../../shared/seed/000_33f5509a1e1d4f6c.txt"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("seed article not available (%v); it lives outside the repository", err)
	}
	a, err := NewParser(Options{}).Parse(Input{Name: path, Key: "file:thoi-su/seed.txt", Category: "Thời sự", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Giao ban thực hiện chương trình phối hợp công tác dân vận"; a.Title != want {
		t.Errorf("Title = %q, want %q", a.Title, want)
	}
	if got := a.PublishedAt.Format(time.RFC3339); got != "2020-07-10T00:00:00+07:00" {
		t.Errorf("PublishedAt = %s", got)
	}
	if a.Byline != "Mai Khôi" {
		t.Errorf("Byline = %q", a.Byline)
	}
	if !strings.HasPrefix(a.Lead, "Dự Hội nghị") {
		t.Errorf("Lead = %.40q…", a.Lead)
	}
	captions := 0
	for _, im := range a.Images {
		if im.Caption != "" {
			captions++
		}
	}
	if captions != 3 || strings.Count(a.BodyHTML, "<figcaption>") != 3 {
		t.Errorf("%d captions in Images, %d in body; want 3", captions, strings.Count(a.BodyHTML, "<figcaption>"))
	}
	if n := strings.Count(a.BodyHTML, "<h2>"); n != 2 {
		t.Errorf("%d subheadings, want 2", n)
	}
	for _, chrome := range []string{"Gửi cho bạn bè", "Phản hồi", "Thông tin người gửi", "Tin và ảnh", "Dự Hội nghị"} {
		if strings.Contains(a.BodyHTML, chrome) {
			t.Errorf("body contains %q", chrome)
		}
	}
	if a.Slug != "giao-ban-thuc-hien-chuong-trinh-phoi-hop-cong-tac-dan-van" || a.CategorySlug != "thoi-su" {
		t.Errorf("Slug %q, CategorySlug %q", a.Slug, a.CategorySlug)
	}
}

const fixtureBody = `<figure class="photo"><figcaption>Người dân đi trên cây cầu mới</figcaption></figure>
<h2>Công trình do người dân cùng góp sức</h2>
<p>Cầu dài 86 m, rộng 1,5 m, được xây dựng trong bốn tháng với tổng kinh phí gần 2 tỷ đồng. Bà con trong xã đã góp hơn 1.200 ngày công và hiến 500 m² đất làm đường dẫn.</p>
<p>Ông Lò Văn Tâm, trưởng bản Nà Hin, cho biết: “Trước đây mỗi lần lũ về, các cháu phải nghỉ học cả tuần. Nay có cầu, ai cũng mừng.”</p>
<figure class="photo"><figcaption>Các em học sinh qua cầu đến trường</figcaption></figure>
<h2>Kế hoạch bảo trì sau bàn giao</h2>
<p>Tổ tự quản của bản kiểm tra cáp treo mỗi tháng &amp; báo cáo ngay khi thấy hư hỏng &lt;dù nhỏ&gt;.</p>
<p>Năm nay, xã dự kiến xây thêm hai cây cầu tương tự ở bản Phiêng Cại và bản Huổi Lếch.</p>`

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParsePortalTextFixture(t *testing.T) {
	data := readFixture(t, "portal_sample.txt")
	in := Input{Name: "testdata/portal_sample.txt", Key: "file:thoi-su/a.txt", Category: "Thời sự", Data: data}
	a, err := NewParser(Options{}).Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	want := &Article{
		ID:           "1bc6fe02a0f7b0e1",
		SourceKey:    "file:thoi-su/a.txt",
		Slug:         "khanh-thanh-cau-treo-dan-sinh-o-xa-vung-cao",
		Title:        "Khánh thành cầu treo dân sinh ở xã vùng cao",
		Lead:         "Sáng 5/1, xã Tân Lập tổ chức lễ khánh thành cầu treo bắc qua suối Nậm Khoan, giúp hơn 300 hộ dân đi lại an toàn trong mùa mưa lũ.",
		BodyHTML:     fixtureBody,
		Category:     "Thời sự",
		CategorySlug: "thoi-su",
		Byline:       "Trần Thu Hà",
		Images: []Image{
			{Caption: "Người dân đi trên cây cầu mới"},
			{Caption: "Các em học sinh qua cầu đến trường"},
			{}, // the placeholder with no caption
		},
		Newsletter: true,
	}
	if got := a.PublishedAt.Format(time.RFC3339); got != "2025-01-05T00:00:00+07:00" {
		t.Errorf("PublishedAt = %s, want 2025-01-05T00:00:00+07:00", got)
	}
	if a.ContentHash == "" || a.ContentHash != ContentHash(a) {
		t.Errorf("ContentHash %q is not the hash of the article", a.ContentHash)
	}
	a.PublishedAt, a.ContentHash = time.Time{}, ""
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got\n%#v\nwant\n%#v", a, want)
	}
}

func TestParsePortalTextErrors(t *testing.T) {
	lead := "Đoạn mở đầu của bài."
	tests := []struct {
		name   string
		opts   Options
		data   []byte
		target error
		line   int
		msg    []string // substrings the message must hold
	}{
		{
			name:   "wrong weekday",
			data:   doc("Thứ Hai, 10/7/2020", "Tiêu đề", "", lead),
			target: ErrWeekday, line: 1,
			msg: []string{`"Thứ Hai"`, "10/7/2020", "Friday", "Thứ Sáu"},
		},
		{
			name:   "unknown weekday",
			data:   doc("Thứ Tám, 10/7/2020", "Tiêu đề", "", lead),
			target: ErrBadDate, line: 1,
			msg: []string{`"Thứ Tám"`, "Thứ Sáu"},
		},
		{
			name:   "no such date",
			data:   doc("Thứ Hai, 30/2/2021", "Tiêu đề", "", lead),
			target: ErrBadDate, line: 1,
			msg: []string{"30/2/2021"},
		},
		{
			name:   "title on line 1",
			data:   doc("Tiêu đề bài báo", "Thứ Sáu, 10/7/2020", "", lead),
			target: ErrBadDate, line: 1,
			msg: []string{"Tiêu đề bài báo"},
		},
		{
			name:   "two-digit year",
			data:   doc("Thứ Sáu, 10/7/20", "Tiêu đề", "", lead),
			target: ErrBadDate, line: 1,
		},
		{
			name:   "bad time",
			data:   doc("Thứ Sáu, 10/7/2020 25:00", "Tiêu đề", "", lead),
			target: ErrBadDate, line: 1,
			msg: []string{"25:00"},
		},
		{
			name:   "missing title",
			data:   []byte("Thứ Sáu, 10/7/2020"),
			target: ErrMissingTitle, line: 2,
		},
		{
			name:   "empty title line",
			data:   doc("Thứ Sáu, 10/7/2020", "   ", "Tiêu đề muộn", "", lead),
			target: ErrMissingTitle, line: 2,
		},
		{
			name:   "no lead",
			data:   doc("Thứ Sáu, 10/7/2020", "Tiêu đề", "", "Gửi cho bạn bè"),
			target: ErrMissingLead, line: 3,
		},
		{name: "empty file", data: nil, target: ErrEmpty},
		{name: "white space only", data: []byte(" \n\t\r\n" + nb + "\n"), target: ErrEmpty},
		{name: "BOM only", data: []byte("\xef\xbb\xbf\n"), target: ErrEmpty},
		{
			name:   "binary with NUL",
			data:   []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
			target: ErrBinary, line: 3,
		},
		{
			name:   "binary without NUL",
			data:   bytes.Repeat([]byte{0x01, 0x02, 0x1b, 'a', 0x7f, 0x03, 0x04, 0x05}, 50),
			target: ErrBinary,
		},
		{
			name:   "invalid UTF-8",
			data:   []byte("Thứ Sáu, 10/7/2020\nTiêu đề\n\nĐoạn \xff hỏng"),
			target: ErrInvalidUTF8, line: 4,
			msg: []string{"0xff"},
		},
		{
			name:   "invalid UTF-8 after CRLF",
			data:   []byte("Thứ Sáu, 10/7/2020\r\nTiêu đề\r\n\r\nĐoạn \xc3 hỏng"),
			target: ErrInvalidUTF8, line: 4,
		},
		{
			name:   "invalid UTF-8 after CR-only line ends",
			data:   []byte("Thứ Sáu, 10/7/2020\rTiêu đề\r\rĐoạn\rhỏng \xe1\xbb"),
			target: ErrInvalidUTF8, line: 5,
		},
		{
			name:   "Latin-1 file",
			data:   []byte("Th\xf8 S\xe1u, 10/7/2020\n"),
			target: ErrInvalidUTF8, line: 1,
		},
		{
			name:   "oversized",
			opts:   Options{MaxSize: 64},
			data:   doc("Thứ Sáu, 10/7/2020", "Tiêu đề", "", strings.Repeat("chữ ", 40)),
			target: ErrTooLarge,
			msg:    []string{"limit 64"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const name = "thoi-su/loi.txt"
			a, err := NewParser(tt.opts).ParsePortalText(Input{Name: name, Data: tt.data})
			if a != nil {
				t.Errorf("got an article with the error: %+v", a)
			}
			pe := wantParseError(t, err, name, tt.line, tt.target)
			for _, m := range tt.msg {
				if !strings.Contains(pe.Error(), m) {
					t.Errorf("message %q lacks %q", pe.Error(), m)
				}
			}
			if !strings.HasPrefix(pe.Error(), name+":") {
				t.Errorf("message %q does not start with the file name", pe.Error())
			}
		})
	}
}

func TestParsePortalTextDateLine(t *testing.T) {
	tests := []struct {
		line string
		loc  *time.Location
		want string
	}{
		{"Thứ Sáu, 10/7/2020", nil, "2020-07-10T00:00:00+07:00"},
		{"thứ sáu, 10/7/2020", nil, "2020-07-10T00:00:00+07:00"},
		{"THỨ SÁU,10/07/2020", nil, "2020-07-10T00:00:00+07:00"},
		{"  Thứ   Sáu ,  10/7/2020  ", nil, "2020-07-10T00:00:00+07:00"},
		{"Thứ 6, 10/7/2020", nil, "2020-07-10T00:00:00+07:00"},
		{"Chủ nhật, 12/7/2020", nil, "2020-07-12T00:00:00+07:00"},
		{"Chủ Nhật, 1/1/2023", nil, "2023-01-01T00:00:00+07:00"},
		{"Thứ Bảy, 29/2/2020", nil, "2020-02-29T00:00:00+07:00"},
		{"Thứ Hai, 6/7/2020", nil, "2020-07-06T00:00:00+07:00"},
		{"Thứ Ba, 7/7/2020", nil, "2020-07-07T00:00:00+07:00"},
		{"Thứ Tư, 8/7/2020", nil, "2020-07-08T00:00:00+07:00"},
		{"Thứ Năm, 9/7/2020", nil, "2020-07-09T00:00:00+07:00"},
		{"Thứ Sáu, 10/7/2020 08:30", nil, "2020-07-10T08:30:00+07:00"},
		{"Thứ Sáu, 10/7/2020 8h05", nil, "2020-07-10T08:05:00+07:00"},
		{"Thứ Sáu, 10/7/2020", time.UTC, "2020-07-10T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			a, err := NewParser(Options{Location: tt.loc}).ParsePortalText(Input{Name: "a.txt", Data: doc(tt.line, "Tiêu đề", "", "Mở đầu.")})
			if err != nil {
				t.Fatal(err)
			}
			if got := a.PublishedAt.Format(time.RFC3339); got != tt.want {
				t.Errorf("PublishedAt = %s, want %s", got, tt.want)
			}
		})
	}
}

// Every spelling of the same text must give the same article: line ends,
// BOM, Unicode normalization form, characters XML cannot carry.
func TestParsePortalTextInputForms(t *testing.T) {
	base := readFixture(t, "portal_sample.txt")
	p := NewParser(Options{})
	parse := func(data []byte) *Article {
		t.Helper()
		a, err := p.ParsePortalText(Input{Name: "a.txt", Key: "k", Category: "Thời sự", Data: data})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	want := parse(base)
	crlf := bytes.ReplaceAll(base, []byte("\n"), []byte("\r\n"))
	variants := map[string][]byte{
		"CRLF":          crlf,
		"CR":            bytes.ReplaceAll(base, []byte("\n"), []byte("\r")),
		"BOM":           append([]byte("\xef\xbb\xbf"), base...),
		"NFD":           norm.NFD.Bytes(base),
		"BOM+CRLF+NFD":  append([]byte("\xef\xbb\xbf"), norm.NFD.Bytes(crlf)...),
		"control chars": bytes.Replace(bytes.Replace(base, []byte("cầu treo"), []byte("cầu\x01 \x1btreo"), 1), []byte("an toàn"), []byte("an \uffffto\ufffeàn"), 1),
	}
	if bytes.Equal(norm.NFD.Bytes(base), base) {
		t.Fatal("fixture has no decomposable characters; the NFD case tests nothing")
	}
	for name, data := range variants {
		t.Run(name, func(t *testing.T) {
			if got := parse(data); !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%#v\nwant\n%#v", got, want)
			}
		})
	}
	if !norm.NFC.IsNormalString(want.BodyHTML) || !norm.NFC.IsNormalString(want.Title) {
		t.Error("output is not NFC")
	}
}

func TestParsePortalTextBody(t *testing.T) {
	const head = "Thứ Sáu, 10/7/2020\nTiêu đề\n\nMở đầu bài viết.\n\n"
	long := strings.Repeat("Dòng rất dài không dấu chấm ", 5) // > 120 characters
	tests := []struct {
		name   string
		body   string
		html   string
		byline string
		images []Image
	}{
		{
			name: "subheading between paragraphs",
			body: "Kết quả nổi bật\n\nĐoạn một.\n",
			html: "<h2>Kết quả nổi bật</h2>\n<p>Đoạn một.</p>",
		},
		{
			name: "closing punctuation makes a paragraph",
			body: "Câu ngắn.\n\nCâu hỏi?\n\nThật sao!\n\nÔng nói:\n\nVì vậy;\n\n“Trích dẫn”\n\nDài…\n\nĐoạn cuối.\n",
			html: "<p>Câu ngắn.</p>\n<p>Câu hỏi?</p>\n<p>Thật sao!</p>\n<p>Ông nói:</p>\n<p>Vì vậy;</p>\n<p>“Trích dẫn”</p>\n<p>Dài…</p>\n<p>Đoạn cuối.</p>",
		},
		{
			name: "long line is a paragraph",
			body: long + "\n\nĐoạn một.\n",
			html: "<p>" + strings.TrimSpace(long) + "</p>\n<p>Đoạn một.</p>",
		},
		{
			name: "short last line is not a subheading",
			body: "Đoạn một.\n\nHết\n",
			html: "<p>Đoạn một.</p>\n<p>Hết</p>",
		},
		{
			name: "two lines form one paragraph",
			body: "Dòng thứ nhất\nvẫn cùng đoạn\n\nĐoạn hai.\n",
			html: "<p>Dòng thứ nhất vẫn cùng đoạn</p>\n<p>Đoạn hai.</p>",
		},
		{
			name:   "caption without placeholder",
			body:   "Quang cảnh buổi lễ" + nb + "\n\nĐoạn một.\n",
			html:   `<figure class="photo"><figcaption>Quang cảnh buổi lễ</figcaption></figure>` + "\n<p>Đoạn một.</p>",
			images: []Image{{Caption: "Quang cảnh buổi lễ"}},
		},
		{
			name:   "caption after placeholder",
			body:   nb + "\nĐại biểu tham quan" + nb + " \n\nĐoạn một.\n",
			html:   `<figure class="photo"><figcaption>Đại biểu tham quan</figcaption></figure>` + "\n<p>Đoạn một.</p>",
			images: []Image{{Caption: "Đại biểu tham quan"}},
		},
		{
			name:   "placeholder without caption",
			body:   "Đoạn một.\n\n" + nb + nb + "\n\nĐoạn hai.\n",
			html:   "<p>Đoạn một.</p>\n<p>Đoạn hai.</p>",
			images: []Image{{}},
		},
		{
			name:   "no-break space inside a line is text",
			body:   "Cách 10" + nb + "km về phía bắc.\n",
			html:   "<p>Cách 10" + nb + "km về phía bắc.</p>",
			images: nil,
		},
		{
			name:   "caption is escaped",
			body:   "Ảnh <b>đẹp</b> & rõ" + nb + "\n",
			html:   `<figure class="photo"><figcaption>Ảnh &lt;b&gt;đẹp&lt;/b&gt; &amp; rõ</figcaption></figure>`,
			images: []Image{{Caption: "Ảnh <b>đẹp</b> & rõ"}},
		},
		{
			name:   "chrome separated by blank lines",
			body:   "Đoạn một.\n\nTin và ảnh: Mai Lan\n\nGửi cho bạn bè\n\nPhản hồi\n\nThông tin người gửi phản hồi",
			html:   "<p>Đoạn một.</p>",
			byline: "Mai Lan",
		},
		{
			name:   "chrome on adjacent lines, other case, extra spaces",
			body:   "Đoạn một.\n\nTin: Mai Lan\ngửi cho  bạn bè\nPHẢN HỒI \n  Thông tin người gửi phản hồi  \n\n\n",
			html:   "<p>Đoạn một.</p>",
			byline: "Mai Lan",
		},
		{
			name: "chrome words inside the body stay",
			body: "Phản hồi\n\nBạn đọc gửi phản hồi về tòa soạn.\n",
			html: "<h2>Phản hồi</h2>\n<p>Bạn đọc gửi phản hồi về tòa soạn.</p>",
		},
		{name: "byline Tin", body: "Đoạn.\n\nTin: Hồng Nhung\n", html: "<p>Đoạn.</p>", byline: "Hồng Nhung"},
		{name: "byline Ảnh", body: "Đoạn.\n\nẢnh: Quốc Tuấn\n", html: "<p>Đoạn.</p>", byline: "Quốc Tuấn"},
		{name: "byline Bài", body: "Đoạn.\n\nBài: Thu Trang.\n", html: "<p>Đoạn.</p>", byline: "Thu Trang"},
		{name: "byline Bài và ảnh", body: "Đoạn.\n\nBài và ảnh: Lê Đức\n", html: "<p>Đoạn.</p>", byline: "Lê Đức"},
		{name: "byline upper case", body: "Đoạn.\n\nTIN VÀ ẢNH:Lê Đức\n", html: "<p>Đoạn.</p>", byline: "Lê Đức"},
		{name: "byline space before colon", body: "Đoạn.\n\ntin và ảnh : Lê Đức\n", html: "<p>Đoạn.</p>", byline: "Lê Đức"},
		{name: "byline text and photo", body: "Đoạn.\n\nTin: Hà My\nẢnh: Minh Quân\n", html: "<p>Đoạn.</p>", byline: "Hà My, Minh Quân"},
		{name: "byline same person twice", body: "Đoạn.\n\nTin: Hà My\n\nẢnh: Hà My\n", html: "<p>Đoạn.</p>", byline: "Hà My"},
		{
			name: "byline-like line in the middle stays",
			body: "Ảnh: tư liệu của tòa soạn.\n\nĐoạn cuối.\n",
			html: "<p>Ảnh: tư liệu của tòa soạn.</p>\n<p>Đoạn cuối.</p>",
		},
		{
			name: "unknown label is not a byline",
			body: "Đoạn.\n\nNguồn: Báo Mới\n",
			html: "<p>Đoạn.</p>\n<p>Nguồn: Báo Mới</p>",
		},
		{
			name: "text is escaped",
			body: `Giá <tăng> & "giảm" 'nhẹ'.` + "\n",
			html: "<p>Giá &lt;tăng&gt; &amp; &#34;giảm&#34; &#39;nhẹ&#39;.</p>",
		},
		{
			name: "white space collapsed",
			body: "Hai\t\tkhoảng   trắng.\n",
			html: "<p>Hai khoảng trắng.</p>",
		},
	}
	p := NewParser(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := p.ParsePortalText(Input{Name: "a.txt", Data: []byte(head + tt.body)})
			if err != nil {
				t.Fatal(err)
			}
			if a.BodyHTML != tt.html {
				t.Errorf("BodyHTML\n got %q\nwant %q", a.BodyHTML, tt.html)
			}
			if a.Byline != tt.byline {
				t.Errorf("Byline = %q, want %q", a.Byline, tt.byline)
			}
			if !reflect.DeepEqual(a.Images, tt.images) {
				t.Errorf("Images = %#v, want %#v", a.Images, tt.images)
			}
			if a.Lead != "Mở đầu bài viết." {
				t.Errorf("Lead = %q", a.Lead)
			}
		})
	}
}

func TestParsePortalTextLead(t *testing.T) {
	data := doc("Thứ Sáu, 10/7/2020", "Tiêu đề", nb, "Ảnh đầu bài"+nb, "", "Đoạn mở đầu", "viết trên hai dòng.", "", "Thân bài.")
	a, err := NewParser(Options{}).ParsePortalText(Input{Name: "a.txt", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if a.Lead != "Đoạn mở đầu viết trên hai dòng." {
		t.Errorf("Lead = %q", a.Lead)
	}
	want := `<figure class="photo"><figcaption>Ảnh đầu bài</figcaption></figure>` + "\n<p>Thân bài.</p>"
	if a.BodyHTML != want {
		t.Errorf("BodyHTML = %q, want %q", a.BodyHTML, want)
	}
}

func TestParseDispatch(t *testing.T) {
	txt := doc("Thứ Sáu, 10/7/2020", "Tiêu đề", "", "Mở đầu.")
	md := []byte("---\ntitle: Tiêu đề\ndate: 2020-07-10\n---\nMở đầu.\n")
	p := NewParser(Options{})
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"a.txt", txt}, {"thoi-su/A.TXT", txt}, {"a.md", md}, {"b.Markdown", md},
		{"https://example.vn/bai/a.md?v=2#top", md}, {"https://example.vn/a.txt?x=.md", txt},
	} {
		a, err := p.Parse(Input{Name: tt.name, Data: tt.data})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if a.Title != "Tiêu đề" || a.Lead != "Mở đầu." {
			t.Errorf("%s: Title %q, Lead %q", tt.name, a.Title, a.Lead)
		}
	}
	for _, name := range []string{"a.html", "a", "a.txt.gz", "https://example.vn/a.md/x"} {
		_, err := p.Parse(Input{Name: name, Data: txt})
		wantParseError(t, err, name, 0, ErrUnsupportedFormat)
	}
}

// One Parser serves every goroutine of an import; run with -race.
func TestParserConcurrent(t *testing.T) {
	p := NewParser(Options{})
	txt := readFixture(t, "portal_sample.txt")
	md := readFixture(t, "markdown_sample.md")
	want, err := p.ParsePortalText(Input{Name: "a.txt", Data: txt})
	if err != nil {
		t.Fatal(err)
	}
	wantMD, err := p.ParseMarkdown(Input{Name: "a.md", Data: md})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				a, err := p.ParsePortalText(Input{Name: "a.txt", Data: txt})
				if err != nil || a.ContentHash != want.ContentHash {
					t.Errorf("portal text: %v, hash %s", err, a.ContentHash)
					return
				}
				m, err := p.ParseMarkdown(Input{Name: "a.md", Data: md})
				if err != nil || m.ContentHash != wantMD.ContentHash {
					t.Errorf("markdown: %v", err)
					return
				}
				if s := p.SanitizeHTML(`<a href="https://x.vn">x</a>`); !strings.Contains(s, "noopener") {
					t.Errorf("SanitizeHTML = %q", s)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Parsing must not write to the caller's buffer (CRLF and BOM handling
// could be tempted to work in place).
func TestParseLeavesInputAlone(t *testing.T) {
	data := []byte("\xef\xbb\xbfThứ Sáu, 10/7/2020\r\nTiêu đề\r\n\r\nMở đầu.\r")
	orig := bytes.Clone(data)
	if _, err := NewParser(Options{}).ParsePortalText(Input{Name: "a.txt", Data: data}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, orig) {
		t.Errorf("input changed: %q", data)
	}
}
