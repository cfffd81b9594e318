// Package gen generates synthetic Vietnamese news articles for benchmarks,
// load tests and fuzz seeds: in the portal's plain-text format (see
// DESIGN.md, "The portal's plain-text article format") and as Markdown with
// YAML front matter.
//
// The text is built from a vocabulary written for this package (see
// words.go), in NFC, with correct diacritics; it reads like local news but
// means nothing. Output depends only on the *rand.Rand passed in and the
// other arguments, so a seeded generator reproduces the same articles.
//
// Sizes are targets: an article ends up at the requested size or a few
// percent over it (it stops after the sentence that reaches the target). It
// never drops a required part (date line, title, lead, one photo caption,
// one subheading, byline; front matter for Markdown), so targets under
// about 2 KB can come out several hundred bytes larger than asked.
package gen

import (
	"math/rand/v2"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// NBSP is the no-break space (U+00A0) that marks photo placeholders and
// captions in the portal's plain-text format.
const NBSP = "\u00a0"

// Category is a section of the portal: its folder name (no diacritics) and
// its display name.
type Category struct {
	Slug string // "thoi-su"
	Name string // "Thời sự"
}

// Categories returns n categories: the portal's usual sections first
// (thoi-su, kinh-te, van-hoa, the-thao, ...), then numbered ones
// ("chuyen-muc-13", "Chuyên mục 13") when n asks for more.
func Categories(n int) []Category {
	known := categoryList()
	out := make([]Category, 0, max(n, 0))
	for i := range n {
		if i < len(known) {
			out = append(out, Category{Slug: known[i][0], Name: known[i][1]})
			continue
		}
		num := strconv.Itoa(i + 1)
		out = append(out, Category{Slug: "chuyen-muc-" + num, Name: "Chuyên mục " + num})
	}
	return out
}

// Weekday returns the Vietnamese name of d as the portal writes it:
// "Thứ Hai" for Monday through "Thứ Bảy" for Saturday, "Chủ Nhật" for Sunday.
func Weekday(d time.Weekday) string {
	names := [7]string{"Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}
	return names[d]
}

// DateLine formats the calendar date of t, in t's location, as the first
// line of a portal article: "Thứ Năm, 20/11/2026" (day and month without
// leading zeros).
func DateLine(t time.Time) string {
	return string(appendDateLine(nil, t))
}

func appendDateLine(b []byte, t time.Time) []byte {
	b = append(b, Weekday(t.Weekday())...)
	b = append(b, ", "...)
	b = strconv.AppendInt(b, int64(t.Day()), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(t.Month()), 10)
	b = append(b, '/')
	return strconv.AppendInt(b, int64(t.Year()), 10)
}

// PortalText returns one article of about size bytes in the portal's
// plain-text format, dated on the calendar date of date (in date's location;
// pass a time in Asia/Ho_Chi_Minh).
//
// Line 1 is the date with its matching weekday, line 2 the title, then a
// blank line and the lead. The body has paragraphs separated by blank lines,
// at least one subheading and one photo caption ending in U+00A0 (some
// preceded by a placeholder line holding only U+00A0), and ends with a byline
// ("Tin và ảnh: Thu Hà", "Tin:", "Bài và ảnh:", sometimes a second "Ảnh:"
// line). About half of the articles end with the source site's chrome lines
// ("Gửi cho bạn bè", "Phản hồi", "Thông tin người gửi phản hồi"), and about
// half end with a newline.
func PortalText(rng *rand.Rand, date time.Time, size int) []byte {
	w := &writer{rng: rng, v: newVocab(), b: make([]byte, 0, size+size/8+512)}
	w.b = appendDateLine(w.b, date)
	w.b = append(w.b, '\n')
	w.title()
	w.b = append(w.b, "\n\n"...)
	w.lead()

	tail := w.portalTail()
	limit := size - len(tail)

	w.image()
	w.paragraph(limit)
	w.subheading()
	w.paragraph(limit)
	for len(w.b) < limit {
		left := limit - len(w.b)
		switch r := w.rng.IntN(10); {
		case r < 2 && left > 500:
			w.subheading()
		case r < 4 && left > 400:
			w.image()
		}
		w.paragraph(limit)
	}
	return append(w.b, tail...)
}

// Markdown returns one article of about size bytes as Markdown with YAML
// front matter: title, date (RFC 3339, date's clock and offset), category
// (omitted when category is empty, so the folder name applies), tags,
// author, lead, one or two images with https URLs on static.example.vn, and
// in about one article in ten "newsletter: false". The body uses "##"
// subheadings, paragraphs, sometimes a bullet list, emphasis and a link.
func Markdown(rng *rand.Rand, date time.Time, size int, category string) []byte {
	w := &writer{rng: rng, v: newVocab(), b: make([]byte, 0, size+size/8+512), md: true}
	w.b = append(w.b, "---\ntitle: "...)
	w.yamlString(func() { w.title() })
	w.b = append(w.b, "\ndate: "...)
	w.b = date.AppendFormat(w.b, time.RFC3339)
	if category != "" {
		w.b = append(w.b, "\ncategory: "...)
		w.yamlString(func() { w.b = append(w.b, category...) })
	}
	w.b = append(w.b, "\ntags:"...)
	t := w.v.tags // a copy: shuffle its head to pick distinct tags
	for i := range 2 + w.rng.IntN(3) {
		j := i + w.rng.IntN(len(t)-i)
		t[i], t[j] = t[j], t[i]
		w.b = append(w.b, "\n  - "...)
		w.yamlString(func() { w.b = append(w.b, t[i]...) })
	}
	w.b = append(w.b, "\nauthor: "...)
	w.yamlString(func() { w.fullName() })
	w.b = append(w.b, "\nlead: "...)
	w.md = false // the lead is plain text
	w.yamlString(func() { w.lead() })
	w.md = true
	w.b = append(w.b, "\nimages:"...)
	for range 1 + w.rng.IntN(2) {
		w.b = append(w.b, "\n  - url: https://static.example.vn/bench/"...)
		w.b = date.AppendFormat(w.b, "2006/01/")
		w.b = appendHex(w.b, w.rng.Uint32())
		w.b = append(w.b, ".jpg\n    caption: "...)
		w.yamlString(func() { w.b = append(w.b, w.pick(w.v.captions[:])...) })
	}
	if w.rng.IntN(10) == 0 {
		w.b = append(w.b, "\nnewsletter: false"...)
	}
	w.b = append(w.b, "\n---"...)

	limit := size - 1 // the final newline
	w.paragraph(limit)
	w.subheading()
	w.paragraph(limit)
	linked := false
	for len(w.b) < limit {
		left := limit - len(w.b)
		switch r := w.rng.IntN(10); {
		case r < 2 && left > 500:
			w.subheading()
		case r < 3 && left > 900:
			w.list()
		case r < 5 && !linked:
			w.link()
			linked = true
			continue
		}
		w.paragraph(limit)
	}
	return append(w.b, '\n')
}

// writer appends one article to b. In Markdown mode (md) it uses Markdown
// block syntax and sprinkles emphasis; otherwise the portal's plain text.
type writer struct {
	rng *rand.Rand
	v   vocab
	b   []byte
	md  bool
	// speaker is how the last person introduced is referred to afterwards
	// ("ông Khang"); empty until someone has been introduced.
	speaker string
}

func (w *writer) pick(xs []string) string { return xs[w.rng.IntN(len(xs))] }

// capital appends s with its first letter in upper case.
func (w *writer) capital(s string) {
	r, n := utf8.DecodeRuneInString(s)
	w.b = utf8.AppendRune(w.b, unicode.ToUpper(r))
	w.b = append(w.b, s[n:]...)
}

func (w *writer) title() {
	if w.rng.IntN(2) == 0 {
		w.b = append(w.b, w.pick(w.v.titleVerbs[:])...)
	} else {
		w.capital(w.pick(w.v.subjects[:]))
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.actions[:])...)
	}
	w.b = append(w.b, ' ')
	w.b = append(w.b, w.pick(w.v.objects[:])...)
	if w.rng.IntN(4) == 0 {
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.places[:])...)
	}
}

// lead writes the sapo: a framed sentence and one more, as one paragraph.
func (w *writer) lead() {
	w.framed()
	w.b = append(w.b, ' ')
	w.sentence()
}

// paragraph writes a separator and two to five sentences, stopping early once
// b reaches limit.
func (w *writer) paragraph(limit int) {
	w.b = append(w.b, "\n\n"...)
	for i := range 2 + w.rng.IntN(4) {
		if i > 0 {
			w.b = append(w.b, ' ')
		}
		w.sentence()
		if len(w.b) >= limit {
			return
		}
	}
}

func (w *writer) subheading() {
	w.b = append(w.b, "\n\n"...)
	if w.md {
		w.b = append(w.b, "## "...)
	}
	w.b = append(w.b, w.pick(w.v.subheadings[:])...)
}

// image writes a photo caption ending in U+00A0, with or without a
// placeholder line before it, framed by blank lines the way the portal
// exports them.
func (w *writer) image() {
	if w.rng.IntN(2) == 0 {
		w.b = append(w.b, "\n\n"+NBSP+"\n"...)
	} else {
		w.b = append(w.b, "\n\n\n"...)
	}
	w.b = append(w.b, w.pick(w.v.captions[:])...)
	w.b = append(w.b, NBSP+"\n"...)
}

// list writes a Markdown bullet list of three or four items.
func (w *writer) list() {
	w.b = append(w.b, "\n\n"...)
	w.framed()
	w.b = append(w.b, " Cụ thể, các đơn vị sẽ:\n"...)
	n := 3 + w.rng.IntN(2)
	for i := range n {
		w.b = append(w.b, "\n- "...)
		w.b = append(w.b, w.pick(w.v.actions[:])...)
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.objects[:])...)
		if i < n-1 {
			w.b = append(w.b, ';')
		} else {
			w.b = append(w.b, '.')
		}
	}
}

// link writes a Markdown paragraph pointing readers to a page.
func (w *writer) link() {
	w.b = append(w.b, "\n\nThông tin chi tiết được đăng trên ["...)
	w.b = append(w.b, w.pick(w.v.linkTexts[:])...)
	w.b = append(w.b, "](https://www.example.vn/tin-tuc/"...)
	w.b = strconv.AppendInt(w.b, int64(100000+w.rng.IntN(900000)), 10)
	w.b = append(w.b, ")."...)
}

// sentence writes one sentence, ending in a full stop.
func (w *writer) sentence() {
	switch w.rng.IntN(10) {
	case 0, 1:
		w.framed()
	case 2:
		// Theo báo cáo của UBND phường, 1.250 hộ dân đã được hỗ trợ, đạt 87,5% kế hoạch năm.
		w.b = append(w.b, "Theo "...)
		w.b = append(w.b, w.pick(w.v.sources[:])...)
		w.b = append(w.b, ", "...)
		w.emphasis(func() { w.b = appendGrouped(w.b, 12+w.rng.IntN(9800)) })
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.stats[:])...)
		w.b = append(w.b, ", đạt "...)
		w.b = strconv.AppendInt(w.b, int64(60+w.rng.IntN(60)), 10)
		if w.rng.IntN(2) == 0 {
			w.b = append(w.b, ',')
			w.b = strconv.AppendInt(w.b, int64(1+w.rng.IntN(9)), 10)
		}
		w.b = append(w.b, "% kế hoạch năm."...)
	case 3:
		// Ông Trần Văn An, Chủ tịch UBND phường, cho biết nhà thầu thi công sẽ hoàn thành ... trong quý I/2027.
		w.introduce(true)
		w.b = append(w.b, ", "...)
		w.b = append(w.b, w.pick(w.v.roles[:])...)
		w.b = append(w.b, ", "...)
		w.b = append(w.b, w.pick(w.v.speechVerbs[:])...)
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.subjects[:])...)
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.futures[:])...)
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.objects[:])...)
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.whens[:])...)
		w.b = append(w.b, '.')
	case 4:
		// “...”, ông An nói.
		w.b = append(w.b, "“"...)
		w.b = append(w.b, w.pick(w.v.quotes[:])...)
		w.b = append(w.b, "”, "...)
		if w.speaker == "" {
			w.introduce(false)
			w.b = append(w.b, ", "...)
			w.b = append(w.b, w.pick(w.v.roles[:])...)
			w.b = append(w.b, ", "...)
		} else {
			w.b = append(w.b, w.speaker...)
			w.b = append(w.b, ' ')
		}
		w.b = append(w.b, w.pick(w.v.speechVerbs[:])...)
		w.b = append(w.b, '.')
	case 5:
		// Tổng kinh phí dự kiến khoảng 9,6 tỷ đồng, từ ngân sách và vốn xã hội hóa.
		w.b = append(w.b, "Tổng kinh phí dự kiến khoảng "...)
		w.emphasis(func() {
			w.b = strconv.AppendInt(w.b, int64(1+w.rng.IntN(400)), 10)
			if w.rng.IntN(2) == 0 {
				w.b = append(w.b, ',')
				w.b = strconv.AppendInt(w.b, int64(1+w.rng.IntN(9)), 10)
			}
			w.b = append(w.b, " tỷ đồng"...)
		})
		if w.rng.IntN(2) == 0 {
			w.b = append(w.b, ", từ ngân sách và vốn xã hội hóa."...)
		} else {
			w.b = append(w.b, '.')
		}
	case 6, 7:
		w.b = append(w.b, w.pick(w.v.details[:])...)
	default:
		// Bên cạnh đó, nhiều tiểu thương đẩy nhanh tiến độ ... tại chợ đầu mối nông sản, ...
		w.b = append(w.b, w.pick(w.v.connectors[:])...)
		w.b = append(w.b, ", "...)
		w.b = append(w.b, w.pick(w.v.subjects[:])...)
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.actions[:])...)
		w.b = append(w.b, ' ')
		w.emphasis(func() { w.b = append(w.b, w.pick(w.v.objects[:])...) })
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.places[:])...)
		w.b = append(w.b, ", "...)
		w.b = append(w.b, w.pick(w.v.tails[:])...)
		w.b = append(w.b, '.')
	}
}

// framed writes "Opener, subject action object place[, tail]."
func (w *writer) framed() {
	w.b = append(w.b, w.pick(w.v.openers[:])...)
	w.b = append(w.b, ", "...)
	w.b = append(w.b, w.pick(w.v.subjects[:])...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, w.pick(w.v.actions[:])...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, w.pick(w.v.objects[:])...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, w.pick(w.v.places[:])...)
	if w.rng.IntN(2) == 0 {
		w.b = append(w.b, ", "...)
		w.b = append(w.b, w.pick(w.v.tails[:])...)
	}
	w.b = append(w.b, '.')
}

// emphasis writes what f writes, in Markdown sometimes wrapped in * or **.
func (w *writer) emphasis(f func()) {
	mark := ""
	if w.md {
		switch w.rng.IntN(8) {
		case 0:
			mark = "*"
		case 1:
			mark = "**"
		}
	}
	w.b = append(w.b, mark...)
	f()
	w.b = append(w.b, mark...)
}

// introduce writes a new person ("bà Lê Thị Lan", or "Ông Trần Văn An" at
// the start of a sentence) and remembers how to refer to them next.
func (w *writer) introduce(atStart bool) {
	male := w.rng.IntN(2) == 0
	honorific, family := "bà", w.pick(w.v.familyNames[:])
	var middle, given string
	if male {
		honorific, middle, given = "ông", w.pick(w.v.maleMiddles[:]), w.pick(w.v.maleGivens[:])
	} else {
		middle, given = w.pick(w.v.femaleMiddles[:]), w.pick(w.v.femaleGivens[:])
	}
	if atStart {
		w.capital(honorific)
	} else {
		w.b = append(w.b, honorific...)
	}
	w.b = append(w.b, ' ')
	w.b = append(w.b, family...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, middle...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, given...)
	w.speaker = honorific + " " + given
}

// fullName writes a random full name ("Phạm Thu Trâm").
func (w *writer) fullName() {
	w.b = append(w.b, w.pick(w.v.familyNames[:])...)
	w.b = append(w.b, ' ')
	w.penName()
}

// penName writes the two-word name reporters sign with ("Thu Hà").
func (w *writer) penName() {
	if w.rng.IntN(2) == 0 {
		w.b = append(w.b, w.pick(w.v.maleMiddles[1:])...) // not "Văn"
		w.b = append(w.b, ' ')
		w.b = append(w.b, w.pick(w.v.maleGivens[:])...)
		return
	}
	w.b = append(w.b, w.pick(w.v.femaleMiddles[1:])...) // not "Thị"
	w.b = append(w.b, ' ')
	w.b = append(w.b, w.pick(w.v.femaleGivens[:])...)
}

// portalTail returns the byline and, for some articles, the page chrome and a
// final newline. It is built apart from b so its length is known before the
// body is sized.
func (w *writer) portalTail() []byte {
	body := w.b
	w.b = make([]byte, 0, 128)
	w.b = append(w.b, "\n\n"...)
	prefixes := [3]string{"Tin và ảnh: ", "Tin: ", "Bài và ảnh: "}
	p := w.rng.IntN(len(prefixes))
	w.b = append(w.b, prefixes[p]...)
	w.penName()
	if p == 1 && w.rng.IntN(3) == 0 {
		w.b = append(w.b, "\n\nẢnh: "...)
		w.penName()
	}
	if w.rng.IntN(2) == 0 {
		w.b = append(w.b, "\n\nGửi cho bạn bè\n\nPhản hồi\n\nThông tin người gửi phản hồi"...)
	}
	if w.rng.IntN(2) == 0 {
		w.b = append(w.b, '\n')
	}
	tail := w.b
	w.b = body
	return tail
}

// yamlString writes what f writes as a YAML double-quoted scalar.
func (w *writer) yamlString(f func()) {
	w.b = append(w.b, '"')
	start := len(w.b)
	f()
	// The vocabulary has no '"' or '\\', but a caller's category might.
	for i := start; i < len(w.b); i++ {
		if c := w.b[i]; c == '"' || c == '\\' {
			w.b = append(w.b[:i+1], w.b[i:]...)
			w.b[i] = '\\'
			i++
		}
	}
	w.b = append(w.b, '"')
}

// appendGrouped appends n with dots between thousands, the Vietnamese way
// (12.500).
func appendGrouped(b []byte, n int) []byte {
	if n < 1000 {
		return strconv.AppendInt(b, int64(n), 10)
	}
	b = appendGrouped(b, n/1000)
	b = append(b, '.')
	r := n % 1000
	if r < 100 {
		b = append(b, '0')
	}
	if r < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(r), 10)
}

func appendHex(b []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, digits[v>>uint(shift)&0xf])
	}
	return b
}
